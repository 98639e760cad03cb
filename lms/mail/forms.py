"""Forms of the mail pages: the preferences, and buttons (each CSRF protected, but the one-click unsubscribe)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from lms.core.forms import Form


class PreferencesForm(Form):
    """Which kinds of mail one receives (a box per kind, added by `preferences_form`) and the daily digest."""

    digest = BooleanField(_l("Send me one mail a day with the day's messages instead of each on its own"))


def preferences_form(kinds, preference) -> PreferencesForm:
    """The preferences form with one box per kind a person may turn off, ticked when it is on."""

    class Form(PreferencesForm):
        pass

    muted = set(preference.muted or []) if preference is not None else set()
    for kind in kinds:
        setattr(Form, f"kind_{kind.name}", BooleanField(kind.label, default=kind.name not in muted))
    Form.digest = BooleanField(PreferencesForm.digest.args[0], default=bool(preference and preference.digest))
    form = Form()
    form.kind_fields = [getattr(form, f"kind_{kind.name}") for kind in kinds]
    return form


class MarkReadForm(Form):
    """Mark one notification read, or all."""


class UnsubscribeForm(Form):
    """The button of the unsubscribe page: no CSRF token, the signed address is the authority (RFC 8058)."""

    class Meta:
        csrf = False
