"""Absolute links for things shown outside the page (set-password links, certificates)."""
from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, on LMS_PUBLIC_URL when it is set, else on the request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
