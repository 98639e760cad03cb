"""Hostile input executes nothing: XSS vectors and the Big List of Naughty Strings in lessons,
quiz texts, course titles and user names, opened in headless Chromium with the CSP switched off
so the sanitiser and the templates' escaping alone are proven."""
from __future__ import annotations

import pytest

from lms.auth.models import User
from lms.catalog.models import Course, Lesson, Module
from lms.extensions import db as _db
from lms.learning.models import Certificate, Enrolment
from lms.mfa.models import SecondFactor
from lms.quizzes.models import Choice, Question, Quiz
from tests.helpers import PASSWORD
from tests.security.xss_vectors import VECTORS, corpus

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) bad.push(el.tagName + '[' + a.name + ']');
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'style'].includes(a.name.toLowerCase())
          && /(javascript|vbscript|data):/i.test(a.value)) bad.push(el.tagName + '[' + a.name + '=' + a.value + ']');
    }
  }
  for (const s of document.querySelectorAll('script')) {
    // the platform's own files, whatever version their address names (?v=)
    const ours = ['quiz', 'passkeys', 'offline', 'keep'].some(n => s.src && new URL(s.src).pathname === '/static/js/' + n + '.js');
    if (!ours) bad.push('SCRIPT ' + s.outerHTML.slice(0, 80));
  }
  const frameLinks = ':not([href^="/static/css/site.css?"]):not([rel="icon"][href*="/favicon.ico"])' +
                     ':not([rel="icon"][href^="/static/favicon.svg?"])' +
                     ':not([rel="manifest"][href$="/manifest.webmanifest"])';  // the frame's own links
  for (const sel of ['iframe', 'object', 'embed', 'base', 'meta[http-equiv]', 'style', 'svg', 'math', 'template',
                     'link' + frameLinks, 'video', 'audio', 'marquee', 'input[autofocus]']) {
    for (const el of document.querySelectorAll(sel)) bad.push(sel + ' ' + el.outerHTML.slice(0, 80));
  }
  return bad;
}"""


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


@pytest.fixture()
def hostile(db, world):
    """A course, a quiz, courses and accounts full of hostile strings."""
    strings = corpus()
    course = Course(slug="hostile", title=VECTORS[0], summary=" ".join(strings[:40]), language="en",
                    status="published", outcomes=strings[:30])
    _db.session.add(course)
    _db.session.flush()
    for n, vector in enumerate(VECTORS):
        _db.session.add(Course(slug=f"hostile-title-{n}", title=vector[:200], summary=vector, language="en",
                               status="published", outcomes=[vector]))
    module = Module(course_id=course.id, slug="m", position=1, title=VECTORS[2])
    _db.session.add(module)
    _db.session.flush()
    lessons = []
    for n, chunk in enumerate(chunks(strings, 40), start=1):
        lesson = Lesson(course_id=course.id, module_id=module.id, slug=f"l{n}", position=n, title=chunk[0][:200],
                        body="\n\n".join(chunk))
        _db.session.add(lesson)
        lessons.append(lesson)
    quiz = Quiz(course_id=course.id, module_id=module.id, slug="q", position=len(lessons) + 1, title=VECTORS[3],
                shuffle_questions=False, shuffle_choices=False)
    _db.session.add(quiz)
    _db.session.flush()
    for n, chunk in enumerate(chunks(strings, 6)[:60], start=1):
        question = Question(course_id=course.id, quiz_id=quiz.id, slug=f"q{n}", position=n, kind="multiple_choice",
                            text=chunk[0], explanation=" ".join(chunk[1:]),
                            choices=[Choice(position=i, text=s, correct=i == 1) for i, s in enumerate(chunk[:4], 1)])
        _db.session.add(question)
    trainee = world["trainee"]
    trainee.name = VECTORS[2]
    for n, value in enumerate(strings):
        _db.session.add(User(email=f"h{n}@example.org", name=value[:200] or "x", role="trainee",
                             institution_id=world["ua"].id))
    enrolment = Enrolment(user_id=trainee.id, course_id=course.id, status="completed",
                          completed_at=course.created_at or __import__("lms.core.clock", fromlist=["now"]).now())
    _db.session.add(enrolment)
    _db.session.flush()
    _db.session.add(Certificate(code="hostile-code", enrolment_id=enrolment.id, user_id=trainee.id, course_id=course.id,
                                holder_name=VECTORS[4], course_title=VECTORS[5], institution_name=VECTORS[6]))
    _db.session.commit()
    return {"strings": strings, "lessons": len(lessons), "users": len(strings) + 8}


def check(page, url: str, dialogs: list) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    found = page.evaluate(INJECTED)
    return [f"{url}: {item}" for item in found] + [f"{url}: dialog {d}" for d in dialogs]


def test_hostile_strings_execute_nothing(app, chromium, live_server, hostile, world, monkeypatch):
    monkeypatch.setitem(app.config, "CSP_ENABLED", False)  # prove the sanitiser, not the CSP
    context = chromium.new_context()
    page = context.new_page()
    dialogs: list = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/login")
    assert "Content-Security-Policy" not in (page.request.get(f"{live_server}/login").headers)
    page.fill("#email", world["trainee"].email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    # Second factors named with the vectors, added once signed in (a factor makes the sign-in ask for it).
    for n, vector in enumerate(VECTORS):
        _db.session.add(SecondFactor(user_id=world["trainee"].id, kind="passkey", name=vector[:100] or "x",
                                     credential_id=b"hostile-%d" % n, public_key=b"k", sign_count=0))
    _db.session.commit()
    problems = []
    urls = ["/", "/courses/", "/courses/hostile", "/my", "/verify/hostile-code", "/profile", "/profile/second-factor"]
    urls += [f"/courses/hostile/lessons/l{n}" for n in range(1, hostile["lessons"] + 1)]
    for url in urls:
        problems += check(page, live_server + url, dialogs)
    # The quiz: questions and choices before submission, explanations in review.
    page.goto(f"{live_server}/courses/hostile/quizzes/q")
    page.click("button:has-text('attempt')")
    problems += check(page, page.url, dialogs)
    page.click("button[value=finish]")
    page.click("text=Submit now")
    problems += check(page, page.url, dialogs)
    context.close()
    # User names as an admin sees them.
    context = chromium.new_context()
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/login")
    page.fill("#email", world["admin"].email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    for n in range(1, hostile["users"] // 50 + 2):
        problems += check(page, f"{live_server}/people/?page={n}", dialogs)
    problems += check(page, f"{live_server}/people/{world['trainee'].id}/edit", dialogs)
    problems += check(page, f"{live_server}/people/{world['trainee'].id}", dialogs)  # with the factors' names
    context.close()
    assert not problems, problems[:20]
    assert len(hostile["strings"]) >= 500  # the vectors tried
