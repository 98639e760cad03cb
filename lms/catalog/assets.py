"""Course images: their bytes in the platform's storage (lms.core.storage), their facts in `course_assets`.

Every writer of course images goes through here (package import, the lesson editor's upload), and
every reader (the image route, package export, the lesson page). The bytes are stored under
`course-assets/<course id>/<sha256>`: a key names content, so writing it again is harmless, the same
image used in two modules of a course is stored once, and a row can be rolled back without its file
having been overwritten. The file is written before its row; a rollback leaves at worst a file no row
names. A file is deleted only after the commit that removed the last row naming it (`release`).

An image may be kept in several widths: `NAME.wNNN.EXT` beside `NAME.EXT` in a module is NAME.EXT
NNN pixels wide (the lesson editor writes `map.webp` and `map.w600.webp`; a package may hold the same
pair). The Markdown names NAME.EXT; the lesson page offers the copies through srcset (`image_sets`).

The lesson page names each image with its version, the start of its SHA-256 (`version`, `?v=...`), so
that a browser keeps it for a year and a replaced image (new content, new version) is fetched anew.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup
from sqlalchemy import select

from lms.catalog.models import CourseAsset
from lms.core.images import dimensions
from lms.core.markdown import ImageSet, render_markdown
from lms.core.storage import current_storage
from lms.extensions import db

PREFIX = "course-assets"
# "map.w600.webp": a copy of "map.webp" 600 pixels wide.
COPY_NAME = re.compile(r"^(?P<stem>.+)\.w(?P<width>[1-9]\d{1,4})(?P<suffix>\.[A-Za-z0-9]+)$")


def storage_key(course_id: int, sha256: str) -> str:
    """Where the bytes of a course's image are in the storage."""
    return f"{PREFIX}/{course_id}/{sha256}"


def copy_name(name: str, width: int) -> str:
    """The file name of the copy of `name` that is `width` pixels wide ("map.webp" -> "map.w600.webp")."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.w{width}.{suffix}" if dot else f"{name}.w{width}"


def put(course_id: int, path: str, data: bytes, mime_type: str, asset: CourseAsset | None = None) -> tuple[CourseAsset, str | None]:
    """Store an image's bytes, then create its row (added to the session) or update `asset`; nothing is
    committed. Returns the row and the storage key it named before, if that changed: hand it to
    `release` after the commit."""
    digest = hashlib.sha256(data).hexdigest()
    key = storage_key(course_id, digest)
    # Written even when the key exists: a file is never assumed to be there.
    current_storage().put(key, data, content_type=mime_type)
    size = dimensions(data)
    width, height = size if size else (None, None)
    if asset is None:
        asset = CourseAsset(course_id=course_id, path=path)
        db.session.add(asset)
    previous = asset.storage_key if asset.storage_key != key else None
    asset.mime_type, asset.storage_key, asset.sha256, asset.size = mime_type, key, digest, len(data)
    asset.width, asset.height = width, height
    return asset, previous


def release(keys: Iterable[str | None]) -> None:
    """After a commit: delete the files of `keys` that no row names any more."""
    wanted = {key for key in keys if key}
    if not wanted:
        return
    named = set(db.session.scalars(select(CourseAsset.storage_key).where(CourseAsset.storage_key.in_(wanted))))
    storage = current_storage()
    for key in wanted - named:
        storage.delete(key)


def read(asset: CourseAsset) -> bytes:
    """The image's bytes."""
    return current_storage().get(asset.storage_key)


def stream(asset: CourseAsset) -> Iterator[bytes]:
    """The image's bytes in chunks (StorageNotFound at the call when the file is missing)."""
    return current_storage().stream(asset.storage_key)


def module_assets(course_id: int, module_slug: str) -> list[CourseAsset]:
    """The images of one module of a course, by file name."""
    return list(db.session.scalars(select(CourseAsset).where(
        CourseAsset.course_id == course_id, CourseAsset.path.startswith(f"{module_slug}/", autoescape=True))
        .order_by(CourseAsset.path)))


# As long as the static files' versions (lms.core.static_files).
VERSION_LENGTH = 12


def version(asset: CourseAsset) -> str:
    """The version of an image in its address: the start of its SHA-256, which changes with its content."""
    return asset.sha256[:VERSION_LENGTH]


def file_name(asset: CourseAsset) -> str:
    """The image's file name in its module ("map.webp")."""
    return asset.path.partition("/")[2]


def image_sets(assets: Iterable[CourseAsset]) -> tuple[ImageSet, ...]:
    """The images of a module that have smaller copies beside them, for the renderer's srcset."""
    by_name = {file_name(a): a for a in assets}
    copies: dict[str, list[tuple[str, int]]] = {}
    for name, asset in by_name.items():
        match = COPY_NAME.match(name)
        if match and asset.width:
            copies.setdefault(match["stem"] + match["suffix"], []).append((name, asset.width))
    sets = []
    for name, smaller in sorted(copies.items()):
        original = by_name.get(name)
        if original is not None and original.width and original.height:
            narrower = tuple(sorted(c for c in smaller if c[1] < original.width))
            if narrower:
                sets.append(ImageSet(name, original.width, original.height, narrower))
    return tuple(sets)


@dataclass(frozen=True)
class ModuleImage:
    """An image of a module as the lesson editor lists it: once, with the widths of its smaller copies."""

    name: str
    width: int | None
    height: int | None
    size: int  # bytes of this file (the copies not counted)
    copies: tuple[int, ...]


def _original_of(name: str, names: set[str]) -> str | None:
    """The original that `name` is a smaller copy of, when it is one and the original is there."""
    match = COPY_NAME.match(name)
    original = match["stem"] + match["suffix"] if match else None
    return original if original in names else None


def module_image_list(course_id: int, module_slug: str) -> list[ModuleImage]:
    """The module's images for the editor's list, by name; a copy is shown under its original."""
    assets = module_assets(course_id, module_slug)
    names = {file_name(a) for a in assets}
    copies: dict[str, list[int]] = {}
    for name in names:
        original = _original_of(name, names)
        if original:
            copies.setdefault(original, []).append(int(COPY_NAME.match(name)["width"]))
    return [ModuleImage(file_name(a), a.width, a.height, a.size, tuple(sorted(copies.get(file_name(a), []))))
            for a in assets if not _original_of(file_name(a), names)]


def lesson_html(course_slug: str, course_id: int, module_slug: str, body: str | None) -> Markup:
    """A lesson's text as its page shows it: relative images pointed at the module's images, and those
    kept in several widths offered through srcset, each named with its version. The lesson page and the
    editor's preview both use it."""
    text = body or ""
    # Only a text that shows an image needs the module's images: one query fewer for most lessons.
    found = module_assets(course_id, module_slug) if ("![" in text or "<img" in text.lower()) else []
    return render_markdown(text, asset_base=url_for("catalog.asset", slug=course_slug, path=module_slug),
                           images=image_sets(found), versions=tuple((file_name(a), version(a)) for a in found))
