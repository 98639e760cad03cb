"""Lesson images in headless Chromium: an instructor uploads a photograph in the lesson editor (with and
without JavaScript), previews, saves; a trainee sees it on the lesson page. And the weight of a lesson
page with photographs on a small screen, as the browser fetches it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.catalog.models import CourseAsset, Lesson
from lms.core.images import MAX_BYTES
from lms.core.storage import current_storage
from tests.helpers import PASSWORD, make_staff
from tests.images import photo

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(browser, base: str, email: str, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    return context, page


def loaded_width(page, selector: str) -> int:
    """The natural width of an image once the browser has it (0 if it could not be loaded)."""
    locator = page.locator(selector)
    locator.wait_for()
    return locator.evaluate("img => img.complete ? img.naturalWidth : new Promise(done => {"
                            " img.addEventListener('load', () => done(img.naturalWidth));"
                            " img.addEventListener('error', () => done(0)); })")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_an_instructor_adds_an_image_and_a_trainee_sees_it(chromium, live_server, db, world, course, javascript):
    make_staff(course, world["instructor"], "owner")
    context, page = sign_in(chromium, live_server, world["instructor"].email, java_script_enabled=javascript)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/author/sample/modules/basics/lessons/new")
    page.fill("#title", "Patrol at dawn")
    page.fill("#minutes", "5")
    page.fill("#body", "## At dawn\n\nThe patrol starts at the river.\n\nThen it follows the road.")
    if javascript:  # the cursor on the second paragraph: the image goes after it
        page.click("#body")
        page.keyboard.press("Control+Home")
        for _ in range(2):
            page.keyboard.press("ArrowDown")
    if javascript:  # a file over the limit is turned down before it is sent (the server would refuse it too)
        page.set_input_files("#image", files=[{"name": "huge.jpg", "mimeType": "image/jpeg",
                                               "buffer": b"\xff\xd8" + bytes(MAX_BYTES)}])
        assert "The file is larger than 10 MB." in page.inner_text("fieldset")
        assert page.locator("#image").evaluate("input => input.files.length") == 0
    page.set_input_files("#image", files=[{"name": "Dawn patrol.jpg", "mimeType": "image/jpeg",
                                           "buffer": photo(2400, 1600)}])
    page.fill("#alt", "Two officers walking along the river at dawn")
    page.click("button[value=upload]")

    main = page.inner_text("main")
    assert "Dawn patrol.jpg was read as a JPEG image of 2400 × 1600 pixels and added as dawn-patrol.webp" in main
    expected = ("## At dawn\n\nThe patrol starts at the river.\n\n"
                "![Two officers walking along the river at dawn](dawn-patrol.webp)\n\nThen it follows the road."
                if javascript else
                "## At dawn\n\nThe patrol starts at the river.\n\nThen it follows the road.\n\n"
                "![Two officers walking along the river at dawn](dawn-patrol.webp)\n")
    assert page.input_value("#body") == expected
    preview = "section[aria-labelledby=preview-heading] img[alt='Two officers walking along the river at dawn']"
    assert loaded_width(page, preview) > 0
    assert not page.locator(".image-problems").count()

    page.click("button[value=save]")
    assert "Lesson added." in page.inner_text("main")
    db.session.expire_all()
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "patrol-at-dawn"))
    assert lesson.body.replace("\r\n", "\n").strip() == expected.strip()
    stored = {a.path: a for a in db.session.scalars(select(CourseAsset).where(CourseAsset.path.like("basics/dawn%")))}
    assert set(stored) == {"basics/dawn-patrol.webp", "basics/dawn-patrol.w600.webp"}
    for asset in stored.values():
        assert current_storage().get(asset.storage_key)[8:12] == b"WEBP"
    context.close()

    context, page = sign_in(chromium, live_server, world["trainee"].email, java_script_enabled=javascript)
    page.goto(f"{live_server}/courses/sample")
    page.click("text=Enrol in this course")
    page.goto(f"{live_server}/courses/sample/lessons/patrol-at-dawn")
    image = "article.lesson img[alt='Two officers walking along the river at dawn']"
    # With srcset, naturalWidth is the width the image fills (sizes), not the file's: > 0 means loaded.
    assert loaded_width(page, image) > 0
    assert page.locator(image).evaluate("img => img.currentSrc").split("?")[0].endswith(
        ("/courses/sample/assets/basics/dawn-patrol.webp", "/courses/sample/assets/basics/dawn-patrol.w600.webp"))
    assert not errors
    context.close()


def test_a_lesson_page_with_photographs_stays_under_150_kb_on_a_small_screen(chromium, live_server, app, db, world,
                                                                                course):
    """Two photographs (2400 x 1600 from the camera) in a lesson, read on a phone-sized screen: what
    crosses the wire (page, style sheet, images, with headers) stays under 150 KB."""
    names = lesson_with_two_photographs(db, course, world["instructor"])

    signed_in, page = sign_in(chromium, live_server, world["trainee"].email)
    page.goto(f"{live_server}/courses/sample")
    page.click("text=Enrol in this course")
    # A fresh browser with the trainee's session and an empty cache, the size of a phone's screen.
    context = chromium.new_context(storage_state=signed_in.storage_state(), viewport={"width": 400, "height": 800},
                                   device_scale_factor=1)
    signed_in.close()
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{live_server}/courses/sample/lessons/second", wait_until="load")
    for alt in ("The queue of lorries", "The inspection lane"):
        page.locator(f"img[alt='{alt}']").scroll_into_view_if_needed()
        assert loaded_width(page, f"img[alt='{alt}']") > 0
        # The small copy, not the 1200-pixel one.
        assert page.locator(f"img[alt='{alt}']").evaluate("img => img.currentSrc").split("?")[0].endswith(".w600.webp")
    page.wait_for_load_state("networkidle")
    sizes = {r.url.removeprefix(live_server): r.request.sizes() for r in responses}
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values())
    images = [url.split("?")[0] for url in sizes if "/assets/" in url]  # named with their versions (?v=)
    assert sorted(images) == sorted(f"/courses/sample/assets/basics/{n.replace('.webp', '.w600.webp')}" for n in names)
    print(f"lesson page with two photographs at 400 px: {total} bytes on the wire: "
          + ", ".join(f"{url} {s['responseBodySize'] + s['responseHeadersSize']}" for url, s in sizes.items()))
    assert total < 150 * 1024, sizes
    context.close()


def lesson_with_two_photographs(db, course, instructor) -> list[str]:
    """The sample course's second lesson rewritten as an officer's lesson with two photographs straight from a
    camera (2400 x 1600 JPEG, added through the editor's own image writer), between paragraphs of text; returns
    the names the pictures were stored under."""
    from io import BytesIO

    from lms.authoring.images import add_lesson_image
    from lms.catalog.models import Module

    module = db.session.scalar(select(Module).where(Module.slug == "basics"))
    names = [add_lesson_image(course, module, BytesIO(photo(2400, 1600, seed=seed)), f"photo-{seed}.jpg",
                              instructor).name for seed in (1, 2)]
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "second"))
    lesson.body = ("## The crossing point\n\n" + "The officers check documents and vehicles. " * 40 + "\n\n"
                   f"![The queue of lorries]({names[0]})\n\n" + "Risk analysis picks what to inspect. " * 40 +
                   f"\n\n![The inspection lane]({names[1]})\n")
    db.session.commit()
    return names
