"""The writes of announcements: post, correct and withdraw one, each audited with who did it.

Whether the person may (the course's editors; a run's trainers for their runs) is decided by the callers, in
lms.access.announcements. Posting answers at once whatever the number of trainees: the mail goes out later, from
a job (`lms.announcements.mailing`) queued when the post commits.
"""
from __future__ import annotations

import logging

from lms.announcements.mailing import send_announcement
from lms.announcements.models import Announcement
from lms.audit import services as audit
from lms.catalog.models import Course
from lms.core import clock
from lms.core.markdown.limits import excess
from lms.extensions import db
from lms.jobs import after_commit
from lms.runs.models import CourseRun

log = logging.getLogger("lms.announcements")

TITLE_MAX, BODY_MAX = 200, 20_000


class AnnouncementError(ValueError):
    """A refused write; `code` (the message) says why (the views word it for people)."""

    @property
    def code(self) -> str:
        return self.args[0]


def check_text(title: str, body: str) -> tuple[str, str]:
    """The title and body trimmed, or AnnouncementError("title_required" | "title_too_long" | "body_required" |
    "body_too_long" | "body_unreadable": past the bounds of lms.core.markdown)."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise AnnouncementError("title_required")
    if len(title) > TITLE_MAX:
        raise AnnouncementError("title_too_long")
    if not body:
        raise AnnouncementError("body_required")
    if len(body) > BODY_MAX:
        raise AnnouncementError("body_too_long")
    if excess(body, BODY_MAX) is not None:
        raise AnnouncementError("body_unreadable")
    return title, body


def post(course: Course, run: CourseRun | None, title: str, body: str, send_mail: bool, actor) -> Announcement:
    """Post an announcement to every trainee of the course (`run` None) or to one run's; audited as
    "announcement.posted". With `send_mail`, the mail is queued for when this commits.
    AnnouncementError (see `check_text`, and "other_course")."""
    title, body = check_text(title, body)
    if run is not None and run.course_id != course.id:
        raise AnnouncementError("other_course")
    announcement = Announcement(course_id=course.id, run_id=run.id if run else None, author_id=actor.id, title=title,
                                body=body, send_mail=bool(send_mail), created_at=clock.now())
    db.session.add(announcement)
    db.session.flush()
    audit.record("announcement.posted", actor=actor, target=announcement, course=course.slug,
                 run=run.code if run else None, title=title, send_mail=announcement.send_mail)
    _queue_mail(announcement)
    db.session.commit()
    return announcement


def _queue_mail(announcement: Announcement) -> None:
    """Queue the announcement's fan-out for when the post commits: the mail, or only the in-app notifications."""
    after_commit(send_announcement, announcement.id)


def edit(announcement: Announcement, title: str, body: str, actor) -> None:
    """Correct an announcement's title and text (a typo): nobody is mailed again; audited as "announcement.edited"
    with what it was. AnnouncementError (see `check_text`, and "withdrawn")."""
    title, body = check_text(title, body)
    if announcement.withdrawn:
        raise AnnouncementError("withdrawn")
    if (title, body) == (announcement.title, announcement.body):
        return
    before = {"title": announcement.title, "body_length": len(announcement.body)}
    announcement.title, announcement.body, announcement.edited_at = title, body, clock.now()
    audit.record("announcement.edited", actor=actor, target=announcement, course=announcement.course.slug,
                 was=before, title=title)
    db.session.commit()


def withdraw(announcement: Announcement, actor) -> None:
    """Withdraw an announcement: trainees no longer see it, and mail not yet sent for it is not sent; audited as
    "announcement.withdrawn". AnnouncementError("withdrawn") when it already is."""
    if announcement.withdrawn:
        raise AnnouncementError("withdrawn")
    announcement.withdrawn_at = clock.now()
    audit.record("announcement.withdrawn", actor=actor, target=announcement, course=announcement.course.slug,
                 title=announcement.title)
    db.session.commit()
    log.info("announcement %s withdrawn", announcement.id)
