"""Compressed responses (brotli or gzip, as the browser asks) for what holds no secret: static files, the
API's JSON, CSV exports; never HTML pages.

Flask-Compress compresses complete answers and static files. A streamed answer of a view (a CSV export
written row by row) is compressed here, chunk by chunk, so that it still streams: Flask-Compress would wrap
it in `stream_with_context`, which keeps the request's context, and so its database session and any
transaction, open until the last row is sent, where the export's own generator takes care to hold
nothing of the request (lms.reports.downloads). This module decides *which* responses are compressed:

- `COMPRESSED_TYPES` only: text that shrinks (CSS, JavaScript, JSON, CSV, SVG, plain text). PDFs, zips,
  XLSX, WebP and WOFF2 are compressed already; compressing them again costs time and saves nothing.
- Never `text/html`, because of BREACH: every page carries the CSRF token (the language switcher and the
  sign-out button are on every page) and text a visitor can put into it (the page's own address is written
  back into the switcher's `next` field; search words, form values). With compression, the length of the
  encrypted response then tells an attacker who can make a victim's browser ask for chosen addresses, and
  can see the traffic, whether a guess shares characters with the token: the token can be read a few
  characters at a time. Flask-WTF's token does not vary per response (the signed part is the same secret
  for the whole session, and each process shows one signature of it: lms.core.csrf_tokens), and masking it
  per response would protect the token but not the other personal data a signed-in page shows. Pages are small (a
  lesson's HTML is about 7.5 KB) and never cached, and everything around them (style sheet, scripts,
  images) is cached for a year, so leaving them uncompressed is the safe default: docs/security.md and
  docs/performance.md.
- Not a resumable download (an attachment answering Range requests, lms.core.downloads: a stored CSV
  export): a range counts the file's own bytes, and a download resumed after a compressed answer would
  join two different byte streams. A streamed export (no length, no ranges) is compressed as it streams.
- Only complete answers (200): a 206 part of a file must be the bytes it says it is (Content-Range counts
  the file's own bytes), and a 304 has no body.

Set LMS_COMPRESSION=0 to switch it off (a reverse proxy that compresses itself, or a test of raw sizes).
This module knows no feature.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import brotli
from flask import Flask, current_app, request
from flask_compress import Compress

# What may be compressed, by media type (the part before any "; charset=...").
COMPRESSED_TYPES = (
    "text/css", "text/javascript", "application/javascript", "application/json", "application/problem+json",
    "text/csv", "text/plain", "text/calendar", "image/svg+xml", "image/vnd.microsoft.icon",
)
# Brotli first (site.css: 3.6 KB against gzip's 3.9 KB; browsers offer it over https only), gzip for the
# rest. The same two for streamed static files: Flask-Compress leaves gzip out of its streaming default, but
# its streamed gzip is an ordinary zlib stream that every browser reads.
ALGORITHMS = ["br", "gzip"]
# Below this many bytes the headers of a compressed response outweigh what it saves.
MIN_SIZE = 500
# Brotli's quality 5 and gzip's level 6: well past the knee of size against time for small text.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6

_compress = Compress()


def init_compression(app: Flask) -> None:
    """Compress eligible responses (see the module's description) unless LMS_COMPRESSION is off."""
    app.config.setdefault("COMPRESSION", True)
    app.config.update(
        COMPRESS_REGISTER=False,  # our own hook decides which responses Flask-Compress may touch
        COMPRESS_MIMETYPES=list(COMPRESSED_TYPES), COMPRESS_ALGORITHM=ALGORITHMS,
        COMPRESS_ALGORITHM_STREAMING=ALGORITHMS, COMPRESS_STREAMS=True, COMPRESS_MIN_SIZE=MIN_SIZE,
        COMPRESS_BR_LEVEL=BROTLI_QUALITY, COMPRESS_LEVEL=GZIP_LEVEL,
        # A compressed static file's ETag gets ":br" or ":gzip"; Flask-Compress answers the browser's
        # If-None-Match with that ETag itself (304), after the compression.
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=True)
    _compress.init_app(app)
    app.after_request(compress_response)


def compressible(response) -> bool:
    """Whether `response` may be compressed: a complete answer, of a type in COMPRESSED_TYPES, not encoded
    already, not a HEAD (Werkzeug sends a HEAD's headers only)."""
    resumable = ("Accept-Ranges" in response.headers
                 and response.headers.get("Content-Disposition", "").startswith("attachment"))
    return (current_app.config["COMPRESSION"] and response.status_code == 200
            and response.mimetype in COMPRESSED_TYPES and not resumable
            and "Content-Encoding" not in response.headers and request.method != "HEAD")


def compress_response(response):
    """After every request: compress an eligible response with brotli or gzip, as Accept-Encoding prefers
    (or not at all), and say `Vary: Accept-Encoding`. A view's streamed answer here, the rest by
    Flask-Compress."""
    if not compressible(response):
        return response
    if response.is_streamed and request.endpoint != "static":
        return compress_stream(response)
    return _compress.after_request(response)


def compress_stream(response):
    """Compress a streamed response as it is sent, holding nothing of the request."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Accept-Encoding"
    algorithm = request.accept_encodings.best_match(ALGORITHMS)
    if algorithm is None:
        return response
    source = response.response
    response.direct_passthrough = False
    response.response = _compressed(response.iter_encoded(), algorithm, source)
    response.headers["Content-Encoding"] = algorithm
    response.headers.pop("Content-Length", None)
    return response


def _compressed(chunks: Iterator[bytes], algorithm: str, source: Iterable) -> Iterator[bytes]:
    """`chunks` compressed as they come; the source is closed however the sending ends."""
    if algorithm == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        step, finish = compressor.process, compressor.finish
    else:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # the gzip wrapper
        step, finish = compressor.compress, compressor.flush
    try:
        for chunk in chunks:
            if out := step(chunk):
                yield out
        if out := finish():
            yield out
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
