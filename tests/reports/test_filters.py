"""The report filters read by one schema: the pages, the exports and the API refuse the same values, with
the same messages, each in its own way (a message next to the field, a 400 page, a 400 JSON)."""
from __future__ import annotations

import re

import pytest

from lms.extensions import db
from tests.reports.conftest import GE, UA, user
from tests.reports.test_exports import read_csv
from tests.reports.test_pages import cells, login, main

pytestmark = pytest.mark.db

DATE_MESSAGE = "Enter a date as YYYY-MM-DD."
REVERSED = "The end of a period cannot come before its start."
LONG_CODE = "X" * 33  # one more than an institution code may have
DRILLDOWN = f"/reports/institutions/{UA}/courses/sample"


def field_message(html: str, name: str) -> str | None:
    """The message shown in the form next to the control named `name` (None when it has none).

    The message must be in the control's own field box and be the description the control points to."""
    for box in re.findall(r'<div class="field[^"]*">(.*?)</div>', html, re.S):
        if f'name="{name}"' not in box:
            continue
        control = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', box).group(0)
        found = re.search(r'<p class="error" id="([^"]+)">(.*?)</p>', box, re.S)
        if found is None:
            assert 'aria-invalid' not in control
            return None
        assert f'aria-describedby="{found.group(1)}"' in control and 'aria-invalid="true"' in control
        return " ".join(found.group(2).split())
    raise AssertionError(f"no field {name} in the form")


def names_in(html: str) -> list[str]:
    """The trainees listed by a drill-down page."""
    return [r[0] for r in cells(html) if len(r) > 1 and "@" in r[1]]


@pytest.fixture()
def token(reader, dataset):
    """An API token of the admin and of the coordinator (of UA), made through the service."""
    from lms.api.services import create_token

    return {name: create_token(user(db, dataset, name), f"filters {name}")[1] for name in ("admin", "coordinator")}


def api(reader, token, url, who="admin"):
    return reader.get(url, headers={"Authorization": f"Bearer {token[who]}"})


# --- pages: the page renders, the message is next to the field, the other filters still apply ---------------

@pytest.mark.parametrize("page", ["/reports/", "/reports/charts"])
def test_a_bad_date_on_a_report_page_is_shown_next_to_its_field(reader, dataset, page):
    login(reader, "admin@example.org")
    response = reader.get(f"{page}?enrolled_from=2024-02-30&country=GE")
    assert response.status_code == 200
    html = main(response.get_data(as_text=True))
    assert field_message(html, "enrolled_from") == DATE_MESSAGE
    assert field_message(html, "country") is None and field_message(html, "enrolled_to") is None
    assert "The filters marked below are not applied." in html
    rows = [row for row in cells(html) if row and row[0].startswith((UA, GE))]
    assert rows and all(row[0].startswith(GE) for row in rows)  # computed without the bad date, with the country


def test_odd_date_forms_are_refused_as_everywhere(reader, dataset):
    login(reader, "admin@example.org")
    for value in ("20240201", "2024-2-1", "soon", "2024-02-01T00:00", "٢٠٢٤-٠٢-٠١"):
        html = reader.get("/reports/", query_string={"completed_from": value}).get_data(as_text=True)
        assert field_message(html, "completed_from") == DATE_MESSAGE, value
        assert ["Total", "7", "2", "2", "3", "42.9%", "75.0%", "70.0%", "3.0", "Mar 2, 2024"] in cells(html)


def test_a_bad_date_on_the_drilldown_is_shown_and_only_that_filter_is_left_out(reader, dataset):
    login(reader, "coord@example.org")
    response = reader.get(f"{DRILLDOWN}?enrolled_from=2024-02-01&completed_to=soon&sort=name&order=desc")
    assert response.status_code == 200
    html = main(response.get_data(as_text=True))
    assert field_message(html, "completed_to") == DATE_MESSAGE
    assert field_message(html, "enrolled_from") is None and 'value="2024-02-01"' in html
    # The valid period still applies (today's page dropped every filter, silently), in the order asked for.
    assert names_in(html) == ["Ella Yevtushenko", "Dmytro Danylenko", "Chrystia Chorna"]
    assert '<input type="hidden" name="sort" value="name">' in html  # "Apply" keeps the order
    assert '<input type="hidden" name="order" value="desc">' in html


def test_the_drilldown_form_filters_by_period(reader, dataset):
    login(reader, "admin@example.org")
    html = main(reader.get(f"{DRILLDOWN}?completed_from=2024-02-01&country=UA").get_data(as_text=True))
    assert names_in(html) == ["Dmytro Danylenko"]
    assert '<input id="country" name="country" type="hidden" value="UA">' in html  # carried along, unseen
    html = main(reader.get(f"{DRILLDOWN}?country=U").get_data(as_text=True))
    assert "Country: Enter a two-letter country code, such as UA." in html and 'name="country"' not in html
    assert len(names_in(html)) == 5


# --- one rule, three answers -----------------------------------------------------------------------------

def test_a_too_long_institution_code_is_refused_by_page_export_and_api(reader, dataset, token):
    login(reader, "admin@example.org")
    html = reader.get(f"/reports/?institution={LONG_CODE}&country=GE").get_data(as_text=True)
    assert field_message(html, "institution") == "Use at most 32 characters."
    assert ["Total", "1", "0", "0", "1", "100.0%", "100.0%", "100.0%", "1.5", "Mar 2, 2024"] in cells(html)
    for export in ("completion", "enrolments"):
        response = reader.get(f"/reports/{export}/export.csv?institution={LONG_CODE}")
        assert response.status_code == 400, export
        assert "institution: Use at most 32 characters." in response.get_data(as_text=True)
    response = api(reader, token, f"/api/v1/reports/completion?institution={LONG_CODE}")
    assert response.status_code == 400
    assert response.json["fields"] == {"institution": ["Use at most 32 characters."]}
    assert response.json["error"] == "invalid_parameters"


