"""What makes an assessor's judgement count, named once for every kind of judgement.

An assignment's marks and a practical's records are both judgements kept as a history: a new one supersedes
the last (`superseded_at`), one may be held back until released (`released_at`), and one passes or not
(`passed`). "Current", "released" and "counts" (current, released and passed: what completes a course) are
written here once, usable on a loaded row (`mark.counts`) and in a query (`where(Mark.counts)`).
"""
from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.ext.hybrid import hybrid_property


class Judgement:
    """Mixin for a model with `passed`, `released_at` and `superseded_at` columns."""

    @hybrid_property
    def is_current(self) -> bool:
        """Not superseded by a later judgement of the same work."""
        return self.superseded_at is None

    @is_current.inplace.expression
    @classmethod
    def _is_current_expression(cls):
        return cls.superseded_at.is_(None)

    @hybrid_property
    def is_released(self) -> bool:
        """Visible to the trainee (not held back)."""
        return self.released_at is not None

    @is_released.inplace.expression
    @classmethod
    def _is_released_expression(cls):
        return cls.released_at.is_not(None)

    @hybrid_property
    def counts(self) -> bool:
        """Current, released and passed: what completion, the outline and the reports count as passed."""
        return self.superseded_at is None and self.released_at is not None and bool(self.passed)

    @counts.inplace.expression
    @classmethod
    def _counts_expression(cls):
        return and_(cls.superseded_at.is_(None), cls.released_at.is_not(None), cls.passed.is_(True))
