"""The outcome of a practical assessment, written once: what a record's results make of it.

A record passes when every live critical criterion is met and the share of the live criteria met reaches the
practical's pass mark. "Not observed" counts as not met: an assessor signs off what they saw. A criterion
retired since does not count (the checklist changed); a record keeps the percent it was signed with.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Outcome:
    """The share of the criteria met (percent, two decimals) and whether that passes."""

    percent: Decimal
    passed: bool


def outcome(criteria, results: dict[int, str], pass_mark: int) -> Outcome:
    """The outcome of `results` ({criterion id: "met" | "not_met" | "not_observed"}) on the live `criteria`
    (objects with `id`, `critical`, `retired`) against `pass_mark` (percent)."""
    live = [c for c in criteria if not c.retired]
    if not live:
        return Outcome(Decimal("0.00"), False)
    met = [c for c in live if results.get(c.id) == "met"]
    percent = (Decimal(len(met) * 100) / Decimal(len(live))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    critical_met = all(results.get(c.id) == "met" for c in live if c.critical)
    # Compared exactly (met * 100 >= pass_mark * live), never on the rounded percent.
    passed = critical_met and len(met) * 100 >= pass_mark * len(live)
    return Outcome(percent, passed)
