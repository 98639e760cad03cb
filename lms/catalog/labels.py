"""Translated names of course statuses."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}


def status_label(status: str) -> str:
    """The translated name of a course status."""
    return STATUS_LABELS.get(status, status)
