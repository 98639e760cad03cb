"""The grading rules: how a gradebook row's total is made of its cells, in plain Python on values already read.

- `mean`: the mean of the items' percentages present;
- `item_weights`: the weighted mean of the items' percentages present (an item without a weight counts 1, an
  item of weight 0 not at all);
- `module_weights`: the mean within each module of its items' percentages present, then the weighted mean of
  the modules (attendance, in no module, is a group of its own with the weight of the "attendance" item).

What "present" means is decided once here (`counted`): a released result, or a result set by staff (an
override). A result still with staff (to mark, held back) is left out. An item the trainee has no result in
is left out while their due date is ahead, and counts 0 once it has passed (a trainer expects work never handed
in to weigh once it is late; before that, the total is a running one of what is graded, with the number of
items still missing beside it).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ZERO = Decimal(0)
ONE = Decimal(1)
TENTH = Decimal("0.1")
# Statuses of a cell whose result is with staff: never counted as missing.
WITH_STAFF = ("to_mark", "held")


def tenth(value: Decimal | float | None) -> Decimal | None:
    """A percentage rounded half up to one decimal, as every page and export shows it."""
    if value is None:
        return None
    if value.__class__ is not Decimal:
        value = Decimal(str(value))
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


class Part(NamedTuple):
    """One cell as the total sees it: its value (None: none), its group (the module's id, or None for
    attendance), its weight, and whether it is missing work (no result, not with staff)."""

    value: Decimal | None
    group: int | None
    weight: Decimal
    missing: bool


def counted(parts: Iterable[Part], overdue: bool) -> list[Part]:
    """The parts that make the total: those with a value, and the missing ones as 0 once `overdue`."""
    chosen = []
    for part in parts:
        if part.value is not None:
            chosen.append(part)
        elif part.missing and overdue:
            chosen.append(Part(ZERO, part.group, part.weight, True))
    return chosen


def total(rule: str, parts: Sequence[Part], module_weights: dict[int | None, Decimal], overdue: bool
          ) -> Decimal | None:
    """The row's total by `rule` (None: nothing to total yet)."""
    chosen = counted(parts, overdue)
    if rule == "item_weights":
        return _weighted((p.value, p.weight) for p in chosen)
    if rule == "module_weights":
        groups: dict[int | None, list[Decimal]] = {}
        for part in chosen:
            groups.setdefault(part.group, []).append(part.value)
        return _weighted((sum(values) / len(values), module_weights.get(group, ONE))
                         for group, values in groups.items())
    return _weighted((p.value, ONE) for p in chosen)


def _weighted(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    weight_sum, value_sum = ZERO, ZERO
    for value, weight in pairs:
        weight_sum += weight
        value_sum += value * weight
    if weight_sum <= 0:
        return None
    return tenth(value_sum / weight_sum)
