"""Accessibility checks in the browser tests: axe-core injected into the page, its WCAG 2.1 A/AA rules run.

`make axe` (part of `make test`) installs the pinned axe-core from npm into .venv/axe; LMS_AXE_JS names
another copy. Without it the checks skip, except on CI (CI set), where that is a failure. The page's
context must be made with `bypass_csp=True`: the site's CSP rightly refuses the injected script.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = Path(os.environ.get("LMS_AXE_JS") or ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> Path:
    """The axe-core script, or skip (fail on CI) when it is not installed."""
    if not AXE_JS.is_file():
        message = f"axe-core is not installed at {AXE_JS} (make axe)"
        if os.environ.get("CI"):
            pytest.fail(message + " and CI is set")
        pytest.skip(message)
    return AXE_JS


def violations(page) -> list[str]:
    """axe's WCAG 2.1 A and AA violations on the page as it is now, one line each (empty: none)."""
    # A click on a link returns once the next page's navigation has committed, maybe before its document has a
    # head to add a script to: axe runs on the page once it has loaded.
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    found = page.evaluate("tags => axe.run(document, {runOnly: tags}).then(r => r.violations.map(v => "
                          "({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))", RULES)
    return [f"{v['id']}: {v['help']} at {', '.join(v['nodes'][:5])}" for v in found]
