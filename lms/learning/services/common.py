"""What learning's writes share: the error of a refused enrolment (or withdrawal, or feedback)."""
from __future__ import annotations


class EnrolmentError(ValueError):
    """A refused enrolment; `code` says why (see the views for the messages)."""
