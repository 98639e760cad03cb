"""The report pages as their readers see them: figures, drill-down, charts, scoping, language."""
from __future__ import annotations

import re

import pytest

from tests.helpers import Auth
from tests.reports.conftest import GE, UA

pytestmark = pytest.mark.db


# A script written in the page (the platform's own files, <script src=...>, are allowed).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")


def login(reader, email: str) -> Auth:
    auth = Auth(reader)
    response = auth.login(email)
    assert response.status_code == 302
    return auth


def main(html: str) -> str:
    """The page's main content (the header's language form repeats the URL)."""
    return html[html.index("<main"):html.index("</main>")]


def cells(html: str, caption_word: str = "") -> list[list[str]]:
    """The rows of the page's table bodies and footers as lists of cell texts."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    out = []
    for row in rows:
        texts = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        out.append([" ".join(t.split()) for t in texts])
    return out


def test_the_admin_sees_every_institution_with_totals(reader, dataset):
    login(reader, "admin@example.org")
    html = reader.get("/reports/").get_data(as_text=True)
    rows = cells(html)
    assert ["UA-ACAD", "Sample course", "5", "1", "2", "2", "40.0%", "66.7%", "62.5%", "5.0", "Feb 20, 2024"] in rows
    assert ["GE-ACAD", "Sample course", "1", "0", "0", "1", "100.0%", "100.0%", "100.0%", "1.5", "Mar 2, 2024"] in rows
    assert ["UA-ACAD", "Sample course", "1", "1", "0", "0", "0.0%", "—", "—", "—", "—"] in rows  # course "other"
    assert ["Total", "7", "2", "2", "3", "42.9%", "75.0%", "70.0%", "3.0", "Mar 2, 2024"] in rows
    assert 'scope="col"' in html and '<caption id="report-caption">' in html
    assert not INLINE_SCRIPT.search(html) and "style=" not in html  # files the CSP allows, nothing inline


def test_filters_narrow_the_page(reader, dataset):
    login(reader, "admin@example.org")
    html = reader.get(f"/reports/?institution={GE}").get_data(as_text=True)
    assert "GE-ACAD" in html and "UA-ACAD</abbr>" not in html
    html = reader.get("/reports/?course=no-such").get_data(as_text=True)
    assert "Not a valid choice" in html  # an unknown course is pointed out, not silently ignored
    html = reader.get("/reports/?enrolled_from=2030-01-01").get_data(as_text=True)
    assert "No enrolments match these filters." in html
    html = reader.get("/reports/?enrolled_from=2024-03-01&enrolled_to=2024-02-01").get_data(as_text=True)
    assert "The end of a period cannot come before its start." in html


def test_a_coordinator_sees_only_their_institution_whatever_the_url_says(reader, dataset):
    login(reader, "coord@example.org")
    for url in ("/reports/", f"/reports/?institution={GE}", "/reports/?country=GE"):
        html = main(reader.get(url).get_data(as_text=True))
        assert "GE-ACAD" not in html and "Giorgi" not in html and "Georgia" not in html
    html = reader.get("/reports/").get_data(as_text=True)
    assert ["Total", "6", "2", "2", "2", "33.3%", "66.7%", "62.5%", "5.0", "Feb 20, 2024"] in cells(html)
    assert reader.get(f"/reports/institutions/{GE}/courses/sample").status_code == 404
    html = main(reader.get(f"/reports/charts?institution={GE}").get_data(as_text=True))
    assert "GE-ACAD" not in html and "UA-ACAD" in html


@pytest.mark.parametrize("email,status", [
    ("anna@example.org", 403), ("instructor@example.org", 403),
])
def test_trainees_and_instructors_may_not_open_reports(reader, dataset, email, status):
    login(reader, email)
    for url in ("/reports/", "/reports/charts", f"/reports/institutions/{UA}/courses/sample",
                "/reports/completion/export.csv", "/reports/enrolments/export.xlsx",
                f"/reports/institutions/{UA}/courses/sample/export.csv"):
        assert reader.get(url).status_code == status, url
    assert 'href="/reports/"' not in reader.get("/").get_data(as_text=True)


def test_reports_ask_for_sign_in(reader, dataset):
    response = reader.get("/reports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_link_for_those_who_may_see_reports(reader, dataset):
    login(reader, "coord@example.org")
    assert '<a href="/reports/">Reports</a>' in reader.get("/").get_data(as_text=True)


def test_drilldown_shows_each_trainee_sorted_and_paged(reader, dataset):
    login(reader, "admin@example.org")
    html = reader.get(f"/reports/institutions/{UA}/courses/sample").get_data(as_text=True)
    rows = [r for r in cells(html) if r and r[0].endswith(("Antonenko", "Bondar", "Chorna", "Danylenko",
                                                           "Yevtushenko"))]
    assert [r[0] for r in rows] == ["Anna Antonenko", "Bohdan Bondar", "Chrystia Chorna", "Dmytro Danylenko",
                                    "Ella Yevtushenko"]
    anna = rows[0]
    assert anna[1:8] == ["anna@example.org", "Completed", "100%", "100.0%", "2", "Jan 10, 2024", "Jan 13, 2024"]
    assert re.fullmatch(r"[\w-]{20,}", anna[8])  # the certificate code
    assert rows[2][1:8] == ["chrystia@example.org", "Not started", "0%", "0.0%", "0", "Feb 1, 2024", "—"]
    by_progress = reader.get(f"/reports/institutions/{UA}/courses/sample?sort=progress&order=desc").get_data(as_text=True)
    names = [r[0] for r in cells(by_progress) if r and "@" in (r[1] if len(r) > 1 else "")]
    assert names == ["Anna Antonenko", "Dmytro Danylenko", "Ella Yevtushenko", "Bohdan Bondar", "Chrystia Chorna"]
    by_score = reader.get(f"/reports/institutions/{UA}/courses/sample?sort=score").get_data(as_text=True)
    names = [r[0] for r in cells(by_score) if r and "@" in (r[1] if len(r) > 1 else "")]
    assert names[:2] == ["Bohdan Bondar", "Chrystia Chorna"] and names[2] == "Ella Yevtushenko"


def test_drilldown_pages(reader, dataset, monkeypatch):
    from lms.reports import queries

    monkeypatch.setattr(queries, "PER_PAGE", 2)
    login(reader, "admin@example.org")
    first = reader.get(f"/reports/institutions/{UA}/courses/sample?sort=name").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Anna Antonenko" in first and "Chrystia" not in first
    third = reader.get(f"/reports/institutions/{UA}/courses/sample?sort=name&page=3").get_data(as_text=True)
    assert "Ella Yevtushenko" in third and "Anna" not in third and 'rel="prev"' in third
    assert f'href="/reports/institutions/{UA}/courses/sample?sort=name&amp;page=2" rel="prev"' in third


def test_drilldown_of_unknown_things_is_not_found(reader, dataset):
    login(reader, "admin@example.org")
    assert reader.get("/reports/institutions/XX/courses/sample").status_code == 404
    assert reader.get(f"/reports/institutions/{UA}/courses/nothing").status_code == 404


def test_charts_are_svg_with_the_same_figures_as_a_table(reader, dataset):
    login(reader, "admin@example.org")
    html = reader.get("/reports/charts").get_data(as_text=True)
    assert html.count("<svg") == 2 and 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert not INLINE_SCRIPT.search(html) and "style=" not in html  # files the CSP allows, nothing inline
    rows = cells(html)
    assert ["GE-ACAD — Border Police Academy of Georgia", "1", "1", "100.0%"] in rows
    assert ["UA-ACAD — Border Academy of Ukraine", "6", "2", "33.3%"] in rows
    assert [["2024-01", "1"], ["2024-02", "1"], ["2024-03", "1"]] == [r for r in rows if r and r[0].startswith("2024-")]
    # The bar of GE (100 %) is the whole plot's width, UA's a third of it.
    widths = [float(w) for w in re.findall(r'<rect x="110" y="[\d.]+" width="([\d.]+)"', html)]
    assert widths == [470.0, pytest.approx(470 * 33.3 / 100, abs=0.01)]


def test_pages_in_ukrainian(reader, dataset):
    login(reader, "coord@example.org")
    reader.post("/language", data={"locale": "uk", "csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', reader.get("/reports/").get_data(as_text=True)).group(1)})
    html = reader.get("/reports/").get_data(as_text=True)
    assert "Звіт про завершення" in html and "Усього" in html and "40,0%" in html
    html = reader.get(f"/reports/institutions/{UA}/courses/sample").get_data(as_text=True)
    assert "Завершено" in html and "Не розпочато" in html
    assert "Діаграми звіту" in reader.get("/reports/charts").get_data(as_text=True)
