"""Forms of the calendar page: buttons, each CSRF protected."""
from __future__ import annotations

from lms.core.forms import Form


class RenewFeedForm(Form):
    """Make the calendar address, or a new one in place of the old."""


class StopFeedForm(Form):
    """Remove the calendar address."""
