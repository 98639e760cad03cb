"""Virtual trainees: each a browser of its own (cookies, session) signed in through the sign-in form, then
looping over a journey through a course until the run's deadline; and the sign-in storm's browsers.

One asyncio loop drives them all through aiohttp (see pyproject.toml), so a few hundred browsers cost the
load generator one process that mostly waits. Every request is timed on its own (redirects are followed by
hand, as their own requests) and recorded with the page it was for; an answer other than the one a browser
expects ends the journey, is counted as an error of its kind, and the trainee starts a new journey.

What the server acknowledged is kept for the database check (`bench.loadmix.check`): each save answered
2xx/3xx, with the answers it carried as the server stores them, each submission answered with the review,
and the result the review showed.
"""
from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import aiohttp

from bench.loadmix import pages
from bench.loadmix.accounts import PASSWORD, Trainee

USER_AGENT = "lms-bench-loadmix"
SAVES = 3  # background saves per attempt before the last answers go with "Finish and submit"
RIGHT_SHARE = 0.8  # chance that a virtual trainee answers a question right: some attempts pass, some fail
TIMEOUT_SECONDS = 30
_ATTEMPT = re.compile(r"^/attempts/(\d+)$")


@dataclass
class Sample:
    """One request: the page it was for, when it started (seconds from the run's start), how long it took."""

    page: str
    started: float
    seconds: float
    kind: str  # "journey", "storm" or "setup" (the trainees' own sign-ins before the run)


@dataclass
class AttemptSeen:
    """An attempt as its trainee saw it: answers acknowledged by the server (slug -> response as stored),
    answers sent without an answer (which may or may not have been stored), whether the submission was
    acknowledged, and the review shown."""

    attempt_id: int
    email: str
    acknowledged: dict = field(default_factory=dict)
    unsure: dict = field(default_factory=dict)  # slug -> responses that may be stored
    submitted: bool = False
    review: pages.Review | None = None


@dataclass
class Log:
    """Everything the run's browsers recorded."""

    origin: float
    samples: list[Sample] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # kind -> count
    refusals: Counter = field(default_factory=Counter)  # 503 "busy, try again" answers, by page
    attempts: list[AttemptSeen] = field(default_factory=list)
    journeys: int = 0  # journeys that reached the review
    begin: float = 0.0  # when the timed journeys began (seconds from `origin`)
    storm_window: tuple[float, float] | None = None  # first sign-in of the storm sent, last one answered
    sign_ins: list[tuple[float, float, str]] = field(default_factory=list)  # the storm's: start, seconds, outcome

    def now(self) -> float:
        """Seconds since the run's start."""
        return time.monotonic() - self.origin


class Broken(Exception):
    """A step of a journey did not get the answer a browser expects (already recorded as an error)."""


@dataclass
class Answer:
    """What a request got: its status, its body as text, and where a redirect sends the browser."""

    status: int
    text: str
    location: str  # path and query of a redirect's target ("" without one)


