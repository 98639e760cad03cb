"""Measuring a workload against its floor: interleaved repetitions, medians, spreads, queries, peak memory.

Repetitions alternate (workload, floor, workload, floor, ...) so that whatever else the machine
is doing slows both alike. Each pair gives a ratio; the figure is the ratio of the medians, printed
with the lowest and highest pair ratio, and a workload whose pair ratios spread wider than
SPREAD_LIMIT (or that ran one pair only, which shows no spread) is unreliable: the table says so
and the published JSON leaves it out (`spread_verdict`). Queries are counted with a SQLAlchemy
`before_cursor_execute` event on the engine; peak memory is the peak of Python allocations
(tracemalloc) during one extra, untimed run of each, because tracing slows the code it traces.

A workload of requests first runs its `warm_up` pairs untimed, checked like the others: the first request of a kind
in a process compiles its statements and fills the caches a serving process keeps for its life (the first passing
submissions took three to four times as long as the next ones, one per kind of course rule and certificate), which a
serving worker pays once and a timed pair would turn into the spread. The long workloads (reports, exports, mail)
have none: a repetition of them is seconds, of which that is nothing.
"""
from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

# Highest over lowest pair ratio beyond which a figure is not published: on a machine shared with
# other work, pair ratios of one workload were seen from 2.8× to 164×, and a median of those says little.
SPREAD_LIMIT = 2.0


def spread_verdict(ratios: list[float], unit: str = "pair") -> str | None:
    """Why a figure made of these pair (or round) ratios is unreliable, or None when it may be published."""
    ratios = [r for r in ratios if r > 0]
    if len(ratios) < 2:
        return f"one {unit} only: no spread to judge it by"
    low, high = min(ratios), max(ratios)
    if high / low > SPREAD_LIMIT:
        return f"{unit} ratios {low:.2f}×-{high:.2f}× spread {high / low:.1f}× (over {SPREAD_LIMIT:g}×)"
    return None


class QueryCounter:
    """Counts the statements sent to the database by every connection of an engine."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _on_execute(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


@contextmanager
def counting(engine):
    """`with counting(engine) as counter: ...; counter.count` is the number of statements."""
    counter = QueryCounter(engine)
    with counter:
        yield counter


@dataclass
class Workload:
    """A piece of work and its floor. `setup`/`floor_setup` run untimed before each repetition,
    `cleanup` once after all of them; `check(result, floor_result)` may raise if they differ; `details()`
    gives lines the report prints below the table (what a workload saw beyond its times)."""

    name: str
    run: Callable[[], object]
    floor: Callable[[], object]
    floor_name: str
    repeat: int
    setup: Callable[[], None] | None = None
    floor_setup: Callable[[], None] | None = None
    after: Callable[[], None] | None = None
    floor_after: Callable[[], None] | None = None
    cleanup: Callable[[], None] | None = None
    check: Callable[[object, object], None] | None = None
    memory: bool = False
    note: str = ""
    details: Callable[[], list[str]] | None = None
    warm_up: int = 0  # untimed pairs first (see above)


@dataclass
class Result:
    """The measurements of one workload."""

    name: str
    floor_name: str
    times: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    floor_queries: list[int] = field(default_factory=list)
    peak_bytes: int | None = None
    floor_peak_bytes: int | None = None
    error: str | None = None
    note: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def floor_median(self) -> float | None:
        return statistics.median(self.floor_times) if self.floor_times else None

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.floor_median:
            return None
        return self.median / self.floor_median

    @property
    def pair_ratios(self) -> list[float]:
        """Each repetition's time over its floor's (the pair ran back to back)."""
        return [t / f for t, f in zip(self.times, self.floor_times) if f > 0]

    @property
    def spread(self) -> tuple[float, float] | None:
        """The lowest and highest pair ratio."""
        ratios = self.pair_ratios
        return (min(ratios), max(ratios)) if ratios else None

    @property
    def unreliable(self) -> str | None:
        """Why this figure is not published (`spread_verdict`), or None; a failed workload has no figure."""
        return None if self.error else spread_verdict(self.pair_ratios)

    @property
    def queries_per_run(self) -> int | None:
        """Statements of a typical run (the median: a lesson's first view writes, the next ones do not)."""
        return round(statistics.median(self.queries)) if self.queries else None

    def as_dict(self) -> dict:
        spread = self.spread
        return {"name": self.name, "floor": self.floor_name, "median_s": self.median,
                "floor_median_s": self.floor_median, "ratio": self.ratio,
                "ratio_lowest": spread[0] if spread else None, "ratio_highest": spread[1] if spread else None,
                "queries": self.queries_per_run,
                "floor_queries": max(self.floor_queries) if self.floor_queries else None,
                "peak_bytes": self.peak_bytes, "floor_peak_bytes": self.floor_peak_bytes, "times_s": self.times,
                "floor_times_s": self.floor_times, "error": self.error, "note": self.note,
                "details": self.details}


def _timed(engine, prepare, work, after) -> tuple[float, int, object]:
    if prepare:
        prepare()
    with counting(engine) as counter:
        started = time.perf_counter()
        value = work()
        elapsed = time.perf_counter() - started
    if after:
        after()
    return elapsed, counter.count, value


def _peak(prepare, work, after) -> int:
    if prepare:
        prepare()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if after:
        after()
    return peak


def measure(workload: Workload, engine, repeat: int | None = None) -> Result:
    """Run the workload and its floor alternately `repeat` times; check their results agree."""
    result = Result(workload.name, workload.floor_name, note=workload.note)
    try:
        for turn in range(workload.warm_up + (repeat or workload.repeat)):
            elapsed, queries, value = _timed(engine, workload.setup, workload.run, workload.after)
            floor_elapsed, floor_queries, floor_value = _timed(engine, workload.floor_setup, workload.floor,
                                                               workload.floor_after)
            if workload.check:
                workload.check(value, floor_value)
            if turn < workload.warm_up:
                continue
            result.times.append(elapsed)
            result.queries.append(queries)
            result.floor_times.append(floor_elapsed)
            result.floor_queries.append(floor_queries)
        if workload.memory:
            result.peak_bytes = _peak(workload.setup, workload.run, workload.after)
            result.floor_peak_bytes = _peak(workload.floor_setup, workload.floor, workload.floor_after)
    except Exception as exc:  # noqa: BLE001 - one failed workload must not hide the others' figures
        result.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    finally:
        if workload.details:
            result.details = workload.details()
        if workload.cleanup:
            workload.cleanup()
    return result
