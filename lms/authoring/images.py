"""Images in the lesson editor: an upload checked and resized (lms.core.images), named safely within its
module and stored with the course exactly as a package's image is (lms.catalog.assets); and the check
of a lesson's images that the preview shows, before publishing would refuse them.
"""
from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import BinaryIO

from lms.audit import services as audit
from lms.authoring.slugs import unique_slug
from lms.catalog import assets as course_assets
from lms.catalog.models import Course, Module
from lms.core.images import OUTPUT_MIME, OUTPUT_SUFFIX, prepare, read_bounded
from lms.core.markdown import image_references, markdown_image
from lms.extensions import db

log = logging.getLogger("lms.authoring")


@dataclass(frozen=True)
class UploadedImage:
    """An image added to a module: its file name there (what the Markdown names), the format its
    content was read as, its size as uploaded, and the widths kept (largest first)."""

    name: str
    source_format: str
    source_width: int
    source_height: int
    widths: tuple[int, ...]

    def markdown(self, alt: str) -> str:
        """The Markdown that shows the image with this alternative text."""
        return markdown_image(alt, self.name)


@dataclass(frozen=True)
class ImageProblem:
    """An image of a lesson that publishing would refuse: its line, source, and what is wrong: "outside"
    (a web address or inline data), "missing" (no such image in the module) or "no_alt"."""

    line: int
    src: str
    code: str


def _stems(names: set[str]) -> set[str]:
    """The file names' stems, a copy counting as its original ("map.w600.webp" -> "map")."""
    stems = set()
    for name in names:
        match = course_assets.COPY_NAME.match(name)
        stems.add(match["stem"] if match else name.rsplit(".", 1)[0])
    return stems


def add_lesson_image(course: Course, module: Module, upload: BinaryIO, filename: str | None, actor) -> UploadedImage:
    """Check an uploaded image, resize and recompress it, and keep it with the module's images.

    Raises lms.core.images.ImageRefused (nothing stored) for a file that is too large, not a PNG,
    JPEG or WebP image whatever its name, of too many pixels, or damaged. The image is named after the
    uploaded file's name, made safe and unique in the module (`map.webp`, `map-2.webp`...); each smaller
    width is a copy beside it (`map.w600.webp`). Audited, and committed on its own: the lesson's
    text is the author's to save.
    """
    prepared = prepare(read_bounded(upload))
    names = {course_assets.file_name(a) for a in course_assets.module_assets(course.id, module.slug)}
    stem_source = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem_source = stem_source.rsplit(".", 1)[0] if "." in stem_source.lstrip(".") else stem_source
    name = unique_slug(stem_source, _stems(names), "image") + OUTPUT_SUFFIX
    for index, rendition in enumerate(prepared.renditions):
        file = name if index == 0 else course_assets.copy_name(name, rendition.width)
        course_assets.put(course.id, f"{module.slug}/{file}", rendition.data, OUTPUT_MIME)
    course.package_hash = None  # the course changed: the next package import of it is not a no-op
    widths = tuple(r.width for r in prepared.renditions)
    audit.record("course.image_added", actor=actor, target=course, path=f"{module.slug}/{name}",
                 source_format=prepared.source_format, widths=list(widths),
                 bytes=sum(len(r.data) for r in prepared.renditions))
    db.session.commit()
    log.info("image %s/%s added to course %s (%s, %dx%d)", module.slug, name, course.slug,
             prepared.source_format, prepared.source_width, prepared.source_height)
    return UploadedImage(name, prepared.source_format, prepared.source_width, prepared.source_height, widths)


def image_problems(course: Course, module_slug: str, body: str | None) -> list[ImageProblem]:
    """What the package check would say of the images of a lesson in this module, found now: images
    outside the course, names that are not among the module's images, Markdown images without
    alternative text."""
    references = image_references((body or "").replace("\r\n", "\n"))
    if not references:
        return []
    names = {course_assets.file_name(a) for a in course_assets.module_assets(course.id, module_slug)}
    problems = []
    for reference in references:
        if reference.outside:
            problems.append(ImageProblem(reference.line, reference.src, "outside"))
            continue
        # As the package check resolves it: a file in the module's own folder.
        if posixpath.normpath(reference.src) not in names:
            problems.append(ImageProblem(reference.line, reference.src, "missing"))
        if reference.alt is not None and not reference.alt.strip():
            problems.append(ImageProblem(reference.line, reference.src, "no_alt"))
    return problems


def insert_image(body: str | None, markdown: str, at: int | None = None) -> str:
    """The lesson's text with an image's Markdown as a paragraph of its own: after the line holding
    position `at` (where the author's cursor was), or at the end when there is no such position."""
    text = (body or "").replace("\r\n", "\n")
    if at is None or not 0 <= at <= len(text):
        at = len(text)
    line_end = text.find("\n", at)
    at = len(text) if line_end < 0 else line_end
    before, after = text[:at].rstrip("\n"), text[at:].lstrip("\n")
    return (f"{before}\n\n" if before.strip() else "") + markdown + (f"\n\n{after}" if after.strip() else "\n")
