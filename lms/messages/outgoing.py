"""What the scans and the event receivers hand to lms.mail: `Message` (one recipient, its idempotency key,
what its templates read, the page it is about), sent in batches of one kind and template by `dispatch`
(`lms.mail.services.send_many`: a bounded number of statements whatever the number of recipients).

`links` gives the paths of pages outside a request too (a job, the command line): a periodic job has no
request, and Flask builds URLs only inside one.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BuildError

from lms.auth.models import User
from lms.mail.services import send_many


@dataclass(frozen=True)
class Message:
    """One message to one person: `key` is unique per message (lms.mail stores it once: a second send with
    the same key does nothing), `context` what the templates read, `link` the path of the page concerned."""

    user: User
    key: str
    context: dict
    link: str
    attachments: Sequence = field(default_factory=tuple)


def rounds(messages: Iterable[Message]) -> list[list[Message]]:
    """The messages in rounds in which each person appears once (their first message in the first round, their
    second in the second, ...): `send_many` takes each recipient once. The number of rounds is the most messages
    one person gets in a batch (their courses due the same day, say), not the number of recipients."""
    batches: list[list[Message]] = []
    seen: dict[int, int] = {}
    for message in messages:
        n = seen.get(message.user.id, 0)
        seen[message.user.id] = n + 1
        if n == len(batches):
            batches.append([])
        batches[n].append(message)
    return batches


def dispatch(kind: str, template: str, messages: Iterable[Message]) -> int:
    """Send the messages (one kind, one template) through `send_many`, a call per set of attachments (a session's
    .ics is one file for its trainees of a language) and per round (`rounds`); returns how many were new (a key
    sent before, a deactivated account: none). Writes in the caller's transaction; the caller commits."""
    groups: dict[tuple, list[Message]] = {}
    for message in messages:
        groups.setdefault(tuple(message.attachments), []).append(message)
    sent = 0
    for attachments, group in groups.items():
        for batch in rounds(group):
            by_user = {m.user.id: m for m in batch}
            sent += send_many([m.user for m in batch], kind, lambda u, b=by_user: b[u.id].key, template,
                              lambda u, b=by_user: b[u.id].context, link=lambda u, b=by_user: b[u.id].link,
                              attachments=attachments)
    return sent


@contextmanager
def links() -> Iterator[None]:
    """A context in which `url_for` builds this site's paths: the request's, or one made for the purpose on
    LMS_PUBLIC_URL (a job or a command has no request)."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config.get("PUBLIC_URL") or None):
        yield


def course_path(slug: str) -> str:
    """The path of a course's page (where its trainee learns, signs up for sessions, enrols again)."""
    return url_for("learning.course", slug=slug)


def item_path(endpoint: str, slug: str, **values) -> str:
    """The trainee's page of a course item (an assignment, a practical: `endpoint` with the course's `slug`
    and the item's `values`), or the course's page where that page is not there (its feature is not
    registered in this app)."""
    try:
        return url_for(endpoint, slug=slug, **values)
    except BuildError:
        return course_path(slug)
