"""Translated names of roles, for pages and forms."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "trainee": _l("Trainee"),
    "instructor": _l("Instructor"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Admin"),
}


def role_label(role: str) -> str:
    """The translated name of a role."""
    return ROLE_LABELS.get(role, role)
