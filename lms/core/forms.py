"""Small helpers shared by the forms."""
from __future__ import annotations

from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
