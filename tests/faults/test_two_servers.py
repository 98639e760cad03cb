"""The production layout of the operator's guide, under faults: nginx (its site block read from
docs/operations.md) in front of two gunicorn app servers, one PostgreSQL and one Redis of the test's own.

Trainees sign in, enrol, answer and submit quizzes through nginx, as many at once as CI's two cores carry.
Mid-load one app server is killed with `kill -9` (master and workers: requests die half-way), and later the
database is stopped at once and started again. Afterwards every answer whose save was acknowledged and
every attempt whose submission was acknowledged is in the database, graded; and every page a trainee got
was one of the platform's (its error page with a reference, or the page nginx shows from the platform's
static files when an app server is gone), never a bare "Internal Server Error" or nginx's own page. A
trainee whose request failed does what a person does: tries again.
"""
from __future__ import annotations

import re
import subprocess
import threading
import time
from dataclasses import dataclass, field

import psycopg
import pytest
import requests

from tests.faults.servers import BIN, ROOT, Gunicorn, Nginx, Postgres, Redis, site_env
from tests.packages.sample import write_sample

pytestmark = pytest.mark.faults

TRAINEES = 16
PASSWORD = "a long enough password 2026"
QUIZZES = (("check", 2), ("final", 3))  # slug, attempts allowed: five submissions per trainee
GUIDE = ROOT / "docs" / "operations.md"


def site_block(app_ports: tuple[int, int], port: int) -> str:
    """The nginx site of two app servers as the operator's guide gives it, on the test's ports and without
    TLS (the certificate lines name files of a real server)."""
    text = GUIDE.read_text()
    block = re.search(r"<!-- nginx: two app servers -->\s*```nginx\n(.*?)```", text, re.S).group(1)
    block = block.replace("127.0.0.1:8001", f"127.0.0.1:{app_ports[0]}").replace("127.0.0.1:8002",
                                                                                   f"127.0.0.1:{app_ports[1]}")
    block = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{port};", block)
    return "\n".join(line for line in block.splitlines() if "ssl_certificate" not in line)


