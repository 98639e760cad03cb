"""/api/v1 on the known data set: the same figures and scoping as the pages, tokens only, JSON errors."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.reports.conftest import GE, UA, dataset, reader, user  # noqa: F401  (fixtures)

pytestmark = pytest.mark.db


@pytest.fixture()
def tokens(reader, dataset):
    """A token for each person of the data set, made through the service."""
    from lms.api.services import create_token

    made = {}
    for name in ("admin", "coordinator", "other_coordinator", "anna", "instructor"):
        _row, made[name] = create_token(user(db, dataset, name), f"test {name}")
    return made


def get(reader, tokens, who, url):
    return reader.get(url, headers={"Authorization": f"Bearer {tokens[who]}"})


def test_the_completion_report(reader, tokens):
    body = get(reader, tokens, "admin", "/api/v1/reports/completion").json
    assert (body["total"], body["page"], body["pages"]) == (3, 1, 1)
    ua = next(r for r in body["items"] if r["institution_code"] == UA and r["course_slug"] == "sample")
    assert {k: ua[k] for k in ("enrolled", "not_started", "in_progress", "completed", "completion_rate_percent",
                               "pass_rate_percent", "average_best_score_percent", "median_days_to_completion",
                               "final_submitted", "final_passed")} == {
        "enrolled": 5, "not_started": 1, "in_progress": 2, "completed": 2, "completion_rate_percent": 40.0,
        "pass_rate_percent": 66.7, "average_best_score_percent": 62.5, "median_days_to_completion": 5.0,
        "final_submitted": 3, "final_passed": 2}
    assert ua["last_activity_at"].startswith("2024-02-20T15:00:00")
    assert body["totals"]["enrolled"] == 7 and body["totals"]["completion_rate_percent"] == 42.9


def test_filters_and_pagination(reader, tokens):
    body = get(reader, tokens, "admin", "/api/v1/reports/completion?per_page=2&page=2").json
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 1)
    assert body["totals"]["enrolled"] == 7  # the totals cover every page
    body = get(reader, tokens, "admin", "/api/v1/reports/completion?country=ge").json
    assert [r["institution_code"] for r in body["items"]] == [GE]
    body = get(reader, tokens, "admin", "/api/v1/reports/completion?completed_from=2024-02-01").json
    assert body["totals"]["completed"] == 2


def test_a_coordinator_token_sees_only_its_institution(reader, tokens):
    for url in ("/api/v1/reports/completion", f"/api/v1/reports/completion?institution={GE}",
                "/api/v1/reports/completion?country=GE"):
        body = get(reader, tokens, "coordinator", url).json
        assert {r["institution_code"] for r in body["items"]} <= {UA}, url
    assert get(reader, tokens, "coordinator", f"/api/v1/reports/completion/{GE}/sample").status_code == 404


def test_the_drilldown(reader, tokens):
    body = get(reader, tokens, "coordinator", f"/api/v1/reports/completion/{UA}/sample?sort=progress&order=desc").json
    assert body["total"] == 5
    assert [r["trainee_name"] for r in body["items"]] == ["Anna Antonenko", "Dmytro Danylenko", "Ella Yevtushenko",
                                                          "Bohdan Bondar", "Chrystia Chorna"]
    anna = body["items"][0]
    assert (anna["status"], anna["progress_percent"], anna["best_score_percent"], anna["attempts"],
            anna["enrolled_on"], anna["completed_on"]) == ("completed", 100, 100.0, 2, "2024-01-10", "2024-01-13")
    assert anna["certificate_code"]


def test_enrolments_of_a_trainee(reader, dataset, tokens):
    anna, giorgi = dataset["people"]["anna"], dataset["people"]["giorgi"]
    body = get(reader, tokens, "coordinator", f"/api/v1/trainees/{anna}/enrolments").json
    assert [(r["course_slug"], r["status"]) for r in body["items"]] == [("other", "not_started"),
                                                                        ("sample", "completed")]
    assert get(reader, tokens, "anna", f"/api/v1/trainees/{anna}/enrolments").json["total"] == 2  # her own
    assert get(reader, tokens, "coordinator", f"/api/v1/trainees/{giorgi}/enrolments").status_code == 404
    assert get(reader, tokens, "anna", f"/api/v1/trainees/{giorgi}/enrolments").status_code == 404
    assert get(reader, tokens, "other_coordinator", f"/api/v1/trainees/{giorgi}/enrolments").json["total"] == 1
    assert get(reader, tokens, "admin", "/api/v1/trainees/999999/enrolments").status_code == 404


def test_courses(reader, tokens):
    body = get(reader, tokens, "anna", "/api/v1/courses").json
    assert sorted(c["slug"] for c in body["items"]) == ["other", "sample"] and body["total"] == 2


@pytest.mark.parametrize("who", ["anna", "instructor"])
def test_people_without_report_rights_get_403(reader, tokens, who):
    response = get(reader, tokens, who, "/api/v1/reports/completion")
    assert response.status_code == 403 and response.json["error"] == "forbidden"
    assert get(reader, tokens, who, f"/api/v1/reports/completion/{UA}/sample").status_code == 403


def test_no_token_no_answer_and_sessions_do_not_count(reader, tokens):
    from tests.helpers import Auth

    assert reader.get("/api/v1/reports/completion").status_code == 401
    Auth(reader).login("admin@example.org")  # a signed-in browser session is not enough
    response = reader.get("/api/v1/reports/completion")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"] == "unauthorized"
    for header in ("Bearer nonsense", f"Basic {tokens['admin']}", "Bearer", f"bearer {tokens['admin']}x"):
        assert reader.get("/api/v1/courses", headers={"Authorization": header}).status_code == 401, header


def test_bad_parameters_are_a_400_naming_them(reader, tokens):
    response = get(reader, tokens, "admin", "/api/v1/reports/completion?enrolled_from=soon&per_page=0")
    assert response.status_code == 400 and set(response.json["fields"]) == {"enrolled_from", "per_page"}
    reversed_period = "/api/v1/reports/completion?enrolled_from=2024-03-01&enrolled_to=2024-01-01"
    response = get(reader, tokens, "admin", reversed_period)  # refused, as by the pages and the exports
    assert response.status_code == 400 and set(response.json["fields"]) == {"enrolled_to"}
    assert get(reader, tokens, "admin", f"/api/v1/reports/completion/{UA}/sample?sort=shoe").status_code == 400


def test_the_api_is_read_only_and_needs_no_csrf(reader, tokens):
    response = reader.post("/api/v1/reports/completion", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert response.status_code == 405
    assert get(reader, tokens, "admin", "/api/v1/nothing/here").status_code == 404


def test_answers_are_not_cached_and_reads_are_audited(reader, dataset, tokens):
    response = get(reader, tokens, "coordinator", f"/api/v1/reports/completion/{UA}/sample")
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.drilldown")
                              .order_by(AuditEvent.id.desc()))
    assert event.actor_id == dataset["people"]["coordinator"] and event.details["via"] == "api"
    assert event.details["rows"] == 5 and event.details["filters"] == {"course": "sample", "institution": UA}


def test_tokens_never_reach_the_logs(reader, tokens, caplog):
    with caplog.at_level(logging.DEBUG):
        get(reader, tokens, "admin", "/api/v1/reports/completion")
        get(reader, tokens, "admin", "/api/v1/courses?page=x")
        reader.get("/api/v1/courses", headers={"Authorization": "Bearer " + tokens["admin"] + "wrong"})
    assert tokens["admin"] not in caplog.text
    events = db.session.scalars(select(AuditEvent)).all()
    assert all(tokens["admin"] not in str(e.details) for e in events)


def test_the_openapi_description_is_public_and_generated(reader):
    spec = reader.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/v1/courses", "/api/v1/courses/{slug}/runs", "/api/v1/reports/completion",
                                  "/api/v1/reports/completion/{code}/{slug}", "/api/v1/trainees/{user_id}/enrolments"}
    operation = spec["paths"]["/api/v1/reports/completion"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"course", "institution", "country", "enrolled_from",
                                                            "page", "per_page"}
    assert operation["security"] == [{"bearerAuth": []}]
    assert "completion_rate_percent" in spec["components"]["schemas"]["CompletionRow"]["properties"]
