"""The writers of marks (lms.assessing.marking): scores and rubrics checked, nothing saved when refused, a mark
that counts completes the course in the same transaction, held-back marks complete nothing until released,
re-marks supersede, and two assessors never overwrite each other."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.assessing import marking
from lms.assessing.marking import MarkConflict, MarkFields, MarkingError
from lms.assignments.models import Mark, Submission
from lms.audit.models import AuditEvent
from lms.core import uploads
from lms.core.storage import current_storage
from lms.extensions import db as _db
from lms.learning.models import Certificate, Enrolment
from lms.mail.models import Notification, OutboxMessage
from tests.assessing.factory import PDF, enrol, make_assignment, make_assessor, submit, world_of_marking
from tests.helpers import make_course

pytestmark = pytest.mark.db


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture()
def scored(db, world):
    """A course whose only requirement is an assignment marked by score (out of 20, 50% passes)."""
    course = make_course("scored", "Scored course")
    assignment = make_assignment(course, max_score=20, pass_mark=50)
    enrolment = enrol(world["trainee"], course)
    assessor = make_assessor(course, "marker@example.org", "Marta Marker")
    return {"course": course, "assignment": assignment, "enrolment": enrolment, "assessor": assessor,
            "work": submit(assignment, enrolment)}


def test_a_score_above_the_maximum_is_refused_and_nothing_is_saved(scored):
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(scored["work"], MarkFields("marked", 0, score="20.5"), None, scored["assessor"])
    assert refused.value.code == "score_above_maximum" and refused.value.params["maximum"] == 20
    _db.session.expire_all()
    assert _count(Mark) == 0
    work = _db.session.get(Submission, scored["work"].id)
    assert (work.status, work.version) == ("submitted", 0)


@pytest.mark.parametrize("score", ["-1", "abc", "1.234", "NaN", "1e3", "99999999999999"])
def test_scores_that_are_not_scores_are_refused(scored, score):
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(scored["work"], MarkFields("marked", 0, score=score), None, scored["assessor"])
    assert refused.value.code in ("score_invalid", "score_above_maximum")
    assert _count(Mark) == 0


def test_a_passed_mark_completes_the_course_in_the_same_transaction(scored):
    mark = marking.mark_submission(scored["work"], MarkFields("marked", 0, score="12,5", feedback=" Good. "), None,
                                   scored["assessor"])
    _db.session.expire_all()
    stored = _db.session.get(Mark, mark.id)
    assert (stored.score, stored.percent, stored.passed, stored.feedback) == (Decimal("12.50"), Decimal("62.50"),
                                                                               True, "Good.")
    assert stored.released_at is not None and stored.assessor_id == scored["assessor"].id
    assert _db.session.get(Enrolment, scored["enrolment"].id).status == "completed"
    assert _count(Certificate, Certificate.enrolment_id == scored["enrolment"].id) == 1
    assert _db.session.get(Submission, scored["work"].id).status == "marked"
    # The trainee is told: a notification and a mail of the kind "assessment", keyed by the mark.
    message = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == scored["enrolment"].user_id,
                                                            OutboxMessage.kind == "assessment"))
    assert message.key == f"mark:{mark.id}" and "Marked: Draft action plan" == message.subject
    assert "62.5%, passed" in message.text_body
    assert _count(Notification, Notification.kind == "assessment") == 1
    assert _count(AuditEvent, AuditEvent.action == "assignment.marked") == 1


def test_a_failed_mark_completes_nothing(scored):
    mark = marking.mark_submission(scored["work"], MarkFields("marked", 0, score="9.99"), None, scored["assessor"])
    assert mark.passed is False and mark.percent == Decimal("49.95")
    assert _db.session.get(Enrolment, scored["enrolment"].id).status == "active"


def test_a_held_mark_completes_nothing_until_released(scored, world):
    scored["assignment"].hold_marks = True
    _db.session.commit()
    mark = marking.mark_submission(scored["work"], MarkFields("marked", 0, score="18"), None, scored["assessor"])
    _db.session.expire_all()
    assert _db.session.get(Mark, mark.id).released_at is None
    assert _db.session.get(Enrolment, scored["enrolment"].id).status == "active"
    assert _count(Certificate) == 0 and _count(OutboxMessage, OutboxMessage.kind == "assessment") == 0

    assert marking.release_marks(scored["assignment"], None, world["admin"]) == 1
    _db.session.expire_all()
    assert _db.session.get(Mark, mark.id).released_at is not None
    assert _db.session.get(Enrolment, scored["enrolment"].id).status == "completed"
    assert _count(Certificate) == 1
    assert _count(OutboxMessage, OutboxMessage.kind == "assessment") == 1
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.marks_released"))
    assert event.details["count"] == 1 and event.actor_id == world["admin"].id
    # Released once: a second release finds nothing, and tells nobody again.
    assert marking.release_marks(scored["assignment"], None, world["admin"]) == 0
    assert _count(OutboxMessage, OutboxMessage.kind == "assessment") == 1


def test_release_of_many_completes_each_in_a_fixed_number_of_statements(scored, world):
    from tests.helpers import make_user

    scored["assignment"].hold_marks = True
    _db.session.commit()
    works = [scored["work"]]
    for n in range(5):
        person = make_user(f"t{n}@example.org", f"Trainee {n}", "trainee", world["ua"])
        works.append(submit(scored["assignment"], enrol(person, scored["course"])))
    for work in works:
        marking.mark_submission(work, MarkFields("marked", 0, score="15"), None, scored["assessor"])
    assert _count(Certificate) == 0
    statements = []
    from sqlalchemy import event

    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        assert marking.release_marks(scored["assignment"], None, world["admin"]) == 6
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    assert _count(Certificate) == 6
    certificates = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO CERTIFICATES")]
    # Reading what to release and whom it completes is a fixed number of statements; each certificate is one write.
    assert len(statements) - len(certificates) * 3 < 40, statements


def test_a_return_is_never_held_and_asks_for_no_score(scored):
    scored["assignment"].hold_marks = True
    _db.session.commit()
    mark = marking.mark_submission(scored["work"], MarkFields("returned", 0, feedback="Add the risks."), None,
                                   scored["assessor"])
    assert mark.released_at is not None and mark.score is None and mark.passed is False
    assert _db.session.get(Submission, scored["work"].id).status == "returned"
    message = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "assessment"))
    assert message.subject == "Returned for resubmission: Draft action plan"


def test_a_mark_without_a_score_is_refused(scored):
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(scored["work"], MarkFields("marked", 0), None, scored["assessor"])
    assert refused.value.code == "score_missing"


def test_a_re_mark_supersedes_the_earlier_mark_which_is_kept(scored):
    first = marking.mark_submission(scored["work"], MarkFields("marked", 0, score="8"), None, scored["assessor"])
    second = marking.mark_submission(scored["work"], MarkFields("marked", 1, score="16"), None, scored["assessor"])
    _db.session.expire_all()
    assert _db.session.get(Mark, first.id).superseded_at is not None
    assert _db.session.get(Mark, second.id).superseded_at is None
    assert _db.session.get(Submission, scored["work"].id).version == 2
    assert _db.session.get(Enrolment, scored["enrolment"].id).status == "completed"


def test_a_second_assessor_on_the_same_version_is_told_and_overwrites_nothing(scored):
    other = make_assessor(scored["course"], "second@example.org", "Second Marker")
    first = marking.mark_submission(scored["work"], MarkFields("marked", 0, score="8"), None, scored["assessor"])
    with pytest.raises(MarkConflict) as conflict:
        marking.mark_submission(scored["work"], MarkFields("marked", 0, score="19"), None, other)
    assert conflict.value.mark.id == first.id and conflict.value.version == 1
    _db.session.expire_all()
    assert [m.score for m in _db.session.scalars(select(Mark))] == [Decimal("8.00")]
    assert _db.session.get(Mark, first.id).superseded_at is None


def test_a_rubric_mark_copies_the_rubric_and_its_version(db, world):
    made = world_of_marking(world)
    made["assignment"].rubric_version = 3
    _db.session.commit()
    mark = marking.mark_submission(made["work_a"], MarkFields("marked", 0, levels=("1", "1")), None,
                                   made["assessor"])
    assert (mark.score, mark.percent, mark.passed, mark.levels) == (Decimal(8), Decimal("80.00"), True, [1, 1])
    assert mark.rubric == made["assignment"].rubric and mark.rubric_version == 3
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(made["work_b"], MarkFields("marked", 0, levels=("2", None)), None, made["editor"])
    assert (refused.value.code, refused.value.params["criterion"]) == ("level_missing", 2)
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(made["work_b"], MarkFields("marked", 0, levels=("2", "7")), None, made["editor"])
    assert refused.value.code == "level_unknown"


def test_a_later_try_is_marked_instead_of_an_earlier_one(scored):
    marking.mark_submission(scored["work"], MarkFields("returned", 0), None, scored["assessor"])
    submit(scored["assignment"], scored["enrolment"], number=2)
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(scored["work"], MarkFields("marked", 1, score="5"), None, scored["assessor"])
    assert refused.value.code == "newer_try"


def test_the_feedback_file_is_stored_and_discarded_when_the_mark_is_not_written(scored, monkeypatch):
    upload = uploads.read_upload(io.BytesIO(PDF), "notes.pdf", marking.FEEDBACK_FILE_KINDS, 1024 * 1024)
    mark = marking.mark_submission(scored["work"], MarkFields("marked", 0, score="10"), upload, scored["assessor"])
    assert mark.feedback_key.startswith(f"assignment-feedback/{scored['course'].id}/")
    assert current_storage().get(mark.feedback_key) == PDF and mark.feedback_name == "notes.pdf"

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(marking.audit, "record", broken)
    before = set(current_storage().keys("assignment-feedback/"))
    with pytest.raises(RuntimeError):
        marking.mark_submission(scored["work"], MarkFields("marked", 1, score="11"), upload, scored["assessor"])
    assert set(current_storage().keys("assignment-feedback/")) == before
    _db.session.expire_all()
    assert _count(Mark) == 1 and _db.session.get(Submission, scored["work"].id).version == 1


def test_feedback_is_bounded(scored):
    with pytest.raises(MarkingError) as refused:
        marking.mark_submission(scored["work"], MarkFields("marked", 0, score="1", feedback="x" * 20_001), None,
                                scored["assessor"])
    assert refused.value.code == "feedback_too_long"
