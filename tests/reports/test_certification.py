"""Certification status in the reports, the Expiring certificates page, withdrawn enrolments, and the
audit log's filter by person, as coordinators and admins see them.

The people (course "demo-course"; UA-ACAD gives 90 days' notice of expiry, GE-ACAD the default 60):

| trainee | inst | certificates (every cycle)                                   | certification |
|---------|------|--------------------------------------------------------------|---------------|
| Rena    | UA   | cycle 1: expires in 300 days; now in cycle 2, none yet       | certified     |
| Ivan    | UA   | expires in 20 days                                           | expiring      |
| Petro   | UA   | expires in 80 days (within UA's 90)                          | expiring      |
| Olha    | UA   | expired 10 days ago                                          | expired       |
| Vova    | UA   | revoked                                                      | revoked       |
| Nina    | UA   | none                                                         | never         |
| Wanda   | UA   | none; her enrolment is withdrawn                             | never         |
| Giorgi  | GE   | expires in 80 days (beyond GE's 60)                          | certified     |
"""
from __future__ import annotations

import csv
import io
import secrets
from datetime import timedelta

import openpyxl
import pytest

from lms.core import clock
from lms.learning import figures
from tests.helpers import Auth, make_course, make_institution, make_user

pytestmark = pytest.mark.db

EXPIRING_HEADER = ["institution_code", "institution_name", "trainee_name", "trainee_email", "course_slug",
                   "course_title", "certificate_code", "issued_on", "expires_on", "expires_at", "days_left",
                   "certification"]


def cells(html: str) -> list[list[str]]:
    """The rows of the page's tables as lists of cell texts."""
    import re

    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in rows]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"))))


@pytest.fixture()
def certified(db):
    """The people of the module docstring, their enrolments and certificates."""
    from lms.learning.models import Certificate, Enrolment

    now = clock.now()
    ua = make_institution("UA-ACAD", "Border Academy of Ukraine", "UA")
    ua.expiry_notice_days = 90
    ge = make_institution("GE-ACAD", "Border Police Academy of Georgia", "GE")
    course = make_course()
    people = {"admin": make_user("admin@example.org", "Ada Admin", "admin"),
              "coordinator": make_user("coord@example.org", "Kateryna Coordinator", "coordinator", ua),
              "other_coordinator": make_user("coord@example.ge", "Nino Coordinator", "coordinator", ge)}

    def trainee(name, institution, certificates=(), cycles=1, status="active"):
        user = make_user(f"{name.lower()}@example.org", f"{name} Officer", "trainee", institution)
        people[name.lower()] = user
        enrolments = []
        for cycle in range(1, cycles + 1):
            current = cycle == cycles
            done = cycle <= len(certificates)  # a certificate came from this cycle
            enrolment = Enrolment(user_id=user.id, course_id=course.id, cycle=cycle, is_current=current,
                                  status="completed" if done else status, enrolled_at=now - timedelta(days=400),
                                  completed_at=now - timedelta(days=365) if done else None,
                                  withdrawn_at=now - timedelta(days=1) if status == "withdrawn" and current else None,
                                  withdrawal_reason="Posted abroad" if status == "withdrawn" and current else None)
            db.session.add(enrolment)
            db.session.flush()
            enrolments.append(enrolment)
        for index, (expires_in, revoked) in enumerate(certificates):
            db.session.add(Certificate(
                code=secrets.token_urlsafe(18), enrolment_id=enrolments[index].id, user_id=user.id,
                course_id=course.id, holder_name=user.name, course_title=course.title,
                institution_name=institution.name, issued_at=now - timedelta(days=365),
                expires_at=now + timedelta(days=expires_in) if expires_in is not None else None,
                revoked_at=now - timedelta(days=2) if revoked else None, revoked_reason="Fraud" if revoked else None))
        # Added by hand, not through the one writer (lms.learning.services.issue_certificate): kept as it keeps them.
        figures.refresh_certificates(user.id, course.id)
        db.session.commit()

    trainee("Rena", ua, [(300, False)], cycles=2)
    trainee("Ivan", ua, [(20, False)])
    trainee("Petro", ua, [(80, False)])
    trainee("Olha", ua, [(-10, False)])
    trainee("Vova", ua, [(200, True)])
    trainee("Nina", ua)
    trainee("Wanda", ua, status="withdrawn")
    trainee("Giorgi", ge, [(80, False)])
    return people


def login(client, email):
    assert Auth(client).login(email).status_code == 302


