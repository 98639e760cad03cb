"""Small helpers shared by the forms."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from lms.core.markdown.limits import describe, excess


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices():
    """("", "Same as my browser") and the interface languages, for a profile's language."""
    return [("", _l("Same as my browser"))] + list(current_app.config["LANGUAGES"].items())


def markdown_bounds(form, field) -> None:
    """A Markdown field's text stays within the bounds in which it renders in linear time
    (lms.core.markdown.limits); the error names the line, and the text typed comes back with it."""
    if field.errors:
        return  # too long already: said once, and not read any further
    found = excess(field.data or "")
    if found:
        raise ValidationError(describe(found))
