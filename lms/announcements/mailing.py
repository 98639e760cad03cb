"""The mail of an announcement: a job, queued when the post commits, that sends it to everyone it is for (by
e-mail and in-app, or only in-app when staff chose not to e-mail it).

It works in batches of BATCH recipients in the order of their ids (one statement reads a batch; lms.mail's
`send_many` writes it with a bounded number of statements), and commits after each batch with where it got to
(`Announcement.mailed_through`), so posting to thousands answers at once and a retried job carries on after the
last batch it finished. The key of each message (f"announcement:{id}:{user_id}") makes a second send a no-op in
any case: nobody is mailed twice. A withdrawn announcement stops the sending; a correction does not restart it.
"""
from __future__ import annotations

import logging

from lms.announcements import queries
from lms.announcements.models import Announcement
from lms.core import clock
from lms.extensions import db
from lms.jobs import job
from lms.mail import services as mail

log = logging.getLogger("lms.announcements")

KIND = "announcement"
BATCH = 500  # recipients a batch: a few statements each, and one commit


def key_for(announcement_id: int, user_id: int) -> str:
    """The idempotency key of one person's copy of an announcement."""
    return f"announcement:{announcement_id}:{user_id}"


def page_of(announcement: Announcement) -> str:
    """The page a copy links to: the course's announcements, at this one."""
    return f"/courses/{announcement.course.slug}/announcements#announcement-{announcement.id}"


def send_batch(announcement_id: int, size: int | None = None) -> bool:
    """Send the announcement to the next `size` (BATCH) people it is for and commit; True while more may remain."""
    announcement = queries.announcement_by_id(announcement_id)
    if announcement is None or announcement.withdrawn or announcement.mailed_at is not None:
        return False
    people = queries.recipients(announcement, announcement.mailed_through, size or BATCH)
    if not people:
        announcement.mailed_at = clock.now()
        db.session.commit()
        log.info("announcement %s: mail sent to everyone it is for", announcement.id)
        return False
    course = announcement.course
    mail.send_many(people, KIND, lambda person: key_for(announcement.id, person.id), KIND,
                   lambda _person: {"announcement": announcement, "course": course}, link=page_of(announcement),
                   mail=announcement.send_mail)
    announcement.mailed_through = people[-1].id
    db.session.commit()
    return True


@job(retries=3, backoff=30)
def send_announcement(announcement_id: int) -> None:
    """Mail an announcement to everyone it is for, batch after batch (see the module's docstring)."""
    while send_batch(announcement_id):
        pass
