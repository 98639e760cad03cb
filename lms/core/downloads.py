"""A stored file sent as a download: the one way the platform hands out files people uploaded.

Always an attachment (a PDF carrying script, or an HTML file renamed, is never shown inline), with the type
stored when the file was checked (never sniffed by the browser), never cached, its name in both the ASCII
`filename` and the RFC 6266 `filename*` forms so that Cyrillic, Georgian or Armenian names survive.

A download whose length and content are known (a certificate, a course package, a stored file) is
*resumable*: `Accept-Ranges: bytes`, a strong ETag naming its content, and Werkzeug's conditional handling
(`make_conditional`), so that a download cut by an outage goes on where it stopped: `Range: bytes=N-`
answers 206 with the rest and its `Content-Range`, a range past the end answers 416, and `If-Range` with an
old ETag (the file changed meanwhile) answers the whole new file (200), never a mix of the two. A
streamed export whose length is not known before its last row (`lms.reports.downloads`) cannot resume.
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from flask import abort, current_app, request

from lms.core.storage import StorageNotFound, current_storage


def attachment(chunks, name: str, mime_type: str, size: int | None = None, etag: str | None = None):
    """A response sending `chunks` (bytes or an iterable of them) as the download `name`. With `size` and
    `etag` (a strong validator of exactly these bytes) it answers Range and conditional requests."""
    response = current_app.response_class(chunks, mimetype=mime_type)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    if size is not None:
        response.headers["Content-Length"] = str(size)
        if etag is not None:
            response.set_etag(etag)
            # Werkzeug skips to the range's start in the chunks (read, not sent) and stops at its end.
            response.make_conditional(request, accept_ranges=True, complete_length=size)
    return response


def resumable(data: bytes, name: str, mime_type: str):
    """`data` made in this request (a PDF, a zip) as a resumable download: its ETag is its SHA-256, so a
    resumed download continues only the same bytes (a document made again identically has the same ETag)."""
    return attachment(data, name, mime_type, len(data), hashlib.sha256(data).hexdigest())


def send_stored(key: str, name: str, mime_type: str, size: int | None = None):
    """The file stored under `key` as the download `name`, resumable; 404 when the storage has lost it.

    A key's file is written once and never rewritten in place (uploads and exports get new keys, course
    images are named by their digest), so the key is a strong validator of the bytes."""
    storage = current_storage()
    try:
        if size is None:
            size = storage.size(key)
        chunks = storage.stream(key)
    except StorageNotFound:
        abort(404)
    return attachment(chunks, name, mime_type, size, key_etag(key))


def key_etag(key: str) -> str:
    """The ETag of the file stored under `key`: a digest of the key (see `send_stored`), which says nothing
    of where the file is kept."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]
