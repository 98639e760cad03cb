"""Forms of the calendar page: buttons, each CSRF protected."""
from __future__ import annotations

from flask_wtf import FlaskForm


class RenewFeedForm(FlaskForm):
    """Make the calendar address, or a new one in place of the old."""


class StopFeedForm(FlaskForm):
    """Remove the calendar address."""
