"""Which language version of a course a page shows: one rule for lessons, quizzes, the outline and the course page.

In order: the version asked for on this page (`?version=ka`, a switch for this page alone), else the one the
trainee chose for the course (kept on their enrolment), else their interface language, when the course has
a published version in it (or is written in it), else the course's own language. Only published versions
count; `None` stands for the original (the course's own language).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """The language a page shows (`language`, None for the original) among those the course offers."""

    language: str | None
    original: str
    offered: tuple[str, ...]  # the published versions' languages

    @property
    def shown(self) -> str:
        """The language tag of what is shown."""
        return self.language or self.original

    @property
    def choices(self) -> tuple[str, ...]:
        """Every language the course can be read in: the original first, then its versions."""
        return (self.original, *self.offered)


def reading(original: str, offered: list[str] | tuple[str, ...], *, asked: str | None = None,
            chosen: str | None = None, interface: str | None = None) -> Reading:
    """The language to show (see the module docstring): `asked` on this page, the enrolment's `chosen` one,
    the `interface` language; each only when the course offers it."""
    offered = tuple(offered)
    for candidate in (asked, chosen, interface):
        if candidate == original:
            return Reading(None, original, offered)
        if candidate and candidate in offered:
            return Reading(candidate, original, offered)
    return Reading(None, original, offered)
