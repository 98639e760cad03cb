"""A person's browser for the journeys that follow several people at once: a context of the one headless
Chromium, signed in on the sign-in page, with what the journeys ask of a page (its main text, a status of an
address typed by hand, axe's findings, whether it fits a phone's screen) and what went wrong on the way (an
answer of 500 or more: a fault of the server, whatever the page then shows)."""
from __future__ import annotations

from tests.axe import violations
from tests.helpers import PASSWORD

PHONE = {"width": 390, "height": 844}


class Person:
    """One person's browser; axe's findings and the server's faults go to `found`, shared by the journey."""

    def __init__(self, chromium, base: str, email: str, found: list[str], **options):
        self.base, self.found = base, found
        self.context = chromium.new_context(bypass_csp=True, accept_downloads=True, **options)  # axe is injected
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)  # a missing link fails in seconds, not after playwright's 30
        self.page.on("response", lambda r: found.append(f"{email}: {r.status} {r.url}") if r.status >= 500 else None)
        self.page.goto(f"{base}/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.page.click("main button[type=submit]")
        assert "/login" not in self.page.url, f"{email} could not sign in"

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def click(self, selector: str) -> None:
        """Click, and when that leads to another page, wait until it has loaded: a click returns once the next
        page's navigation has committed, maybe before its deferred scripts have run, and a field filled then
        sends its input event to no listener (an assignment's draft was never saved so)."""
        self.page.click(selector)
        self.page.wait_for_load_state()

    def main(self) -> str:
        """The main part of the page as read, its white space folded."""
        return " ".join(self.page.inner_text("main").split())

    def status(self, path: str) -> int:
        """The status of a GET of `path` with this person's cookies, redirects not followed."""
        return self.context.request.get(f"{self.base}{path}", max_redirects=0).status

    def axe(self, what: str) -> None:
        """axe's WCAG 2.1 A/AA violations on the page as it is now, noted under `what`."""
        self.found.extend(f"{what}: {v}" for v in violations(self.page))

    def fits(self) -> bool:
        """Nothing on the page is wider than a phone's screen (no sideways scrolling)."""
        return self.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