class Browser:
    """One person's browser: its own cookies; shares the connection pool of the run."""

    def __init__(self, base: str, connector: aiohttp.BaseConnector, log: Log, kind: str):
        self.base, self.log, self.kind = base, log, kind
        self.session = aiohttp.ClientSession(
            connector=connector, connector_owner=False, cookie_jar=aiohttp.CookieJar(unsafe=True),  # a loopback IP
            timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
            headers={"User-Agent": USER_AGENT, "Accept-Language": "en"})

    async def close(self) -> None:
        """Close the browser's session (its connections stay in the run's pool)."""
        await self.session.close()

    async def fetch(self, page: str, method: str, path: str, data=None, want: tuple[int, ...] = (200,),
                    headers: dict | None = None, refusable: bool = False) -> Answer:
        """Send one request (no redirect followed) and record it; Broken unless it answered a status in `want`.
        With `refusable`, a 503 is recorded as a refusal rather than an error."""
        started = self.log.now()
        try:
            async with self.session.request(method, urljoin(self.base, path), data=data, headers=headers,
                                            allow_redirects=False) as response:
                body = await response.read()
                status, location = response.status, response.headers.get("Location", "")
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            self.log.samples.append(Sample(page, started, self.log.now() - started, self.kind))
            self.log.errors[f"{page}: {type(exc).__name__}"] += 1
            raise Broken(page) from exc
        self.log.samples.append(Sample(page, started, self.log.now() - started, self.kind))
        if status in want:
            target = urlsplit(location)
            return Answer(status, body.decode("utf-8", "replace"),
                          target.path + (f"?{target.query}" if target.query else ""))
        if refusable and status == 503:
            self.log.refusals[page] += 1
        else:
            self.log.errors[f"{page}: HTTP {status}"] += 1
        raise Broken(page)

    def broken(self, kind: str) -> Broken:
        """Record an error that is not an HTTP status (a page without the form a browser needs...)."""
        self.log.errors[kind] += 1
        return Broken(kind)

    async def sign_in(self, email: str, page: str) -> None:
        """Sign in through the sign-in form as a person does (its CSRF token, its field names)."""
        login = await self.fetch(f"{page} page", "GET", "/login", refusable=True)
        form = next((f for f in pages.forms(login.text) if any(x.kind == "password" for x in f.fields)), None)
        if form is None:
            raise self.broken(f"{page} page: no sign-in form")
        name = next(f.name for f in form.fields if f.kind in ("text", "email"))
        password = next(f.name for f in form.fields if f.kind == "password")
        answer = await self.fetch(page, form.method.upper(), form.action or "/login",
                                  data=[*form.hidden(), (name, email), (password, PASSWORD)], want=(302, 303),
                                  refusable=True)
        if answer.location.startswith("/login"):
            raise self.broken(f"{page}: sent back to the sign-in page")


def _stored(values: list[str], kind: str):
    """A question's form values as `lms.quizzes.services.parse_responses` stores them."""
    values = [v for v in values if v != ""]
    if kind in ("radio", "checkbox"):
        if values and values[0] in ("true", "false"):
            return values[0] == "true"
        return sorted(int(v) for v in values) or None
    return (values[0].strip() or None) if values else None


