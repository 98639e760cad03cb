"""The one Markdown renderer: what lessons need survives, everything executable is removed."""
from __future__ import annotations

import pytest

from lms.core.markdown import render_inline, render_markdown


def html(text, base=None):
    return str(render_markdown(text, asset_base=base))


def test_lesson_markdown_features_survive():
    out = html("## Title\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n\nText[^1]\n\n[^1]: Note.")
    for fragment in ("<h2>Title</h2>", "<li>a</li>", "<table>", "<td>1</td>", "<pre><code>code", 'class="footnote"',
                     "Note."):
        assert fragment in out


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "\x0bjavascript:alert(1)", "\x01javascript:alert(1)",
    " javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)", "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd",
])
def test_dangerous_links_lose_their_href(link):
    out = html(f'<a href="{link}">x</a> [y]({link})')
    assert "href" not in out.replace('rel="noopener noreferrer nofollow"', "")


def test_safe_links_and_images_are_kept():
    out = html("[a](https://example.org/x) [b](/courses/c) [c](#top) [d](mailto:x@example.org) ![i](pic.png)",
               base="/courses/c/assets/m")
    assert 'href="https://example.org/x"' in out and 'href="/courses/c"' in out and 'href="#top"' in out
    assert 'href="mailto:x@example.org"' in out and 'src="/courses/c/assets/m/pic.png"' in out
    assert 'rel="noopener noreferrer nofollow"' in out


def test_scripts_handlers_and_styles_are_removed():
    out = html("<script>alert(1)</script><img src=x onerror=alert(2)><div style='x' onclick='y'>t</div>"
               "<iframe src=//e></iframe><svg onload=alert(3)></svg><style>*{}</style>")
    for bad in ("<script", "onerror", "onclick", "style=", "<iframe", "<svg", "<style"):
        assert bad not in out


def test_inline_rendering_drops_the_paragraph():
    assert str(render_inline("**bold** choice")) == "<strong>bold</strong> choice"
