"""Composing a message for one recipient: their language and zone, plain text and HTML, absolute links, and the
signed one-click unsubscribe address.

A message is the pair `mail/<template>.txt` and `mail/<template>.html` of any feature's templates folder; each
extends `mail/base.txt` / `mail/base.html` (the greeting, the link of the page the message is about, the
footer with the unsubscribe line). The subject is the text template's `{% block subject %}`. Rendering happens
in the recipient's language (their own choice, else the platform's default) with every date and time in their
zone (lms.core.when.reading_in), whether a page, a job or the command line sends it.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer

from lms.core import when
from lms.mail.kinds import DIGEST, KINDS, describe

SUBJECT_MAX = 300
_SPACES = re.compile(r"\s+")


class Composed(NamedTuple):
    """A message as the recipient reads it."""

    subject: str
    text: str
    html: str
    unsubscribe_url: str | None


def recipient_locale(user) -> str:
    """The language a person's mail is written in: their own choice, else the platform's default."""
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def path_for(endpoint: str, **values) -> str:
    """The path of a page, inside a request or not (a job has no request to build URLs from)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(path: str) -> str:
    """An absolute URL of a path of this site: on LMS_PUBLIC_URL when it is set, else the request's host, else
    localhost (a job without LMS_PUBLIC_URL: the operator's guide asks for it wherever mail is sent)."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        base = request.host_url.rstrip("/") if has_request_context() else "http://localhost"
    return base + path


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms.mail.unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    """The signed token of a one-click unsubscribe: it names the person and the kind, and needs no session."""
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(person's id, kind) of a genuine unsubscribe token, None for anything else."""
    if len(token) > 200:
        return None
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or (value[1] != DIGEST and (value[1] not in KINDS or KINDS[value[1]].security))):
        return None
    return value[0], value[1]


def unsubscribe_url(user_id: int, kind: str) -> str:
    """The absolute one-click unsubscribe address of a person and a kind."""
    return absolute(path_for("mail.unsubscribe", token=unsubscribe_token(user_id, kind)))


def compose(user, kind: str, template: str, context: dict, link: str | None = None) -> Composed:
    """Render `mail/<template>.txt` and `.html` for `user`, in their language and zone."""
    security = describe(kind).security
    unsubscribe = None if security else unsubscribe_url(user.id, kind)
    env = current_app.jinja_env
    with force_locale(recipient_locale(user)), when.reading_in(when.person_zone(user)):
        values = dict(context)
        values.update(recipient=user, kind=kind, kind_label=str(describe(kind).label), security=security,
                      link_url=absolute(link) if link else None, unsubscribe_url=unsubscribe,
                      preferences_url=absolute(path_for("mail.preferences")),
                      mail_locale=recipient_locale(user))
        current_app.update_template_context(values)
        text_template = env.get_template(f"mail/{template}.txt")
        if "subject" not in text_template.blocks:
            raise ValueError(f"mail/{template}.txt has no subject block")
        subject = "".join(text_template.blocks["subject"](text_template.new_context(values)))
        subject = _SPACES.sub(" ", subject).strip()[:SUBJECT_MAX]
        values["subject"] = subject
        text = text_template.render(values)
        html = env.get_template(f"mail/{template}.html").render(values)
    return Composed(subject, _tidy(text), html, unsubscribe)


def _tidy(text: str) -> str:
    """The plain text without the blank lines template tags leave: at most one empty line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