def run_lms(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "lms"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


CREATE_TRAINEES = """
from lms import create_app
from lms.institutions.services import create_institution
from lms.people.services import create_user
app = create_app()
with app.app_context():
    inst = create_institution("UA-LOAD", "Load Test Academy", "UA")
    for n in range({count}):
        create_user(f"trainee{{n}}@example.org", f"Trainee {{n}}", "trainee", inst.id, password={password!r})
"""


@pytest.fixture()
def layout(tmp_path):
    """The whole layout, started in the test's folder; yields (nginx, app servers, postgres)."""
    postgres, redis = Postgres(), Redis()
    servers, nginx = [], None
    try:
        postgres.start()
        redis.start()
        env = site_env(tmp_path, postgres.url, LMS_RATELIMIT_STORAGE_URI=redis.url, LMS_TRUSTED_PROXIES="1",
                       LMS_LOG_LEVEL="WARNING", LMS_STORAGE_DIR=str(tmp_path / "storage"))
        run_lms(env, "init", "--no-courses")
        run_lms(env, "courses", "import", str(write_sample(tmp_path / "packages")), "--publish")
        subprocess.run([str(BIN / "python"), "-c", CREATE_TRAINEES.format(count=TRAINEES, password=PASSWORD)],
                       env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
        servers = [Gunicorn(env, tmp_path, workers=2, name="app1"), Gunicorn(env, tmp_path, workers=2, name="app2")]
        nginx = Nginx(tmp_path / "nginx", lambda port: site_block((servers[0].port, servers[1].port), port))
        yield nginx, servers, postgres
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            server.stop()
        redis.kill()
        postgres.remove()


def is_platform_page(response: requests.Response) -> bool:
    """A page of the platform (its own error page, or its page of an unavailable server), not a bare one."""
    return 'class="brand"' in response.text or 'data-page="unavailable"' in response.text


@dataclass
class Outcome:
    """What one trainee saw and was told: acknowledged saves and submissions, and every failure."""

    saved: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # attempt id -> answers acknowledged
    graded: set[int] = field(default_factory=set)  # attempts whose submission was acknowledged
    failures: list[str] = field(default_factory=list)  # answers of 500 or more, and answers cut off ("cut")
    bare: list[str] = field(default_factory=list)  # pages that were not the platform's


class Trainee:
    """One trainee's browser going through nginx; a failed request is tried again, as a person would."""

    def __init__(self, base: str, number: int, outcome: Outcome):
        self.base, self.email, self.outcome = base, f"trainee{number}@example.org", outcome
        self.session = requests.Session()

    def send(self, method: str, path: str, **kwargs) -> requests.Response:
        """The request, again until it gets an answer below 500 (at most for a minute)."""
        deadline = time.monotonic() + 60
        while True:
            try:
                response = self.session.request(method, self.base + path, allow_redirects=False, timeout=30,
                                                **kwargs)
            except requests.exceptions.ChunkedEncodingError:
                # The app server was killed after nginx had begun to pass its answer on: the page breaks off
                # half-way and nothing can stand in for it (nginx has sent its headers). The trainee reloads.
                self.outcome.failures.append(f"cut {method} {path}")
            except requests.RequestException as exc:  # through nginx this should never happen
                self.outcome.bare.append(f"{method} {path}: no answer ({exc.__class__.__name__})")
            else:
                if response.status_code < 500:
                    return response
                self.outcome.failures.append(f"{response.status_code} {method} {path}")
                if not is_platform_page(response):
                    self.outcome.bare.append(f"{response.status_code} {method} {path}: {response.text[:200]!r}")
            assert time.monotonic() < deadline, f"{method} {path} failed for a minute"
            time.sleep(0.3)

    def form_token(self, path: str) -> tuple[str, str]:
        page = self.send("GET", path)
        assert page.status_code == 200, (path, page.status_code)
        return page.text, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def sign_in(self) -> None:
        _, token = self.form_token("/login")
        response = self.send("POST", "/login", data={"email": self.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302 and "/login" not in response.headers["Location"], response.status_code

    def enrol(self) -> None:
        _, token = self.form_token("/courses/sample")
        self.send("POST", "/courses/sample/enrol", data={"csrf_token": token})

    def attempt(self, quiz: str) -> None:
        """Start an attempt, save the answers of its first page twice, submit it and read the result."""
        _, token = self.form_token(f"/courses/sample/quizzes/{quiz}")
        started = self.send("POST", f"/courses/sample/quizzes/{quiz}/start", data={"csrf_token": token})
        found = re.search(r"/attempts/(\d+)", started.headers.get("Location", ""))
        assert found, f"no attempt started: {started.status_code} {started.headers.get('Location')}"
        attempt_id = int(found.group(1))
        page, token = self.form_token(f"/attempts/{attempt_id}")
        answers = choose(page)
        for _ in range(2):
            data = {"csrf_token": token, "action": "save", "questions": list(answers),
                    **{f"a-{slug}": values for slug, values in answers.items()}}
            saved = self.send("POST", f"/attempts/{attempt_id}", data=data)
            if saved.status_code == 302 and f"/attempts/{attempt_id}" in saved.headers["Location"]:
                self.outcome.saved[attempt_id] = answers
        submitted = self.send("POST", f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
        if submitted.status_code == 302 and submitted.headers["Location"].endswith(f"/attempts/{attempt_id}/review"):
            review = self.send("GET", f"/attempts/{attempt_id}/review")
            if review.status_code == 200 and "%" in review.text:
                self.outcome.graded.add(attempt_id)

    def run(self, stop: threading.Event) -> None:
        self.sign_in()
        self.enrol()
        for quiz, attempts in QUIZZES:
            for _ in range(attempts):
                if stop.is_set():
                    return
                self.attempt(quiz)


def choose(page: str) -> dict[str, list[str]]:
    """An answer to every question of an attempt page: the first choice, "true", a word or a number."""
    answers = {}
    for slug in re.findall(r'name="questions" value="([^"]+)"', page):
        inputs = re.findall(rf'<input type="(\w+)"[^>]*name="a-{re.escape(slug)}"(?: value="([^"]*)")?', page)
        kind, value = inputs[0]
        if kind in ("radio", "checkbox"):
            answers[slug] = [value]
        elif 'inputmode="decimal"' in page.split(f'name="a-{slug}"')[0][-200:]:
            answers[slug] = ["12"]
        else:
            answers[slug] = ["passport"]
    return answers


def stored(database_url: str) -> tuple[dict[int, dict[str, object]], dict[int, tuple[str, object]]]:
    """(answers by attempt and question, (status, score) by attempt) as the database holds them."""
    with psycopg.connect(database_url) as conn:
        answers: dict[int, dict[str, object]] = {}
        for attempt_id, slug, response in conn.execute(
                "SELECT attempt_id, question_slug, response FROM attempt_answers"):
            answers.setdefault(attempt_id, {})[slug] = response
        attempts = {row[0]: (row[1], row[2]) for row in conn.execute("SELECT id, status, score FROM quiz_attempts")}
    return answers, attempts


def test_a_killed_app_server_and_a_database_restart_lose_nothing_acknowledged(layout):
    nginx, servers, postgres = layout
    outcomes = [Outcome() for _ in range(TRAINEES)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def trainee(n: int) -> None:
        try:
            Trainee(nginx.url, n, outcomes[n]).run(stop)
        except BaseException as exc:  # noqa: BLE001 - reported below with the others
            errors.append(exc)

    threads = [threading.Thread(target=trainee, args=(n,)) for n in range(TRAINEES)]
    for thread in threads:
        thread.start()
    def progress() -> int:
        return sum(len(o.graded) for o in outcomes)
    total = TRAINEES * sum(n for _, n in QUIZZES)
    deadline = time.monotonic() + 120
    while progress() < total // 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    servers[0].kill()  # kill -9 of a whole app server mid-load
    while progress() < total // 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    postgres.restart()  # the database stops at once and comes back
    for thread in threads:
        thread.join(240)
    assert not errors, errors[:3]
    assert not any(t.is_alive() for t in threads)

    answers, attempts = stored(postgres.url)
    acknowledged_saves = acknowledged_grades = 0
    for outcome in outcomes:
        for attempt_id, given in outcome.saved.items():
            acknowledged_saves += 1
            kept = answers.get(attempt_id, {})
            lost = [slug for slug in given if kept.get(slug) in (None, [], "")]
            assert not lost, f"attempt {attempt_id}: the acknowledged answers to {lost} are not in the database"
        for attempt_id in outcome.graded:
            acknowledged_grades += 1
            status, score = attempts[attempt_id]
            assert status == "submitted" and score is not None, (attempt_id, status, score)
    assert acknowledged_grades == total  # every trainee finished every attempt, after trying again
    bare = [b for o in outcomes for b in o.bare]
    assert not bare, bare[:10]
    failures = [f for o in outcomes for f in o.failures]
    print(f"two servers: {acknowledged_saves} saves and {acknowledged_grades} submissions acknowledged and kept; "
          f"{len(failures)} answers of 5xx (all platform pages) or cut off on the way: "
          f"{sorted(set(f.split()[0] for f in failures))}")
