"""The client's address and scheme, behind the reverse proxies the operator says are there.

Behind nginx every connection comes from the proxy; the client's address is in `X-Forwarded-For`,
which anyone can also send. So the application believes exactly as many entries of it, counted from
the right (the ones the trusted proxies appended), as LMS_TRUSTED_PROXIES says, through Werkzeug's
ProxyFix; with 0 (the default) it believes none. Everything that reads the client's address then reads
`request.remote_addr` and gets the same answer: the per-address sign-in limit, the audit log,
session protection and the networks that may read /metrics (lms.core.metrics).
"""
from __future__ import annotations

from hashlib import sha512

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the headers of `TRUSTED_PROXIES` proxies (none when 0).

    The host and the path prefix are not taken from headers: the documented deployment passes the
    Host header through and serves the site at the root, and links that leave the site use
    LMS_PUBLIC_URL.
    """
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def session_identifier() -> str:
    """What ties a signed-in session to its browser for Flask-Login's strong session protection: the
    client's address and user agent.

    Flask-Login's own reads the first entry of `X-Forwarded-For`, which the client writes: a stolen
    session cookie sent with the victim's address in that header would pass. This one reads the
    address the trusted proxies vouch for.
    """
    base = f"{request.remote_addr}|{request.headers.get('User-Agent')}"
    return sha512(base.encode("utf-8")).hexdigest()
