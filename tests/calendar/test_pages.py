"""The calendar page as a person without JavaScript uses it: the month as a table with its caption and headers,
the due dates and run dates on their days in the viewer's zone, today marked in words, months by plain links,
and the agenda with its downloads."""
from __future__ import annotations

import re

import pytest

from lms.auth.services import set_timezone
from lms.extensions import db as _db

pytestmark = pytest.mark.db


def _cell(page: str, day: int) -> str:
    """The text of the table cell of `day` in the month shown (the first cell with that number in the month)."""
    cells = re.findall(r'<td class="(?!other-month)[^"]*"[^>]*>(.*?)</td>', page, re.S)
    return next(c for c in cells if f'<span class="day-number">{day}</span>' in c)


def test_the_month_shows_due_dates_and_runs_on_their_days(client, auth, calendar_world):
    auth.login(calendar_world["trainee"].email)
    page = client.get("/calendar/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<caption>March 2027</caption>" in html
    assert html.count('<th scope="col">') == 7 and 'title="Monday"' in html
    assert "Due: Border checks" in _cell(html, 10)
    assert "Starts: Risk analysis: March intake" in _cell(html, 15)
    assert "Ends: Risk analysis: March intake" in _cell(html, 26)
    assert "Due: Risk analysis" in _cell(html, 26)
    assert "Border checks" not in _cell(html, 11)
    # Today (1 March 2027, the stopped clock) in words, not only a colour.
    today = re.search(r'<td class="[^"]*today"[^>]*aria-current="date">(.*?)</td>', html, re.S).group(1)
    assert '<span class="day-number">1</span>' in today and "today" in today
    # The agenda lists them with a download each, and the times' zone is named.
    agenda = html.split('id="agenda-heading"')[1]
    assert agenda.index("Border checks") < agenda.index("March intake")
    assert "March 10, 2027" in agenda and "March 15, 2027 – March 26, 2027" in agenda
    assert f'/calendar/event/run/{calendar_world["run"].id}.ics' in agenda
    assert "Europe/Lisbon" in html


def test_the_same_due_date_is_on_the_10th_in_tbilisi_too(client, auth, calendar_world):
    auth.login(calendar_world["other"].email)
    html = client.get("/calendar/?month=2027-03").get_data(as_text=True)
    assert "Due: Border checks" in _cell(html, 10) and "Asia/Tbilisi" in html
    assert "March intake" not in html  # the other trainee is not in the run


def test_months_go_back_and_forth_by_plain_links(client, auth, calendar_world):
    auth.login(calendar_world["trainee"].email)
    html = client.get("/calendar/").get_data(as_text=True)
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert nxt == "/calendar/?month=2027-04"
    april = client.get(nxt).get_data(as_text=True)
    assert "<caption>April 2027</caption>" in april and "Border checks" not in april
    assert "aria-current" not in april  # today is not in April
    prev = re.search(r'href="([^"]+)" rel="prev"', april).group(1)
    assert "<caption>March 2027</caption>" in client.get(prev).get_data(as_text=True)
    december = client.get("/calendar/?month=2026-12").get_data(as_text=True)
    assert 'href="/calendar/?month=2027-01" rel="next"' in december


@pytest.mark.parametrize("month", ["2027-13", "March", "2027-3", "9999-12", "0000-01", "x" * 5000])
def test_a_month_that_is_not_one_gets_a_message_and_this_month(client, auth, calendar_world, month):
    auth.login(calendar_world["trainee"].email)
    response = client.get("/calendar/", query_string={"month": month})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "The month must be written as YYYY-MM" in html
    assert "<caption>March 2027</caption>" in html


def test_the_page_is_in_the_viewers_language(client, auth, calendar_world):
    trainee = calendar_world["trainee"]
    trainee.locale = "uk"
    _db.session.commit()
    auth.login(trainee.email)
    html = client.get("/calendar/").get_data(as_text=True)
    assert "березень 2027" in html and "Мій календар" in html


def test_my_calendar_is_linked_from_the_navigation_and_my_learning(client, auth, calendar_world):
    auth.login(calendar_world["trainee"].email)
    assert 'href="/calendar/">My calendar</a>' in client.get("/").get_data(as_text=True)
    assert 'href="/calendar/">My calendar</a>' in client.get("/my").get_data(as_text=True)


def test_a_person_without_events_sees_an_empty_month(client, auth, world, stopped_clock):
    set_timezone(world["coordinator"], "Europe/Kyiv", world["admin"])
    _db.session.commit()
    auth.login(world["coordinator"].email)
    html = client.get("/calendar/").get_data(as_text=True)
    assert "Nothing on your calendar this month." in html and "You have no calendar address yet." in html