class VirtualTrainee:
    """A signed-in trainee going catalogue → course → lesson → quiz → start → saves → submit → review."""

    def __init__(self, browser: Browser, trainee: Trainee, rng: random.Random, think: float):
        self.browser, self.trainee, self.rng, self.think_mean = browser, trainee, rng, think

    async def think(self) -> None:
        """Pause as a person reading the page would (`think` seconds on average)."""
        if self.think_mean > 0:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think_mean)

    async def get(self, page: str, path: str) -> Answer:
        """GET a page that must answer 200, then pause on it."""
        answer = await self.browser.fetch(page, "GET", path)
        await self.think()
        return answer

    def _answer(self, form: pages.Form, slug: str) -> tuple[list[str], str]:
        """The values the trainee gives a question (right or wrong, among the choices the page offers)."""
        options = form.options(f"a-{slug}")
        kind = options[0].kind if options else "text"
        right, wrong = self.trainee.course.key.get(slug, ([], []))
        values = right if self.rng.random() < RIGHT_SHARE else wrong
        offered = {o.value for o in options}
        if kind in ("radio", "checkbox") and (not values or not set(values) <= offered):
            values = [self.rng.choice(sorted(offered))] if offered else []
        return (values or ["42"]), kind

    async def journey(self) -> None:
        """One journey through the course, from the catalogue to a quiz's review."""
        course = self.trainee.course
        base = f"/courses/{course.slug}"
        await self.get("catalogue", "/courses/")
        await self.get("course", base)
        await self.get("lesson", f"{base}/lessons/{self.rng.choice(course.lessons)}")
        quiz = self.rng.choice(self.trainee.quizzes)
        page = await self.browser.fetch("quiz", "GET", f"{base}/quizzes/{quiz}")
        form = pages.form_to(page.text, f"/quizzes/{quiz}/start")
        if form is None:
            # An attempt of the trainee's is open (one whose start got no answer in time, in an earlier journey):
            # the page offers "Continue your attempt", as a person would take it.
            open_attempt = next((link for link in pages.links(page.text) if _ATTEMPT.match(link)), None)
            if open_attempt is None:
                raise self.browser.broken("quiz: neither a start button nor an attempt to continue")
            await self.think()
            await self.answer(open_attempt, int(_ATTEMPT.match(open_attempt).group(1)))
            return
        await self.think()
        started = await self.browser.fetch("start", "POST", form.action, data=form.hidden(), want=(302, 303))
        if not _ATTEMPT.match(started.location):
            raise self.browser.broken(f"start: sent to {started.location.split('?')[0]}")
        await self.answer(started.location, int(_ATTEMPT.match(started.location).group(1)))

    async def answer(self, path: str, attempt_id: int) -> None:
        """The attempt: its page, background saves, the last answers with "Finish", confirm, review."""
        page = await self.get("attempt", path)
        form = next((f for f in pages.forms(page.text) if "quiz-form" in f.classes.split()), None)
        if form is None:
            raise self.browser.broken("attempt: no answer form")
        hidden = form.hidden()
        slugs = [value for name, value in hidden if name == "questions"]
        chosen = {slug: self._answer(form, slug) for slug in slugs}
        # One record per attempt: continuing it updates what the earlier journey was told.
        seen = next((s for s in self.browser.log.attempts if s.attempt_id == attempt_id), None)
        if seen is None:
            seen = AttemptSeen(attempt_id, self.trainee.email)
            self.browser.log.attempts.append(seen)
        seq = int(form.attributes.get("data-attempt-seq") or 0)

        async def send(page_name: str, answered: int, extra: list, want, headers=None) -> Answer:
            data, stored = list(hidden), {}
            for n, slug in enumerate(slugs):
                values, kind = chosen[slug] if n < answered else ([], chosen[slug][1])
                data += [(f"a-{slug}", v) for v in values]
                stored[slug] = _stored(values, kind)
            for slug, value in stored.items():
                seen.unsure.setdefault(slug, []).append(value)
            answer = await self.browser.fetch(page_name, "POST", form.action or path, data=data + extra, want=want,
                                              headers=headers)
            seen.acknowledged.update(stored)
            for slug in stored:
                seen.unsure.pop(slug, None)
            return answer

        for n in range(1, SAVES + 1):  # as the page's script saves in the background: numbered, dated, JSON
            seq += 1
            saved = await send("save", math.ceil(len(slugs) * n / (SAVES + 1)),
                               [("seq", str(seq)), ("saved_at", datetime.now(UTC).isoformat())], (200,),
                               {"Accept": "application/json"})
            if '"saved":true' not in saved.text.replace(" ", ""):
                raise self.browser.broken("save: not saved")
            await self.think()
        finish = await send("finish", len(slugs), [("action", "finish")], (302, 303))
        confirm = await self.get("confirm", finish.location)
        confirm_form = pages.form_to(confirm.text, "/submit")
        if confirm_form is None:
            raise self.browser.broken("confirm: no submit button")
        submitted = await self.browser.fetch("submit", "POST", confirm_form.action, data=confirm_form.hidden(),
                                             want=(302, 303))
        seen.submitted = True
        review = await self.browser.fetch("review", "GET", submitted.location)
        seen.review = pages.review(review.text)
        if self.browser.kind == "journey":
            self.browser.log.journeys += 1
        await self.think()

    async def once(self) -> None:
        """One journey, an error ending it as in `run`."""
        try:
            await self.journey()
        except Broken:
            pass

    async def run(self, deadline: float) -> None:
        """Journeys until `deadline` (seconds from the run's start): none starts after it."""
        while self.browser.log.now() < deadline:
            try:
                await self.journey()
            except Broken:
                await asyncio.sleep(0.1)  # as a person would reload: not a tight loop on an error
