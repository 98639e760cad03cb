"""Records of practical assessments made through the services, for other features' tests (privacy)."""
from __future__ import annotations

import io
from datetime import date


def signed_record(course, enrolment, assessor, comment: str, evidence: bytes | None = None, hold: bool = False):
    """A practical "field-check" in the course's first module (made once), and a released, passed record of the
    enrolment signed by `assessor` with `comment` on the record and on its criterion, and an evidence file."""
    from lms.checklists import services
    from lms.core.uploads import read_upload

    practical = field_check(course, assessor, hold)
    criterion = practical.criteria[0]
    files = (read_upload(io.BytesIO(evidence), "photo.png", services.EVIDENCE_KINDS, services.EVIDENCE_MAX_BYTES),) \
        if evidence else ()
    assessment = services.Assessment(results={criterion.id: ("met", f"{comment} (criterion)")},
                                     assessed_on=date(2026, 1, 10), place="Gate 3", comment=comment, files=files)
    return services.sign_off(practical, enrolment, assessment, assessor, date(2026, 12, 31))


def field_check(course, actor, hold: bool = False):
    """The practical "field-check" of the course's first module with one critical criterion (made once)."""
    from sqlalchemy import select

    from lms.catalog.models import Module
    from lms.checklists import services
    from lms.extensions import db
    from lms.practicals.models import Practical

    practical = db.session.scalar(select(Practical).where(Practical.course_id == course.id,
                                                          Practical.slug == "field-check"))
    if practical is None:
        module = db.session.scalar(select(Module).where(Module.course_id == course.id).order_by(Module.position))
        practical = services.add_practical(module, course, {"title": "Field check", "instructions": "",
                                                            "pass_mark": 100, "hold_marks": hold}, actor)
        services.add_criterion(practical, course, "Checks the papers", True, actor)
    return practical
