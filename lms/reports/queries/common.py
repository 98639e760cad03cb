"""What the report queries share: paging limits and rounding as people round by hand."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000


def _number(value, digits: int = 1) -> float | None:
    """Rounded half up (4.25 -> 4.3), as people round by hand."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _percent(part, whole) -> float | None:
    return _number(Decimal(part) * 100 / Decimal(whole)) if whole else None
