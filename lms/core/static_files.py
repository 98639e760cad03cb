"""Static files under addresses that name their content, cached by browsers for a year.

Every `url_for("static", filename=...)` gets `?v=` and the first characters of the SHA-256 of the file
(`add_version`, a URL default of the application): `/static/css/site.css?v=3f9a0c1d2e4b`. A changed file
gets a new address, so an address can be cached "forever": the answer to a request that names the file's
current version carries `Cache-Control: public, max-age=31536000, immutable` (`cache_versioned`), and a
repeat visit asks the server for none of them, not even a revalidation. A request without a version, or
with an old one (a page cached before a release), gets Flask's default instead: `no-cache` with an ETag,
revalidated each time, so that no browser keeps old content under an address for a year.

The digest of a file is computed once and kept until its modification time or size changes (checked
with one stat, far cheaper than rendering the URL). Files referenced from a style sheet (the web fonts of
georgian.css and armenian.css) have no version in their address and are revalidated (a 304 of a few
hundred bytes). The page frame keeps its static addresses per process (lms.main.frame): a file changed
under a running server is named anew after a restart, as a release does. This module knows no feature.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request

# What a versioned address may be cached for: a year (the most RFC 9111 caches are asked to keep anything),
# `immutable` so that browsers do not revalidate it even on a reload.
IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_ARG = "v"
# 12 hexadecimal characters (48 bits): two versions of one file never meet in practice.
VERSION_LENGTH = 12

# (path) -> (mtime_ns, size, version)
_versions: dict[str, tuple[int, int, str]] = {}


def file_version(path: str) -> str | None:
    """The version of the file at `path` (the start of its SHA-256), or None when there is no such file."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    known = _versions.get(path)
    if known and known[0] == stat.st_mtime_ns and known[1] == stat.st_size:
        return known[2]
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(64 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return None
    version = digest.hexdigest()[:VERSION_LENGTH]
    _versions[path] = (stat.st_mtime_ns, stat.st_size, version)
    return version


def static_version(filename: str) -> str | None:
    """The version of a file of the application's static folder (None when it has none or is missing)."""
    folder = current_app.static_folder
    if not folder or not filename:
        return None
    path = _static_path(folder, filename)
    return file_version(path) if path else None


@lru_cache(maxsize=512)
def _static_path(folder: str, filename: str) -> str | None:
    # Resolved once per name (a bounded cache: a static file's request names one too): resolving both paths
    # took 40 µs of lstat calls on every link to a script, more than the rest of its line of the page. The
    # file's version is still checked against its size and time on each call.
    path = os.path.realpath(os.path.join(folder, filename))
    return path if path.startswith(os.path.realpath(folder) + os.sep) else None  # "../" names nothing of ours


def add_version(endpoint: str | None, values: dict) -> None:
    """URL default: the static file's version as `?v=`, unless the caller gave one."""
    if endpoint == "static" and VERSION_ARG not in values:
        version = static_version(values.get("filename", ""))
        if version:
            values[VERSION_ARG] = version


def cache_versioned(response):
    """After a static file's request: a year's caching when the address names the file's current version."""
    if request.endpoint == "static" and response.status_code in (200, 304):
        asked = request.args.get(VERSION_ARG)
        if asked and asked == static_version(request.view_args.get("filename", "") if request.view_args else ""):
            response.headers["Cache-Control"] = IMMUTABLE
    return response


def init_static_files(app: Flask) -> None:
    """Versioned static addresses, and their caching."""
    app.url_defaults(add_version)
    app.after_request(cache_versioned)
