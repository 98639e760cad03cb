"""Named reads of what a trainee keeps of a course on their device.

The page's script (lms/static/js/offline.js) asks for this list, fetches each address as the trainee's browser
would and stores the answers: the course page and its open lessons as rendered for the trainee (their progress
with them), and the pages every kept course shares (the catalogue, My learning and the offline pages). The
images, style sheets, scripts and fonts those pages use are found by the script in the pages themselves.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from lms.availability import queries as availability
from lms.catalog.items import item_url
from lms.catalog.models import Course
from lms.catalog.outline import course_outline
from lms.learning.models import Enrolment


@dataclass(frozen=True)
class KeptCourse:
    """What to keep of one course: its pages, and the pages shared by every kept course."""

    slug: str
    title: str
    pages: list[str]
    shared: list[str]

    def as_json(self) -> dict:
        return {"course": self.slug, "title": self.title, "pages": self.pages, "shared": self.shared}


def course_to_keep(course: Course, enrolment: Enrolment) -> KeptCourse:
    """The course page and every lesson open to the enrolment now (a locked lesson shows no text to keep); the
    quizzes, assignments and practicals need the server and are not kept."""
    outline = course_outline(course)
    opened = availability.course_availability(enrolment, course)
    lessons = [item_url(course, item) for item in outline.sequence
               if item.kind == "lesson" and not opened.of(item).locked]
    return KeptCourse(course.slug, outline.course_title or course.title,
                      [url_for("learning.course", slug=course.slug), *lessons], shared_pages())


def shared_pages() -> list[str]:
    """The pages kept once for all kept courses: the catalogue and My learning (the two ways in to a kept course)
    and the two offline pages (for a lesson, for any other page)."""
    return [url_for("catalog.index"), url_for("learning.my_learning"), url_for("offline.page"),
            url_for("offline.page", what="lesson")]