def test_the_certification_of_each_trainee_counts_every_cycle(client, certified):
    login(client, "admin@example.org")
    html = client.get("/reports/institutions/UA-ACAD/courses/demo-course").get_data(as_text=True)
    status = {row[0]: row[-1] for row in cells(html) if row and row[0].endswith("Officer")}
    assert status == {"Ivan Officer": "Expiring soon", "Nina Officer": "Never certified",
                      "Olha Officer": "Expired", "Petro Officer": "Expiring soon",
                      "Rena Officer": "Certified",  # her earlier cycle's certificate is still valid
                      "Vova Officer": "Certificate revoked"}
    rows = read_csv(client.get("/reports/enrolments/export.csv"))
    assert {r["trainee_name"]: r["certification"] for r in rows} == {
        "Giorgi Officer": "certified",  # 80 days is beyond GE-ACAD's notice of 60
        "Ivan Officer": "expiring", "Nina Officer": "never", "Olha Officer": "expired",
        "Petro Officer": "expiring",  # 80 days is within UA-ACAD's notice of 90
        "Rena Officer": "certified", "Vova Officer": "revoked"}
    only = read_csv(client.get("/reports/institutions/UA-ACAD/courses/demo-course/export.csv?certification=expiring"))
    assert [r["trainee_name"] for r in only] == ["Ivan Officer", "Petro Officer"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        "/reports/institutions/UA-ACAD/courses/demo-course/export.xlsx").get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("certification")
    assert [r[column] for r in rows[1:]] == ["expiring", "never", "expired", "expiring", "certified", "revoked"]
    html = client.get("/reports/institutions/UA-ACAD/courses/demo-course?sort=certification").get_data(as_text=True)
    assert [row[-1] for row in cells(html)[1:]] == ["Certified", "Expiring soon", "Expiring soon", "Expired",
                                                    "Certificate revoked", "Never certified"]


def test_the_report_counts_trainees_by_certification(client, certified):
    login(client, "coord@example.org")
    html = client.get("/reports/").get_data(as_text=True)
    assert ["UA-ACAD", "Demo course", "1", "2", "1", "1", "1"] in cells(html)
    rows = read_csv(client.get("/reports/completion/export.csv"))
    assert {k: rows[0][k] for k in ("enrolled", "certified", "certification_expiring", "certification_expired",
                                    "certification_revoked", "never_certified", "withdrawn")} == {
        "enrolled": "6", "certified": "1", "certification_expiring": "2", "certification_expired": "1",
        "certification_revoked": "1", "never_certified": "1", "withdrawn": "0"}


def test_a_withdrawn_enrolment_leaves_the_figures_and_returns_with_the_filter(client, certified):
    login(client, "coord@example.org")
    page = "/reports/institutions/UA-ACAD/courses/demo-course"
    assert "Wanda" not in client.get(page).get_data(as_text=True)
    assert "Wanda" not in client.get("/reports/enrolments/export.csv").get_data(as_text=True)
    total = read_csv(client.get("/reports/completion/export.csv"))[-1]
    assert (total["enrolled"], total["not_started"], total["withdrawn"]) == ("6", "2", "0")

    shown = client.get(page + "?withdrawn=show").get_data(as_text=True)
    wanda = next(row for row in cells(shown) if row and row[0] == "Wanda Officer")
    assert wanda[2].startswith("Withdrawn")
    assert 'name="withdrawn" type="checkbox" value="show" checked' in shown or 'checked' in shown
    rows = read_csv(client.get("/reports/enrolments/export.csv?withdrawn=show"))
    wanda = next(r for r in rows if r["trainee_name"] == "Wanda Officer")
    assert wanda["status"] == "withdrawn" and wanda["withdrawn_on"]
    total = read_csv(client.get("/reports/completion/export.csv?withdrawn=show"))[-1]
    # Counted apart: every other figure is the same as without the filter.
    assert (total["enrolled"], total["not_started"], total["withdrawn"]) == ("6", "2", "1")
    assert client.get("/reports/enrolments/export.csv?withdrawn=yes").status_code == 400
    # The completion-rate chart counts as the report does: Wanda is in neither figure, with the filter or without.
    for query in ("", "?withdrawn=show"):
        chart_rows = [row for row in cells(client.get("/reports/charts" + query).get_data(as_text=True))
                      if row and row[0].startswith("UA-ACAD")]
        assert [row[1:3] for row in chart_rows] == [[total["enrolled"], total["completed"]]], (query, chart_rows)


