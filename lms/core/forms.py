"""Small helpers shared by the forms."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices():
    """("", "Same as my browser") and the interface languages, for a profile's language."""
    return [("", _l("Same as my browser"))] + list(current_app.config["LANGUAGES"].items())
