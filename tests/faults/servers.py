"""Throw-away servers for the fault tests: a PostgreSQL instance, a Redis and the app under gunicorn, and the
site the tests serve (one instructor whose profile says Ukrainian) with a browser signing in to it.

Each lives in a folder of its own on a free loopback port and is stopped and removed by the test that
started it; the shared PostgreSQL (5432) and Redis (6379) are never touched. PostgreSQL refuses to run as
root: as root the instance runs as the `postgres` OS user, in a folder it owns. Without the server
binaries the tests skip, except with CI set, where that is a failure.
"""
from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import requests

from tests.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing(what: str) -> None:
    """Skip, or fail under CI, for a server binary that is not installed."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed and CI=true")
    pytest.skip(f"{what} is not installed")


def _postgres_binary(name: str) -> str:
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))  # Debian keeps them off the PATH
    found = shutil.which(name) or (installed[-1] if installed else None)
    if found is None:
        missing(f"PostgreSQL's {name}")
    return found


class Postgres:
    """A PostgreSQL instance of its own (initdb into a temporary folder), trust authentication, no fsync."""

    def __init__(self):
        self.initdb, self.pg_ctl = _postgres_binary("initdb"), _postgres_binary("pg_ctl")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lms-faults-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "postgres.log"
        self.user = None
        try:
            if os.geteuid() == 0:  # PostgreSQL will not run as root
                try:
                    self.user = pwd.getpwnam("postgres")
                except KeyError:
                    missing("the postgres OS user (PostgreSQL's server package)")
                os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
            self._run([self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--no-sync"])
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        """The URL of its `postgres` database, for LMS_DATABASE_URL."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: list[str]) -> None:
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder, **kwargs)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([self.pg_ctl, "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", options])

    def stop(self, mode: str = "immediate") -> None:
        """Stop it: "immediate" is a crash as far as the clients can tell (no goodbye to the connections)."""
        self._run([self.pg_ctl, "stop", "-w", "-m", mode, "-D", str(self.data)])

    def restart(self) -> None:
        """Stop at once (the open connections are cut, as in a crash of the service) and start again."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop it if it runs, and delete its folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except AssertionError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A Redis server of its own on a free port, without persistence."""

    def __init__(self):
        self.binary = shutil.which("redis-server") or missing("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it answers."""
        self.process = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        """Kill it without a goodbye (SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def lms(env: dict, *args: str) -> None:
    """Run an `lms` command (as an operator would) against the site of `env`."""
    done = subprocess.run([str(BIN / "lms"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


class Gunicorn:
    """The app under gunicorn on a free port, its output kept in a log the test can read."""

    def __init__(self, env: dict, folder: Path, workers: int = 1, threads: int = 4, name: str = "gunicorn"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                 "--threads", str(threads), "--timeout", "60", "wsgi:app"],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.base + "/favicon.ico", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError("gunicorn did not start: " + self.log.read_text())
                time.sleep(0.2)

    def kill(self) -> None:
        """`kill -9` of the master and every worker (their own process group): the server dies mid-request."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


NGINX_CONF = """
worker_processes 1;
daemon off;
user {user} {group};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{site}
}}
"""


class Nginx:
    """nginx in front of app servers, with the server blocks `site(port)` gives for its port."""

    def __init__(self, folder: Path, site):
        binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
        if binary is None:
            missing("nginx")
        self.port, self.folder = free_port(), folder
        folder.mkdir(parents=True, exist_ok=True)
        user = pwd.getpwuid(os.getuid()).pw_name
        group = "root" if os.getuid() == 0 else user
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(user=user, group=group, dir=folder, site=site(self.port)))
        self.process = subprocess.Popen([binary, "-c", str(conf), "-p", str(folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError("nginx did not start: " + (folder / "error.log").read_text())
                time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


PERSON = "olena@example.org"


def site_env(folder: Path, database_url: str, **extra: str) -> dict:
    """The environment of a production site on `database_url`, its instance in `folder`."""
    return {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "s" * 40, "LMS_INSTANCE_PATH": str(folder),
            "LMS_DATABASE_URL": database_url, "LMS_SECURE_COOKIES": "0", "LMS_PRIVACY_NOTICE_AT_SIGN_IN": "0",
            "LMS_MFA_REQUIRED_ROLES": "none", "LMS_LOG_LEVEL": "INFO", "LMS_RATELIMIT_STORAGE_URI": "memory://",
            **extra}


def set_up_site(env: dict) -> None:
    """Migrate the database and create an instructor who chose Ukrainian in their profile."""
    lms(env, "init", "--no-courses")
    lms(env, "users", "create", "--email", PERSON, "--name", "Olena Instructor", "--role", "instructor",
        "--locale", "uk", "--password", PASSWORD)


def sign_in_answer(base: str, browser: requests.Session | None = None, password: str = PASSWORD) -> requests.Response:
    """The answer to the person's sign-in, from `browser` (else a new one whose own language is English)."""
    if browser is None:
        browser = requests.Session()
        browser.headers["Accept-Language"] = "en"
    page = browser.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return browser.post(base + "/login", data={"email": PERSON, "password": password, "csrf_token": token},
                        allow_redirects=False, timeout=30)


def signed_in(base: str) -> requests.Session:
    """A browser whose own language is English, signed in as the person (whose profile says Ukrainian)."""
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    answer = sign_in_answer(base, browser)
    assert answer.status_code == 302, f"{answer.status_code}: {answer.text[-500:]}"
    assert browser.get(base + "/profile", timeout=10).status_code == 200
    return browser