def test_the_expiring_page_lists_by_expiry_and_downloads_as_xlsx(client, certified):
    login(client, "coord@example.org")
    html = client.get("/reports/certificates/expiring").get_data(as_text=True)
    names = [row[0].split(" ")[0] for row in cells(html)[1:]]
    assert names == ["Ivan", "Petro"]  # Rena recertified, Giorgi is another institution's
    assert "20" in cells(html)[1] and "80" in cells(html)[2]
    html = client.get("/reports/certificates/expiring?expired=show&sort=expires&order=desc").get_data(as_text=True)
    assert [row[0].split(" ")[0] for row in cells(html)[1:]] == ["Petro", "Ivan", "Olha"]
    assert "expired 10 days ago" in html
    html = client.get("/reports/certificates/expiring?within=30").get_data(as_text=True)
    assert [row[0].split(" ")[0] for row in cells(html)[1:]] == ["Ivan"]

    response = client.get("/reports/certificates/expiring/export.xlsx?expired=show")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert list(rows[0]) == EXPIRING_HEADER
    table = [dict(zip(EXPIRING_HEADER, r)) for r in rows[1:]]
    assert [(r["trainee_name"], r["days_left"], r["certification"]) for r in table] == [
        ("Olha Officer", -10, "expired"), ("Ivan Officer", 20, "expiring"), ("Petro Officer", 80, "expiring")]
    assert all(len(r["certificate_code"]) >= 20 and r["expires_on"] for r in table)
    text = client.get("/reports/certificates/expiring/export.csv").get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(EXPIRING_HEADER) and "Ivan Officer" in text


def test_a_coordinator_sees_and_exports_no_other_institutions_expiring_certificates(client, certified):
    login(client, "coord@example.ge")
    for url in ("/reports/certificates/expiring?within=365&expired=show",
                "/reports/certificates/expiring?institution=UA-ACAD&within=365&expired=show",
                "/reports/certificates/expiring/export.csv?institution=UA-ACAD&within=365&expired=show"):
        text = client.get(url).get_data(as_text=True)
        assert "Ivan" not in text and "Petro" not in text and "Olha" not in text, url
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        "/reports/certificates/expiring/export.xlsx?institution=UA-ACAD&within=365").get_data())).active
    assert sheet.max_row == 1  # the header only
    rows = read_csv(client.get("/reports/certificates/expiring/export.csv?within=90"))
    assert [r["trainee_name"] for r in rows] == ["Giorgi Officer"]
    # The admin sees both institutions, and may pick one.
    Auth(client).logout()
    login(client, "admin@example.org")
    rows = read_csv(client.get("/reports/certificates/expiring/export.csv?within=90&sort=name"))
    assert [r["trainee_name"] for r in rows] == ["Giorgi Officer", "Ivan Officer", "Petro Officer"]
    rows = read_csv(client.get("/reports/certificates/expiring/export.csv?within=90&institution=GE-ACAD"))
    assert [r["trainee_name"] for r in rows] == ["Giorgi Officer"]
    assert client.get("/reports/certificates/expiring/export.csv?within=45").status_code == 400


def test_the_audit_log_filters_by_who_acted_and_whom_it_concerned(client, db, certified):
    from lms.audit import services as audit
    from lms.learning.models import Enrolment
    from lms.learning.services import due_changed

    petro, admin = certified["petro"], certified["admin"]
    enrolment = db.session.query(Enrolment).filter_by(user_id=petro.id).one()
    audit.record_many([due_changed(enrolment.id, petro.institution_id, clock.now(), admin)], "test")
    audit.record("course.staff_added", actor=admin, user_id=petro.id, role="assistant")
    audit.record("privacy.notice_acknowledged", actor=petro, target=petro, institution_id=petro.institution_id)
    audit.record("user.created", actor=admin, target=certified["ivan"])
    db.session.commit()
    login(client, "admin@example.org")

    def actions(query):
        html = client.get("/admin/audit/?" + query).get_data(as_text=True)
        return sorted({row[1] for row in cells(html)[1:]})

    assert actions("person=petro%40example.org&role=actor") == ["privacy.notice_acknowledged"]
    assert actions("person=Petro&role=subject") == ["course.staff_added", "enrolment.due_changed",
                                                   "privacy.notice_acknowledged", "user.created"]
    assert "user.created" in actions("person=Ada&role=actor")
    assert actions("person=nobody%40example.org") == []
    assert actions("person=%25&role=actor") == []  # a wildcard is a character like any other
    assert client.get("/admin/audit/?person_id=x1&person=" + "y" * 300).status_code == 200  # ignored, not an error
    html = client.get(f"/people/{petro.id}/edit").get_data(as_text=True)
    assert f"/admin/audit/?person_id={petro.id}&amp;role=subject" in html  # no email in an address
    assert actions(f"person_id={petro.id}&role=subject") == actions("person=Petro&role=subject")
    assert "Person: Petro Officer" in client.get(f"/admin/audit/?person_id={petro.id}").get_data(as_text=True)
