"""Fixtures of the assignment tests: a published course with one module and one assignment, a trainee enrolled
in it, and files of the kinds the bad-input list names."""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.helpers import make_course, make_staff

# A small PDF, one with JavaScript, a Windows program, a zip archive.
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
SCRIPTED_PDF = PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
EXE = b"MZ" + b"\x90\x00" * 30 + b"This program cannot be run in DOS mode." + b"\x00" * 200


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inside.txt", "hello")
    return buffer.getvalue()


@pytest.fixture()
def assigned(db, world):
    """A published course (module "plan") with an assignment accepting text and files, its instructor on the
    staff, and the trainee enrolled."""
    from lms.assignments.models import Assignment
    from lms.catalog.models import Module
    from lms.learning.services import enrol

    course = make_course("planning", "Strategic planning")
    module = Module(course_id=course.id, slug="plan", position=1, title="The plan")
    db.session.add(module)
    db.session.flush()
    assignment = Assignment(course_id=course.id, module_id=module.id, slug="action-plan", position=1,
                            title="Draft action plan", instructions="Write **your** plan.", accepts="both",
                            file_kinds="pdf,docx", max_file_mb=1, max_files=2, late_allowed=True, resubmissions=1)
    db.session.add(assignment)
    db.session.commit()
    make_staff(course, world["instructor"], "instructor")
    enrolment, _created = enrol(world["trainee"], course, source="admin")
    db.session.commit()
    return {"course": course, "module": module, "assignment": assignment, "enrolment": enrolment, **world}


PAGE = "/courses/planning/assignments/action-plan"
