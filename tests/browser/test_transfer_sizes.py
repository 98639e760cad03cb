"""What crosses the wire for a lesson page in headless Chromium: a first visit (empty cache) and a repeat
visit (the same browser, its cache kept), with compression on and off, and in low-data mode. The figures
are printed (`pytest tests/browser/test_transfer_sizes.py -s`) and quoted in docs/performance.md; the
assertions hold what they show.

Chromium sends `Accept-Encoding: gzip, deflate` over plain http (brotli only over https), so these figures
are gzip's; tests/test_transfers.py checks brotli, which is smaller still."""
from __future__ import annotations

import gzip

import brotli
import pytest

from tests.axe import violations
from tests.browser.test_lesson_images import lesson_with_two_photographs, sign_in

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


PAGE_BODIES: dict[str, bytes] = {}


def visit(context, url: str) -> dict[str, tuple[int, int]]:
    """Load `url` in a new tab of `context`: {address: (status, bytes on the wire, headers included)} of every
    response the browser received from the network; what its cache answered is left out."""
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="load")
    for img in page.locator("article.lesson img").all():
        img.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    found = {}
    for response in responses:
        if response.from_service_worker:
            continue
        sizes = response.request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        # Chromium reports a cache hit with a negative body size (its stored headers, less themselves); a 304
        # has no body either but crossed the wire.
        if sizes["responseBodySize"] > 0 or response.status == 304:
            found[response.url] = (response.status, size)
            if response.url == url:
                PAGE_BODIES[url] = response.body()
    page.close()
    return found


def total(found: dict[str, tuple[int, int]]) -> int:
    return sum(size for _status, size in found.values())


def describe(found: dict[str, tuple[int, int]], base: str) -> str:
    return ", ".join(f"{url.removeprefix(base).split('?')[0]} {status} {size}"
                     for url, (status, size) in sorted(found.items()))


def test_bytes_on_the_wire_for_a_first_and_a_repeat_visit_of_a_lesson(chromium, live_server, app, db, world, course,
                                                                     monkeypatch):
    lesson_with_two_photographs(db, course, world["instructor"])
    signed_in, page = sign_in(chromium, live_server, world["trainee"].email)
    page.goto(f"{live_server}/courses/sample")
    page.click("text=Enrol in this course")
    state = signed_in.storage_state()
    signed_in.close()
    url = f"{live_server}/courses/sample/lessons/second"

    figures = {}
    for compression in (False, True):
        monkeypatch.setitem(app.config, "COMPRESSION", compression)
        # A phone-sized screen (the 600-pixel copies of the photographs), a fresh cache each time.
        context = chromium.new_context(storage_state=state, viewport={"width": 400, "height": 800},
                                       device_scale_factor=1)
        first = visit(context, url)
        repeat = visit(context, url)
        context.close()
        figures[compression] = (first, repeat)
        label = "gzip" if compression else "none"
        print(f"\nlesson page, compression {label}: first visit {total(first)} bytes in {len(first)} responses "
              f"({describe(first, live_server)}); repeat visit {total(repeat)} bytes in {len(repeat)} responses "
              f"({describe(repeat, live_server)})")
        # The repeat visit fetches the page alone: style sheet, icon and images come from the cache, unasked.
        assert [u.removeprefix(live_server) for u in repeat] == ["/courses/sample/lessons/second"]
        assert total(repeat) < total(first) / 5
    body = PAGE_BODIES[url]
    print(f"the page's HTML: {len(body)} bytes; were it compressed (it is not, BREACH): gzip "
          f"{len(gzip.compress(body, 6))}, brotli {len(brotli.compress(body, quality=5))}")
    plain_first, zipped_first = total(figures[False][0]), total(figures[True][0])
    assert zipped_first < plain_first  # the style sheet and the SVG icon shrink; the page itself is never compressed
    page_plain = next(size for u, (_s, size) in figures[False][1].items())
    page_zipped = next(size for u, (_s, size) in figures[True][1].items())
    assert abs(page_plain - page_zipped) < 200  # HTML: not compressed either way (BREACH)

    # Low-data mode: no image is fetched at all. (The CSP bypassed for axe's script alone.)
    context = chromium.new_context(storage_state=state, viewport={"width": 400, "height": 800}, device_scale_factor=1,
                                   bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    page.click("footer button:has-text('Turn on')")
    assert "Low-data mode: on" in page.inner_text("footer")
    page.close()
    light = visit(context, url)
    print(f"lesson page in low-data mode (gzip): {total(light)} bytes in {len(light)} responses "
          f"({describe(light, live_server)})")
    assert not [u for u in light if "/assets/" in u]
    page = context.new_page()
    page.goto(url)
    assert violations(page) == []  # the descriptions, the links and the footer's switch
    with page.expect_navigation():
        page.click("article.lesson a:has-text('Show image') >> nth=0")  # the link opens the image
    assert page.url.split("?")[0].endswith(".webp")
    context.close()