def test_a_reversed_period_gets_the_same_message_everywhere(reader, dataset, token):
    login(reader, "admin@example.org")
    query = "enrolled_from=2024-03-01&enrolled_to=2024-02-01"
    for page in ("/reports/", "/reports/charts", DRILLDOWN):
        html = reader.get(f"{page}?{query}").get_data(as_text=True)
        assert field_message(html, "enrolled_to") == REVERSED, page
        assert field_message(html, "enrolled_from") is None, page
    for export in ("/reports/completion/export.csv", "/reports/enrolments/export.xlsx", f"{DRILLDOWN}/export.csv"):
        response = reader.get(f"{export}?{query}")
        assert response.status_code == 400 and f"enrolled_to: {REVERSED}" in response.get_data(as_text=True), export
    for url in ("/api/v1/reports/completion", f"/api/v1/reports/completion/{UA}/sample"):
        response = api(reader, token, f"{url}?{query}")
        assert response.status_code == 400 and response.json["fields"] == {"enrolled_to": [REVERSED]}, url


def test_a_bad_date_is_a_400_naming_it_in_the_exports_and_the_api(reader, dataset, token):
    login(reader, "admin@example.org")
    for export in ("/reports/completion/export.csv", "/reports/enrolments/export.csv", f"{DRILLDOWN}/export.xlsx"):
        response = reader.get(f"{export}?completed_from=20240201&country=u1")
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and "text/html" in response.content_type, export
        assert "country: Enter a two-letter country code, such as UA." in body, export
        assert f"completed_from: {DATE_MESSAGE}" in body, export
    response = api(reader, token, f"/api/v1/reports/completion/{UA}/sample?completed_from=20240201")
    assert response.status_code == 400 and response.json["fields"] == {"completed_from": [DATE_MESSAGE]}


def set_language(reader, locale: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', reader.get("/reports/").get_data(as_text=True)).group(1)
    reader.post("/language", data={"locale": locale, "csrf_token": token})


def test_messages_are_in_the_readers_language(reader, dataset):
    login(reader, "coord@example.org")
    set_language(reader, "uk")  # kept in the profile: set back below, for the tests that follow
    try:
        html = reader.get("/reports/?enrolled_from=2024-03-01&enrolled_to=2024-02-01").get_data(as_text=True)
        assert field_message(html, "enrolled_to") == "Кінець періоду не може бути раніше за його початок."
        assert "Фільтри, позначені нижче, не застосовано." in html
        response = reader.get("/reports/completion/export.csv?enrolled_from=soon")
        assert response.status_code == 400
        assert "enrolled_from: Введіть дату у форматі РРРР-ММ-ДД." in response.get_data(as_text=True)
    finally:
        set_language(reader, "en")


# --- well-formed values that match nothing, unknown parameters ---------------------------------------------

def test_another_institutions_code_shows_nothing_of_it_anywhere(reader, dataset, token):
    """A coordinator's page points the value out and shows their own figures (a select cannot show it);
    the export and the API, which have no choices, apply it, and the SQL scope makes it match nothing."""
    login(reader, "coord@example.org")
    response = reader.get(f"/reports/?institution={GE}")
    html = main(response.get_data(as_text=True))
    assert response.status_code == 200 and "Institution: Not a valid choice." in html
    assert "GE-ACAD" not in html and "Georgia" not in html
    assert ["Total", "6", "2", "2", "2", "33.3%", "66.7%", "62.5%", "5.0", "Feb 20, 2024"] in cells(html)
    assert f"institution={GE}" not in html  # the download links hold the filters the page applied
    rows = read_csv(reader.get(f"/reports/completion/export.csv?institution={GE}"))
    assert [(r["institution_name"], r["enrolled"]) for r in rows] == [("TOTAL", "0")]
    assert read_csv(reader.get(f"/reports/enrolments/export.csv?institution={GE}")) == []
    body = api(reader, token, f"/api/v1/reports/completion?institution={GE}", who="coordinator").json
    assert (body["total"], body["items"], body["totals"]["enrolled"]) == (0, [], 0)


def test_a_course_that_is_not_a_choice_is_pointed_out_on_the_page_and_matches_nothing_in_exports(reader, dataset):
    login(reader, "admin@example.org")
    html = reader.get("/reports/?course=no-such&enrolled_from=2024-02-01").get_data(as_text=True)
    assert field_message(html, "course") == "Not a valid choice."
    assert field_message(html, "enrolled_from") is None
    assert "Total" in html and "No enrolments match these filters." not in html  # the valid date still applies
    rows = read_csv(reader.get("/reports/completion/export.csv?course=no-such"))
    assert [(r["institution_name"], r["enrolled"]) for r in rows] == [("TOTAL", "0")]


def test_unknown_parameters_are_ignored_and_empty_ones_are_no_filter(reader, dataset, token):
    login(reader, "admin@example.org")
    html = reader.get("/reports/?colour=blue&course=&institution=&country=&enrolled_from=+").get_data(as_text=True)
    assert "The filters marked below are not applied." not in html and 'class="error"' not in main(html)
    assert ["Total", "7", "2", "2", "3", "42.9%", "75.0%", "70.0%", "3.0", "Mar 2, 2024"] in cells(html)
    assert len(read_csv(reader.get("/reports/enrolments/export.csv?colour=blue&course=&country=+ge+"))) == 1
    assert api(reader, token, "/api/v1/reports/completion?colour=blue&country=ge").json["total"] == 1
