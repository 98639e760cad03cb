"""The rules of one item as plain data, their bounds, and the search for a cycle among a course's items.

The same shapes serve the database (items named by id) and packages (items named by slug): a `Rules` is
what an instructor or a package says about one item, before it is stored; `find_cycle` looks at the
"waits for" edges of a whole course, whatever names the items.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

# Conditions of one item, every kind counted (a bound on the editor's form and on a package's list).
MAX_CONDITIONS = 20
# The most days after a run's start an item may wait (ten years).
MAX_DAYS = 3650


@dataclass(frozen=True)
class Needs:
    """An item the rules wait for: a lesson viewed, or a quiz passed (with at least `min_percent`)."""

    kind: str  # "lesson" | "quiz"
    ref: Hashable  # its id (database) or its slug (package)
    min_percent: int | None = None


@dataclass(frozen=True)
class Rules:
    """Everything one item waits for (all of it: AND); empty rules leave the item open."""

    items: tuple[Needs, ...] = ()
    courses: tuple[str, ...] = ()  # course slugs: any completed enrolment of the person there
    opens_on: date | None = None  # an absolute date, in the trainee's zone
    days_after_start: int | None = None  # or N days after the run's start (no run: does not apply)

    @property
    def empty(self) -> bool:
        return not (self.items or self.courses or self.opens_on is not None or self.days_after_start is not None)

    @property
    def count(self) -> int:
        """How many conditions the rules make (a date counts as one)."""
        dated = self.opens_on is not None or self.days_after_start is not None
        return len(self.items) + len(self.courses) + int(dated)


class RulesError(ValueError):
    """Rules that cannot be stored; `code` says why and `details` what the message needs:
    "too_many" (max), "two_dates", "bad_percent" (percent), "bad_days" (max), "same_item" (twice the same
    item), "missing_item" (ref), "other_course" (ref), "unknown_course" (slug), "own_course", "cycle" (path:
    the refs of the items that wait for each other, the first again at the end)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code, self.details = code, details


def check_shape(rules: Rules) -> None:
    """Refuse rules that are wrong whatever the course holds: too many conditions, two dates, a percent
    outside 0-100, days outside 0-MAX_DAYS, the same item twice."""
    if rules.count > MAX_CONDITIONS:
        raise RulesError("too_many", max=MAX_CONDITIONS)
    if rules.opens_on is not None and rules.days_after_start is not None:
        raise RulesError("two_dates")
    if rules.days_after_start is not None and not 0 <= rules.days_after_start <= MAX_DAYS:
        raise RulesError("bad_days", max=MAX_DAYS)
    seen = set()
    for needs in rules.items:
        if needs.min_percent is not None and (needs.kind != "quiz" or not 0 <= needs.min_percent <= 100):
            raise RulesError("bad_percent", percent=needs.min_percent)
        if (needs.kind, needs.ref) in seen:
            raise RulesError("same_item", ref=needs.ref)
        seen.add((needs.kind, needs.ref))
    if len(set(rules.courses)) != len(rules.courses):
        raise RulesError("same_item", ref=rules.courses[0])


def first_cycle(waits_for: Mapping[Hashable, Iterable[Hashable]]) -> list | None:
    """A cycle of "waits for" edges among the items of `waits_for`, as the path [a, b, ..., a], or None.

    Iterative depth-first search (an item is unseen, on the current path, or done): time linear in the
    edges, no recursion limit whatever the course's size. A course's rules hold no cycle once stored, so
    a cycle after one item's rules change passes through that item."""
    state: dict = {}
    for root in waits_for:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(waits_for.get(root, ())))]
        path = [root]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                return path[path.index(child):] + [child]
            if child not in state:
                state[child] = 1
                stack.append((child, iter(waits_for.get(child, ()))))
                path.append(child)
    return None
