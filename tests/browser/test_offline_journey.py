"""A trainee keeps a course on the device and reads it through a power cut, in headless Chromium (issue 24's
"done when"): on the shipped course on monitoring and evaluation, "Keep for offline" stores the course page and
its lessons (keeping them counts no view); the connection is cut; from My learning the course page and two
lessons open from the device under the "offline" status line, and a lesson of a course not kept shows our own
offline page; the connection returns and the server has the two views, at the times they were read. Then the
shared computer: the trainee signs out, and the next person to sign in finds nothing of theirs on the device
(no cache, no IndexedDB data, no service worker answering offline). The page's state is checked with axe on
every page the feature changed."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog.models import Course, Lesson
from lms.learning.models import Enrolment, LessonProgress
from lms.quizzes.models import AttemptAnswer
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from tests.browser.people import Person
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

SLUG, OTHER = "ibm-monitoring-evaluation", "ibm-strategic-planning"
COURSE = f"/courses/{SLUG}"
FIRST, SECOND, THIRD = "project-cycle-management", "the-logframe-matrix", "worked-border-logframe"
SECOND_TITLE = "Reading and building the logframe matrix"

DEVICE = """async () => {
  const names = (await caches.keys()).filter(n => n.startsWith('lms-'));
  const dbs = (await indexedDB.databases()).map(d => d.name);
  const workers = (await navigator.serviceWorker.getRegistrations()).length;
  return {names, dbs, workers};
}"""
KEPT = """async () => {
  const open = () => new Promise((ok, ko) => { const r = indexedDB.open('lms-offline', 1);
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const db = await open();
  const all = await new Promise(ok => { const r = db.transaction('kept').objectStore('kept').getAll();
    r.onsuccess = () => ok(r.result); });
  db.close();
  const estimate = await navigator.storage.estimate();
  return {kept: all, usage: estimate.usage, quota: estimate.quota};
}"""


def views(db, enrolment) -> dict[str, LessonProgress]:
    db.session.expire_all()
    rows = db.session.execute(select(Lesson.slug, LessonProgress)
                              .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
                              .where(LessonProgress.enrolment_id == enrolment.id)).all()
    return {slug: progress for slug, progress in rows}


@pytest.fixture()
def shipped(app, db, world):
    """Two shipped courses, published, as `lms courses import` loads them."""
    for slug in (SLUG, OTHER):
        spec, problems = read_package(Path(app.config["COURSES_DIR"]) / slug)
        assert not problems, problems
        import_course(spec, publish=True)
    return {slug: db.session.scalar(select(Course).where(Course.slug == slug)) for slug in (SLUG, OTHER)}


def kept_page_views(html: str) -> int:
    """How many lessons the kept copy of a course page shows as viewed."""
    return html.count('<span class="badge">Viewed</span>')


def queued_seqs(page, expected: list[int], seconds: float = 10) -> list[int]:
    """The sequence numbers of the answers queued on the device, once they are `expected` (or after `seconds`)."""
    for _ in range(int(seconds * 10)):
        seqs = page.evaluate("window.lmsOffline.queued().then(q => q.filter(i => i.kind === 'answer').map(i => i.seq))")
        if seqs == expected:
            break
        page.wait_for_timeout(100)
    return seqs


def enrol(me: Person, slug: str) -> None:
    me.go(f"/courses/{slug}")
    me.click(f"main form[action='/courses/{slug}/enrol'] button[type=submit]")


def test_keep_a_course_read_it_offline_and_leave_nothing_behind(app, db, world, shipped, live_server, chromium):
    found: list[str] = []
    trainee = world["trainee"]
    me = Person(chromium, live_server, trainee.email, found)
    page = me.page
    enrol(me, OTHER)  # a course not kept
    enrol(me, SLUG)   # enrolling opens the first lesson: its view is recorded, as ever
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id,
                                                          Enrolment.course_id == shipped[SLUG].id))
    assert set(views(db, enrolment)) == {FIRST}

    # 1. Keep for offline: shown by the script, keeps every page; keeping reads nothing.
    me.go(COURSE)
    panel = page.locator("#keep-offline")
    panel.wait_for(state="visible")
    assert page.inner_text("#keep-offline [data-keep]") == "Keep for offline"
    used_before = page.evaluate("navigator.storage.estimate().then(e => e.usage)")
    me.click("#keep-offline [data-keep]")
    page.wait_for_function("document.querySelector('#keep-offline [data-keep-state]').textContent"
                           ".startsWith('Kept on this device')", timeout=60_000)
    state = page.inner_text("#keep-offline [data-keep-state]")
    assert page.inner_text("#keep-offline [data-keep]") == "Update the copy on this device"
    expect(page.locator("#keep-offline [data-remove]")).to_be_visible()
    assert "This site uses" in page.inner_text("#keep-offline [data-keep-usage]")
    me.axe("course page, kept")
    assert set(views(db, enrolment)) == {FIRST}, "keeping a course counted its lessons as read"
    stored = page.evaluate(KEPT)
    (kept,) = [k for k in stored["kept"] if k["slug"] == SLUG]
    shared = [k for k in stored["kept"] if k["slug"] == ""]
    lessons = db.session.scalars(select(Lesson.slug).where(Lesson.course_id == shipped[SLUG].id)).all()
    assert (kept["pages"], kept["total"], kept["complete"]) == (len(lessons) + 1, len(lessons) + 1, True)
    print(f"kept {SLUG}: {kept['pages']} pages, {kept['files']} files, {kept['bytes']} bytes; shared: "
          f"{shared[0]['files']} files, {shared[0]['bytes']} bytes; storage estimate {used_before} -> "
          f"{stored['usage']} bytes; {state}")
    sizes = page.evaluate("""async () => { const out = {};
      for (const name of await caches.keys()) { const cache = await caches.open(name);
        for (const request of await cache.keys()) { out[request.url.replace(location.origin, '')] =
          (await (await cache.match(request)).blob()).size; } } return out; }""")
    print("stored:", sorted(sizes.items()))

    # My learning lists it.
    me.go("/my")
    page.locator("#kept-courses").wait_for(state="visible")
    page.locator("#kept-courses li a", has_text="Monitoring and evaluation").wait_for()
    me.axe("my learning, kept list")

    # 2. The connection is cut: the course page and two lessons open from the device, with the status line.
    before = datetime.now(timezone.utc).replace(microsecond=0)
    me.context.set_offline(True)
    page.wait_for_function("document.getElementById('offline-status').textContent.startsWith('You are offline')")
    page.locator("main a", has_text="Monitoring and evaluation").first.click()
    assert page.url.endswith(COURSE)
    assert page.inner_text("main h1") == "Monitoring and evaluation of IBM strategies"
    page.locator("#offline-status", has_text="You are offline").wait_for()  # said once the page's script ran
    page.click(f"main a[href='{COURSE}/lessons/{SECOND}']")
    assert page.inner_text("main h1") == SECOND_TITLE
    page.locator("#offline-status", has_text="You are offline").wait_for()  # said once the page's script ran
    me.axe("lesson read offline")
    me.click("main a[rel=next]")
    assert page.url.endswith(f"{COURSE}/lessons/{THIRD}")
    page.locator("#offline-status", has_text="You are offline").wait_for()  # said once the page's script ran

    # A lesson of a course not kept: our page, not the browser's error.
    other_lesson = db.session.scalar(select(Lesson.slug).where(Lesson.course_id == shipped[OTHER].id)
                                     .order_by(Lesson.position))
    me.go(f"/courses/{OTHER}/lessons/{other_lesson}")
    assert page.inner_text("main h1") == "This lesson is not kept on this device"
    me.axe("offline page")
    me.go(COURSE + "/resume")  # "Continue" leads to the kept course page
    assert page.url.endswith(COURSE)
    me.go("/courses/")  # the catalogue was kept with the course: its card leads to the kept course page
    page.locator("#offline-status", has_text="You are offline").wait_for()
    page.click(f"main a[href='{COURSE}']")
    assert page.url.endswith(COURSE) and page.inner_text("main h1") == "Monitoring and evaluation of IBM strategies"
    after = datetime.now(timezone.utc)
    assert set(views(db, enrolment)) == {FIRST}  # nothing reached the server

    # 3. The connection returns: the views are sent, with the times they were read.
    me.context.set_offline(False)
    try:
        page.wait_for_function("document.getElementById('offline-status').textContent"
                               ".startsWith('What you did offline has been sent')", timeout=20_000)
    except Exception:
        print("STATUS", page.inner_text("#offline-status"), page.url, page.evaluate("navigator.onLine"))
        raise
    read = views(db, enrolment)
    assert set(read) == {FIRST, SECOND, THIRD}
    for slug in (SECOND, THIRD):
        assert before <= read[slug].first_viewed_at <= after, (slug, read[slug].first_viewed_at)
    assert read[SECOND].first_viewed_at <= read[THIRD].first_viewed_at

    # Read online, the kept course page follows: it shows the lessons read offline as viewed.
    me.go(COURSE)
    kept_page = """async () => { const cache = await caches.open('lms-keep:' + window.lmsOffline.owner + ':' + %r);
        return (await cache.match(location.pathname)).text(); }""" % SLUG
    for _ in range(50):
        if kept_page_views(page.evaluate(kept_page)) == 3:
            break
        page.wait_for_timeout(100)
    assert kept_page_views(page.evaluate(kept_page)) == 3

    # 4. The shared computer: signing out removes everything the site kept on the device.
    me.go("/my")
    me.click("header form.sign-out button")  # the script clears the device, then signs out
    page.wait_for_url("**/login")
    assert page.evaluate(DEVICE) == {"names": [], "dbs": [], "workers": 0}
    page.fill("#email", world["other_trainee"].email)
    page.fill("#password", PASSWORD)
    me.click("main button[type=submit]")
    me.go(COURSE)  # a course the next person is not enrolled in: nothing to keep, nothing kept
    assert page.evaluate(DEVICE) == {"names": [], "dbs": [], "workers": 0}
    me.context.set_offline(True)
    with pytest.raises(Exception):  # the browser's own error: nothing answers from the device
        page.goto(f"{live_server}{COURSE}/lessons/{SECOND}")
    me.context.set_offline(False)
    # The offline page answers with 503 (the page is not there): the browser's answer, not the server's fault.
    assert [f for f in found if f" 503 {live_server}/courses/{OTHER}/" not in f] == [], found
    me.context.close()


def test_quiz_answers_are_kept_on_the_device_numbered_and_sent_in_order(db, world, course, live_server, chromium):
    """The client's side of answers through an outage (the server's idempotent sequence is another change's):
    every background save carries `seq` and `saved_at`; a save the network refuses stays on the device ("Saved on
    this device"), and the queue is sent in order when the connection returns; a late answer's message is shown;
    "Download my answers" gives the device's copy."""
    found: list[str] = []
    me = Person(chromium, live_server, world["trainee"].email, found)
    page = me.page
    posted: list[dict] = []
    mode = {"now": "network"}
    save_address = re.compile(r"/attempts/\d+$")

    # The saves are read from the browser's record of its requests, and the route answers for the server in the
    # "late" step; both on the whole context and set before the attempt page opens (on the page once it had
    # opened, they missed that page's first request now and then in CI).
    def record(request):
        if request.method == "POST" and save_address.search(request.url):
            fields = dict(re.findall(r'name="([^"]+)"\r\n\r\n([^\r]*)\r\n', request.post_data or ""))
            posted.append({**fields, "mode": mode["now"]})

    def handle(route, request):
        if request.method == "POST" and mode["now"] == "late":
            return route.fulfill(status=202, json={"late": True, "message": "Received late after an outage."})
        return route.continue_()

    def saves(count: int) -> list[dict]:
        """The saves recorded so far, once there are `count` of them (events may trail the page's status)."""
        for _ in range(50):
            if len(posted) >= count:
                break
            page.wait_for_timeout(100)
        assert len(posted) >= count, posted
        return posted

    me.context.on("request", record)
    me.context.route(save_address, handle)
    enrol(me, "sample")
    me.go("/courses/sample/quizzes/check")
    me.click("main form[action$='/start'] button[type=submit]")
    assert "/attempts/" in page.url
    attempt_id = int(page.url.rstrip("/").rsplit("/", 1)[1].split("?")[0])
    status = page.locator("form[data-autosave] .save-status")
    page.locator("#answers-offline").wait_for(state="visible")
    me.axe("attempt page with its offline panel")

    choices = page.locator("input[name=a-q-single]")  # one question a page: the first, single choice
    one, other = choices.nth(0), choices.nth(1)
    one.check()
    page.wait_for_function("document.querySelector('.save-status').textContent === 'Answers saved.'")
    db.session.expire_all()  # the server stored the first save with its number
    assert db.session.scalars(select(AttemptAnswer.seq).where(AttemptAnswer.attempt_id == attempt_id)).all() == [1]

    mode["now"] = "cut"
    me.context.set_offline(True)
    other.check()
    status.filter(has_text="Saved on this device, will be sent when the connection returns.").wait_for()
    one.check()  # the page keeps working
    assert queued_seqs(page, [2, 3]) == [2, 3]
    assert [p["seq"] for p in posted if p["mode"] == "cut"][0] == "2"  # the later one waits behind it

    mode["now"] = "network"
    sent_before = len(posted)
    me.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    status.filter(has_text="The answers saved on this device have been sent.").wait_for()
    assert queued_seqs(page, []) == []  # the message comes with the first one sent; the queue empties after
    resent = saves(sent_before + 2)[sent_before:]
    assert [p["seq"] for p in resent] == ["2", "3"], resent  # the same saves, in their order, with their dates
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", p["saved_at"]) for p in resent), resent

    mode["now"] = "late"
    other.check()
    status.filter(has_text="Received late after an outage.").wait_for()

    with page.expect_download() as download:
        page.click("#answers-offline [data-download]")
    file = json.loads(Path(download.value.path()).read_text())
    assert file["format"] == "lms-answers/1" and file["attempt"] == attempt_id
    assert (file["quiz"], file["course"]) == ("check", "sample")
    assert file["answers"] == {"q-single": [other.get_attribute("value")]}
    assert file["seq"] == 4 == int(saves(sent_before + 3)[-1]["seq"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", file["saved_at"])
    assert [f for f in found if "internetdisconnected" not in f] == [], found
    me.context.close()


def test_quota_refused_keeps_what_fitted_under_the_sites_csp(app, db, world, shipped, live_server, chromium):
    """The browser refuses the space part way (its quota for the site made small): the page says so and keeps
    the pages that fitted. This browser does not bypass the CSP: the worker and the manifest pass it."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/login")
    page.fill("#email", world["trainee"].email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}{COURSE}")
    page.click(f"main form[action='{COURSE}/enrol'] button[type=submit]")
    page.goto(f"{live_server}{COURSE}")
    estimate = "navigator.storage.estimate().then(e => e.usage)"
    # Kept once, to see the space it takes, and removed: the browser then allows a quarter of it.
    before = page.evaluate(estimate)
    page.click("#keep-offline [data-keep]")
    page.locator("#keep-offline [data-keep-state]", has_text="Kept on this device").wait_for(timeout=60_000)
    needed = page.evaluate(estimate) - before
    page.click("#keep-offline [data-remove]")
    page.locator("#keep-offline [data-keep-state]", has_text="Removed from this device.").wait_for()
    cdp = context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server,
                                                "quotaSize": page.evaluate(estimate) + needed // 4})
    page.click("#keep-offline [data-keep]")
    page.locator("#keep-offline [data-keep-state]", has_text="The browser refused more space").wait_for(timeout=60_000)
    said = page.inner_text("#keep-offline [data-keep-state]")
    kept = page.evaluate(KEPT)["kept"]
    (course,) = [k for k in kept if k["slug"] == SLUG]
    assert 0 < course["pages"] < course["total"] and not course["complete"], course
    assert f"Pages kept: {course['pages']} of {course['total']}" in said, said
    assert page.evaluate("navigator.serviceWorker.controller !== null || "
                         "navigator.serviceWorker.getRegistrations().then(r => r.length === 1)")
    assert not refused, refused
    context.close()


def test_signing_out_offline_warns_before_discarding_queued_work(db, world, course, live_server, chromium):
    """Work queued on the device that cannot be sent (no connection) is not discarded silently at sign-out: the
    person is asked; declining keeps them signed in with their work; accepting removes it from the device."""
    found: list[str] = []
    me = Person(chromium, live_server, world["trainee"].email, found)
    page = me.page
    enrol(me, "sample")
    me.go("/my")
    page.evaluate("""() => window.lmsOffline.store.put('queue', {owner: window.lmsOffline.owner, kind: 'view',
        url: '/courses/sample/lessons/second/views', at: window.lmsOffline.isoNow()})""")
    me.context.set_offline(True)
    asked: list[str] = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    me.click("header form.sign-out button")
    page.locator("header form.sign-out button:not([disabled])").wait_for()
    assert asked == ["Some of your work done offline has not been sent yet, and there is no connection. Signing out "
                     "removes it from this device. Sign out anyway?"]
    assert page.url.endswith("/my") and queued_views(page) == 1

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_event("framenavigated"):  # the device cleared, the sign-out posted: no connection for it
        me.click("header form.sign-out button")
    page.wait_for_load_state()
    me.context.set_offline(False)
    me.go("/my")  # still signed in on the server (the sign-out never arrived), nothing left on the device
    assert page.evaluate(DEVICE) == {"names": [], "dbs": [], "workers": 0}
    assert not found, found
    me.context.close()


def queued_views(page) -> int:
    return page.evaluate("window.lmsOffline.queued().then(q => q.filter(i => i.kind === 'view').length)")


def test_a_lessons_pictures_are_kept_and_an_update_drops_what_is_gone(db, world, course, live_server, chromium):
    """The sample course's first lesson shows a picture (a course asset): kept with the lesson, it shows offline.
    Kept again after a lesson is retired, the copy drops that lesson."""
    from lms.catalog.models import Lesson as LessonModel

    found: list[str] = []
    me = Person(chromium, live_server, world["trainee"].email, found)
    page = me.page
    enrol(me, "sample")
    me.go("/courses/sample")
    page.locator("#keep-offline").wait_for(state="visible")
    me.click("#keep-offline [data-keep]")
    page.locator("#keep-offline [data-keep-state]", has_text="Kept on this device").wait_for(timeout=60_000)
    assert "Pages: 3, files: 1" in page.inner_text("#keep-offline [data-keep-state]")  # the picture
    me.context.set_offline(True)
    me.go("/courses/sample/lessons/intro")
    picture = page.locator("main article img[alt='a pixel']")
    # The address names the picture's version (cached for a year online); offline it comes from the kept copy.
    assert picture.get_attribute("src").startswith("/courses/sample/assets/basics/pixel.png?v=")
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", picture.element_handle())
    me.context.set_offline(False)

    second = db.session.scalar(select(LessonModel).where(LessonModel.slug == "second"))
    second.retired = True
    db.session.commit()
    me.go("/courses/sample")
    page.locator("#keep-offline [data-keep]:not([disabled])").wait_for()
    assert page.inner_text("#keep-offline [data-keep]") == "Update the copy on this device"
    me.click("#keep-offline [data-keep]")
    page.locator("#keep-offline [data-keep-state]", has_text="Kept on this device. Pages: 2,").wait_for(timeout=60_000)
    urls = page.evaluate("""async () => (await (await caches.open('lms-keep:' + window.lmsOffline.owner + ':sample'))
        .keys()).map(r => new URL(r.url).pathname)""")
    assert sorted(urls) == ["/courses/sample", "/courses/sample/assets/basics/pixel.png",
                            "/courses/sample/lessons/intro"], urls
    assert not found, found
    me.context.close()
