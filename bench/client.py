"""A browser without JavaScript inside the process: Flask's test client, signed in through the
sign-in page (CSRF included), each request in its own context as in production (its own `g`
and database session, whatever context the caller holds)."""
from __future__ import annotations

import contextvars
import re
from pathlib import Path

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_FILE_NAME = re.compile(r'filename="?([^";]+)')


class BenchClient:
    """A test client; `sign_in` makes it a signed-in user's browser."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url: str, **kwargs):
        return contextvars.Context().run(self.client.get, url, **kwargs)

    def post(self, url: str, **kwargs):
        return contextvars.Context().run(self.client.post, url, **kwargs)

    def sign_in(self, email: str, password: str) -> BenchClient:
        page = self.get("/login").get_data(as_text=True)
        match = _CSRF.search(page)
        if match is None:
            raise RuntimeError("no CSRF token on the sign-in page")
        response = self.post("/login", data={"email": email, "password": password, "csrf_token": match.group(1)})
        if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
            raise RuntimeError(f"could not sign in as {email} (was the bench data generated?)")
        return self

    def page(self, url: str) -> int:
        """GET a page that must answer 200; returns its size in bytes."""
        response = self.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return len(response.get_data())

    def download(self, url: str, lines: bool = False) -> int:
        """GET a (streamed) download and read it to the end without keeping it; returns its bytes
        (or, with `lines`, how many line ends it has)."""
        def fetch():
            response = self.client.get(url, buffered=False)
            try:
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                if lines:
                    return sum(chunk.count(b"\n") for chunk in response.iter_encoded())
                return sum(len(chunk) for chunk in response.iter_encoded())
            finally:
                response.close()

        return contextvars.Context().run(fetch)

    def save(self, url: str, path: Path) -> tuple[Path, str]:
        """GET a (streamed) download that must answer 200 into the file `path`; returns the path and the
        file name the response gives (Content-Disposition)."""
        def fetch():
            response = self.client.get(url, buffered=False)
            try:
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                with path.open("wb") as file:
                    for chunk in response.iter_encoded():
                        file.write(chunk)
                match = _FILE_NAME.search(response.headers.get("Content-Disposition", ""))
                return path, match.group(1) if match else ""
            finally:
                response.close()

        return contextvars.Context().run(fetch)
