"""The forms of training sessions: a session (staff), a run's trainers, and the buttons of sign-ups and the
register (their CSRF tokens; the register's radio buttons are read by the view, bounded by its people)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField, DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core import when
from lms.core.forms import Form, markdown_bounds, options
from lms.sessions.services import CUTOFF_MAX, DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX, URL_MAX, SessionFields

KIND_LABELS = {"in_person": _l("In person"), "online": _l("Online"), "practical": _l("Practical")}
MARK_LABELS = {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused"),
               "late": lazy_pgettext("attendance mark", "Late")}


class SessionForm(Form):
    """A session's kind, title, times at the place and its zone, place or link, places, trainers, description."""

    kind = SelectField(_l("Kind"), choices=options(KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    starts_local = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()],
                                      description=_l("The time at the place of the session."))
    ends_local = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    zone = SelectField(_l("Time zone of the place"), validators=[DataRequired()])
    location = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=LOCATION_MAX)],
                           description=_l("The building and room, or the range."))
    online_url = StringField(_l("Online link (optional)"), validators=[Optional(), Length(max=URL_MAX)],
                             description=_l("An address starting with https:// or http://."))
    capacity = IntegerField(_l("Places (optional)"), validators=[Optional(), NumberRange(min=1, max=100000)],
                            description=_l("Empty: no limit. When the places are taken, trainees join the waiting "
                                           "list."))
    cutoff_hours = IntegerField(_l("Sign-ups close this many hours before the start (optional)"),
                                validators=[Optional(), NumberRange(min=0, max=CUTOFF_MAX)],
                                description=_l("Empty: the course's setting."))
    required = BooleanField(_l("Named session: required for completion when the course asks for the named "
                               "sessions"))
    trainers = SelectMultipleField(_l("Trainers (optional)"), coerce=int, validate_choice=True)
    description = TextAreaField(_l("Description (optional)"),
                                validators=[Optional(), Length(max=DESCRIPTION_MAX), markdown_bounds],
                                description=_l("Markdown: what to bring, how to get there."))

    def __init__(self, *args, trainer_choices=(), default_zone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone.choices = options((z, z) for z in when.all_zones())
        self.trainers.choices = options(trainer_choices)
        if default_zone and not self.is_submitted() and not self.zone.data:
            self.zone.data = default_zone

    def fields(self) -> SessionFields:
        """What was typed, for the services."""
        return SessionFields(kind=self.kind.data, title=self.title.data or "", starts_local=self.starts_local.data,
                             ends_local=self.ends_local.data, zone=self.zone.data, location=self.location.data or "",
                             online_url=self.online_url.data or None, capacity=self.capacity.data,
                             description=self.description.data or "", required=bool(self.required.data),
                             cutoff_hours=self.cutoff_hours.data, trainer_ids=tuple(self.trainers.data or ()))


class TrainerForm(Form):
    """Give a run a trainer."""

    user_id = SelectField(_l("Instructor"), coerce=int)


class ButtonForm(Form):
    """A button that posts (sign up, cancel, remove, the register's buttons): its CSRF token."""
