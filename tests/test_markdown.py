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


def test_images_kept_in_several_widths_get_srcset_and_nothing_else_does():
    from lms.core.markdown import IMAGE_SIZES, ImageSet

    images = (ImageSet("map.webp", 1200, 800, (("map.w600.webp", 600),)),)
    base = "/courses/c/assets/m"
    out = str(render_markdown("![Map](map.webp) ![Pixel](pixel.png)", asset_base=base, images=images))
    assert (f'<img alt="Map" height="800" sizes="{IMAGE_SIZES}" src="{base}/map.webp" '
            f'srcset="{base}/map.w600.webp 600w, {base}/map.webp 1200w" width="1200">') in out
    assert f'<img alt="Pixel" src="{base}/pixel.png">' in out  # one size only: no srcset
    # A srcset or sizes written by hand survives only if it is what the renderer would write: nh3 does
    # not check the URLs inside srcset, so anything else (outside, javascript:, other files) is dropped.
    for attack in ('srcset="https://evil.example/x.png 600w"', 'srcset="javascript:alert(1) 1x"',
                   'srcset="map.w600.webp 600w, //evil.example/x.png 1200w"', 'srcset="secret.webp 600w"',
                   'srcset="map.w600.webp 2x"', 'sizes="100vw"', 'sizes="(max-width: 1px) url(x)"'):
        hand = str(render_markdown(f'<img alt="x" src="map.webp" {attack}>', asset_base=base, images=images))
        assert "srcset" not in hand and "sizes" not in hand and "evil" not in hand, attack
    assert "srcset" not in html('<img src="map.webp" srcset="map.w600.webp 600w">')  # no course, no srcset
    assert 'srcset=' not in html("![Map](map.webp)", base)


def test_image_references_are_read_with_their_lines_and_alt_text():
    from lms.core.markdown import image_references, markdown_image

    text = 'One ![A \\[b\\] c](a.png "t")\n\n<IMG class=x src="b.webp">\n![](https://example.org/c.png)'
    refs = image_references(text)
    assert [(r.line, r.alt, r.src, r.outside) for r in refs] == [
        (1, "A [b] c", "a.png", False), (3, None, "b.webp", False), (4, "", "https://example.org/c.png", True)]
    snippet = markdown_image("A [b]\nc \\ d", "x.webp")
    assert snippet == "![A \\[b\\] c \\\\ d](x.webp)"
    assert image_references(snippet)[0].alt == "A [b] c \\ d"
    assert 'alt="A [b] c \\ d"' in html(snippet)
