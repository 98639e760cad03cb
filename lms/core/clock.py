"""The platform's clock. Everything that needs "now" asks here, so tests can move time."""
from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Stop the clock at `moment` (aware), or let it run again with None. For tests only."""
    global _frozen
    _frozen = moment


def frozen_at() -> datetime | None:
    """The moment the clock is stopped at, or None while it runs. For tests only."""
    return _frozen
