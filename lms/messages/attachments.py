"""The .ics file a session's messages carry: the same event (and UID) as the person's calendar feed and the
download of one event (lms.calendar), so a calendar app that imports it updates what it has, and a cancelled
session arrives with STATUS:CANCELLED."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_babel import force_locale

from lms.attendance.models import SessionSignUp, TrainingSession
from lms.calendar.ics import calendar_file
from lms.calendar.providers import session_event
from lms.core import clock
from lms.mail.services import Attachment
from lms.sessions.queries import PersonSession

ICS_TYPE = "text/calendar"


def locale_of(user) -> str:
    """The language a person reads their messages and files in (as their calendar feed does)."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _domain() -> str:
    """The host that completes the events' UIDs, as lms.calendar's downloads have it."""
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or request.host.split(":")[0]


class SessionFiles:
    """The .ics of sessions, made once per session, sign-up state and language (a session's hundred trainees
    share a handful), inside `outgoing.links()`."""

    def __init__(self):
        self._made: dict[tuple, Attachment] = {}

    def of(self, session: TrainingSession, sign_up: SessionSignUp | None, user) -> Attachment:
        """The session's .ics as `user` reads it (signed up with `sign_up`)."""
        waiting = sign_up is not None and sign_up.waiting_since is not None
        key = (session.id, waiting, locale_of(user))
        if key not in self._made:
            with force_locale(key[2]):
                event = session_event(PersonSession(session, sign_up))
            data = calendar_file([event], domain=_domain(), stamp=clock.now())
            self._made[key] = Attachment(f"{event.uid}.ics", ICS_TYPE, data)
        return self._made[key]
