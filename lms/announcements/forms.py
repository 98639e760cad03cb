"""The forms of announcements: a new one (to whom, title, Markdown text, whether to mail it), a correction, and
the withdraw button (its CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.announcements.services import BODY_MAX, TITLE_MAX
from lms.core.forms import Form, markdown_bounds, options

EVERYONE = 0  # the audience choice "every trainee of the course"


class EditForm(Form):
    """An announcement's title and text."""

    title = StringField(lazy_pgettext("announcement headline", "Title"),
                        validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=BODY_MAX), markdown_bounds],
                         description=_l("Markdown: **bold**, *italic*, lists, links."),
                         render_kw={"rows": 10})


class AnnouncementForm(EditForm):
    """A new announcement: to the whole course or to one run, and whether to send it by e-mail too."""

    audience = SelectField(_l("Send to"), coerce=int, validate_choice=True)
    send_mail = BooleanField(_l("Also send it by e-mail"), default=True,
                             description=_l("The e-mail comes with a notification in the platform. Unticked, "
                                            "the announcement is on the course page only."))

    def __init__(self, *args, audiences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.audience.choices = options(audiences)


class ButtonForm(Form):
    """A button that posts (withdraw): its CSRF token."""
