"""The load mix's figures: requests per second, per page p50/p95/p99 and count, errors by kind, refusals, the
storm window's p99 of the other trainees' pages, the sign-ins' own times, load averages and the database check."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from bench.loadmix.trainee import Log, Sample

# The order pages are printed in: a journey's.
PAGES = ["catalogue", "course", "lesson", "quiz", "start", "attempt", "save", "finish", "confirm", "submit", "review"]


def quantile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank quantile (p99 of 100 values is the 99th): no interpolation flatters a tail."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


@dataclass
class PageFigures:
    """One page's count and p50/p95/p99 in milliseconds."""

    page: str
    count: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, page: str, samples: list[Sample]) -> PageFigures:
        """The figures of `samples`, all of one page."""
        times = sorted(s.seconds * 1000 for s in samples)
        return cls(page, len(times), quantile(times, 0.50), quantile(times, 0.95), quantile(times, 0.99))


@dataclass
class Report:
    """Everything one run of the load mix prints."""

    trainees: int
    duration: int
    think: float
    server: str
    log: Log
    window: float  # seconds from the first journey to the last journey's end
    generator_cpu: float  # the load generator's CPU seconds over the window
    load_start: tuple[float, float, float]
    load_end: tuple[float, float, float]
    sign_ins: int = 0
    server_cpu: float | None = None  # CPU seconds of gunicorn's workers over the window
    mismatches: list[str] = field(default_factory=list)
    checked: tuple[int, int, int] = (0, 0, 0)  # attempts, answers, reviews compared
    deleted: dict[str, int] = field(default_factory=dict)
    failure: str | None = None  # the run could not be made (no data, gunicorn did not start...)

    def journey_samples(self) -> list[Sample]:
        """The timed journeys' requests (not the sign-ins before, the warm-up or the storm)."""
        return [s for s in self.log.samples if s.kind == "journey"]

    def pages(self, samples: list[Sample] | None = None) -> list[PageFigures]:
        """Each page's figures, in a journey's order."""
        samples = self.journey_samples() if samples is None else samples
        names = PAGES + sorted({s.page for s in samples} - set(PAGES))
        return [PageFigures.of(name, [s for s in samples if s.page == name]) for name in names
                if any(s.page == name for s in samples)]

    def storm_samples(self) -> tuple[list[Sample], list[Sample]]:
        """The other trainees' requests started inside the storm's window, and the storm's sign-ins, each
        timed from asking for the sign-in page to the answer to the form (a failed one: until it failed)."""
        if self.log.storm_window is None:
            return [], []
        first, last = self.log.storm_window
        during = [s for s in self.journey_samples() if first <= s.started <= last]
        return during, [Sample("sign-in", start, seconds, outcome) for start, seconds, outcome in self.log.sign_ins]

    def rate(self) -> float:
        """Requests per second while journeys were being started: those sent in the first `duration` seconds
        (the tail, when the journeys under way end one by one, would dilute it)."""
        end = self.log.begin + self.duration
        return sum(1 for s in self.journey_samples() if s.started < end) / self.duration

    @property
    def errors(self) -> int:
        """Errors of every kind, the database check's mismatches included."""
        return sum(self.log.errors.values()) + len(self.mismatches)

    @property
    def ok(self) -> bool:
        """Whether the run was made and saw no error."""
        return self.failure is None and self.errors == 0

    def as_dict(self) -> dict:
        """The figures for `--json`."""
        during, sign_ins = self.storm_samples()
        return {
            "trainees": self.trainees, "duration": self.duration, "think_seconds": self.think, "server": self.server,
            "sign_ins": self.sign_ins, "failure": self.failure, "window_seconds": self.window,
            "requests": len(self.journey_samples()), "journeys": self.log.journeys,
            "requests_per_second": self.rate() if self.window else None,
            "pages": [vars(p) for p in self.pages()], "errors": dict(self.log.errors),
            "refusals": dict(self.log.refusals), "mismatches": self.mismatches,
            "storm": None if self.log.storm_window is None else {
                "window": [moment - self.log.begin for moment in self.log.storm_window], "others_p99_ms": quantile(sorted(s.seconds * 1000 for s in during), 0.99),
                "sign_in": vars(PageFigures.of("sign-in", sign_ins)),
                "outcomes": dict(Counter(s.kind for s in sign_ins))},
            "generator_cpu_seconds": self.generator_cpu, "server_cpu_seconds": self.server_cpu, "load_start": self.load_start, "load_end": self.load_end,
            "deleted": self.deleted}

    def lines(self) -> list[str]:
        """The report as printed."""
        head = (f"load mix: {self.trainees} trainees" + (f" + {self.sign_ins} sign-ins" if self.sign_ins else "")
                + f", {self.duration} s, think {self.think:g} s (gunicorn {self.server})")
        if self.failure:
            return ["", head, f"  FAILED: {self.failure}"]
        samples = self.journey_samples()
        out = ["", head,
               f"  {self.rate():,.1f} req/s (the requests sent in the first {self.duration} s); {len(samples):,} requests "
               f"in {self.window:.1f} s, until the last journey ended; {self.log.journeys:,} journeys reached the review; "
               f"load average {self.load_start[0]:.2f} at start, {self.load_end[0]:.2f} at end; "
               f"the load generator used {self.generator_cpu / self.window:.0%} of one core" if self.window else "",
               f"  {'page':<12} {'count':>7} {'p50':>9} {'p95':>9} {'p99':>9}"]
        for p in self.pages():
            out.append(f"  {p.page:<12} {p.count:>7,} {p.p50:>7.1f}ms {p.p95:>7.1f}ms {p.p99:>7.1f}ms")
        every = sorted(s.seconds * 1000 for s in samples)
        out.append(f"  {'all pages':<12} {len(every):>7,} {quantile(every, .5):>7.1f}ms {quantile(every, .95):>7.1f}ms "
                   f"{quantile(every, .99):>7.1f}ms")
        if self.log.storm_window is not None:
            during, sign_ins = self.storm_samples()
            first, last = (moment - self.log.begin for moment in self.log.storm_window)
            others = sorted(s.seconds * 1000 for s in during)
            figures = PageFigures.of("sign-in", sign_ins)
            outcomes = Counter(s.kind for s in sign_ins)
            out.append(f"  sign-in storm: {self.sign_ins} sign-ins sent from {first:.1f} s into the run, the last "
                       f"answered at {last:.1f} s; the other trainees' pages meanwhile: {len(others):,} requests, "
                       f"p99 {quantile(others, .99):.1f} ms")
            out.append(f"  sign-ins (the form's page and the form, failed ones until they failed): p50 {figures.p50:.1f} ms, "
                       f"p99 {figures.p99:.1f} ms; {outcomes['signed in']} signed in, {outcomes['refused']} refused as "
                       f"busy (503), {outcomes['failed']} failed")
        elif self.log.refusals:
            out.append(f"  refused as busy (503): {dict(self.log.refusals)}")
        if self.server_cpu is not None and samples:
            out.append(f"  gunicorn's workers used {self.server_cpu:,.1f} CPU seconds over the window "
                       f"({self.server_cpu / self.window:.0%} of one core; {self.server_cpu * 1000 / len(samples):,.1f} ms per "
                       f"request, the storm's sign-ins included when there is one)")
        attempts, answers, reviews = self.checked
        out.append(f"  database check: {attempts} attempts, {answers} acknowledged answers and {reviews} reviews "
                   f"compared: " + ("all there" if not self.mismatches else f"{len(self.mismatches)} MISMATCHES"))
        out.extend(f"    mismatch: {m}" for m in self.mismatches[:10])
        if self.log.errors:
            out.append(f"  ERRORS: {sum(self.log.errors.values())}")
            out.extend(f"    {count:>5} × {kind}" for kind, count in self.log.errors.most_common())
        else:
            out.append("  errors: none")
        if self.deleted:
            out.append("  cleaned up: " + ", ".join(f"{n:,} {t}" for t, n in sorted(self.deleted.items())))
        return out
