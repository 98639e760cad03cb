"""Translated names of question kinds."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "single_choice": _l("Single choice"), "multiple_choice": _l("Multiple choice"), "true_false": _l("True or false"),
    "short_text": _l("Short answer"), "numeric": _l("Numeric"),
}


def kind_label(kind: str) -> str:
    """The translated name of a question kind."""
    return KIND_LABELS.get(kind, kind)
