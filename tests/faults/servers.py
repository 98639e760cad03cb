"""Real servers for the fault tests, each started in the test's own folder and stopped after it: a
throw-away PostgreSQL cluster (initdb on a free port, never the shared one), a Redis, gunicorn app
servers and an nginx in front of them. A missing program skips the test, or fails it with CI=true."""
from __future__ import annotations

import glob
import os
import pwd
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

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(program: str | None, what: str) -> str:
    """The program's path, or skip (fail with CI=true)."""
    if program is None:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed and CI=true (make system-deps installs it)")
        pytest.skip(f"{what} is not installed")
    return program


def wait_until(check, what: str, timeout: float = 30, log: Path | None = None) -> None:
    """Poll `check()` until it is true, or fail naming `what` (with the end of its log)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise AssertionError(f"{what} did not come up in {timeout} s\n{tail}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    """Whether `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Postgres:
    """A PostgreSQL cluster of the test's own, run as the `postgres` account when the test runs as root (the
    server refuses to run as root)."""

    def __init__(self):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        self.bin = Path(need(binaries[-1] if binaries else shutil.which("initdb"), "PostgreSQL's initdb")).parent
        self.user = "postgres" if os.geteuid() == 0 else None
        # A folder of its own under /tmp: the test's folder is private to root, which the server's account
        # cannot enter.
        self.folder = Path(tempfile.mkdtemp(prefix="lms-test-pg-"))
        self.data, self.port = self.folder / "pgdata", free_port()
        self.log = self.folder / "postgres.log"
        if self.user:
            owner = pwd.getpwnam(self.user)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lms")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/lms"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off", "start")

    def restart(self) -> None:
        """Stop at once (open connections are cut, as in a crash of the service) and start again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def stop(self) -> None:
        """Stop the server and delete its files."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A Redis of the test's own, keeping nothing on disk."""

    def __init__(self, folder: Path):
        program = need(shutil.which("redis-server"), "redis-server")
        self.port = free_port()
        self.process = subprocess.Popen([program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False
        wait_until(up, "redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class Gunicorn:
    """One app server: a gunicorn master and its workers, in a process group of their own so that
    `kill` takes them all at once."""

    def __init__(self, env: dict, folder: Path, name: str, workers: int = 2):
        self.port, self.log = free_port(), folder / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                 "--threads", "4", "--timeout", "30", "wsgi:app"],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: answers(f"http://127.0.0.1:{self.port}/healthz"), f"gunicorn {name}", log=self.log)

    def kill(self) -> None:
        """`kill -9` of the master and every worker: the server dies mid-request."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


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
    """nginx in front of the app servers, with the site block the operator's guide gives (read from the
    guide itself, so the test proves what operators copy)."""

    def __init__(self, folder: Path, site):
        """`site(port)` gives the server blocks, listening on `port`."""
        program = need(shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK)
                                                  else None), "nginx")
        self.port, self.folder = free_port(), folder
        folder.mkdir(parents=True, exist_ok=True)
        user = pwd.getpwuid(os.getuid()).pw_name
        group = "root" if os.getuid() == 0 else user
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(user=user, group=group, dir=folder, site=site(self.port)))
        self.process = subprocess.Popen([program, "-c", str(conf), "-p", str(folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(lambda: answers(f"http://127.0.0.1:{self.port}/healthz"), "nginx", log=folder / "error.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
