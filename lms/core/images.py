"""Images people upload: the real type read from the content, bounded, then resized and recompressed
for slow links.

`prepare` is the one parser of an uploaded image. It trusts neither the file name nor the type the
browser sends: Pillow reads the content and only PNG, JPEG and WebP are accepted. It is bounded in
bytes (`MAX_BYTES`, read no further) and in pixels (`MAX_PIXELS`, checked from the header before
anything is decoded, so a decompression bomb, a few kilobytes that declare billions of pixels, costs
nothing). What comes out is WebP at `QUALITY`, at most `WIDTHS[0]` pixels wide and again at each
smaller width of `WIDTHS` that is narrower than the image, turned upright by its EXIF orientation and
stripped of all metadata (EXIF with GPS positions, camera serial numbers, XMP, comments).

This module knows no feature.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

ACCEPTED = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_BYTES = 10 * 1024 * 1024
# 40 million pixels: a 7,700 x 5,200 photograph. Decoded as RGBA that is 160 MB, the most a worker
# should hold for one upload; Pillow's own bomb limit (89 million, an error only at twice that) is
# far above it.
MAX_PIXELS = 40_000_000
# The widths kept, largest first: the largest is the image the lesson names, the others are offered
# to narrow screens through srcset. An image narrower than a width is never enlarged to it.
WIDTHS = (1200, 600)
QUALITY = 80
OUTPUT_MIME = "image/webp"
OUTPUT_SUFFIX = ".webp"


class ImageRefused(ValueError):
    """An upload that is not an acceptable image. `code` says why (for a translated message):
    "too_many_bytes", "not_an_image", "too_many_pixels" or "damaged"; `params` fill the message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Rendition:
    """One size of a prepared image: WebP bytes and their dimensions."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class PreparedImage:
    """What an upload became: the format it was read as, its original size, and its renditions,
    largest first."""

    source_format: str  # "PNG", "JPEG" or "WEBP", as read from the content
    source_width: int
    source_height: int
    renditions: tuple[Rendition, ...]


def read_bounded(stream: BinaryIO, max_bytes: int = MAX_BYTES) -> bytes:
    """At most `max_bytes` of an uploaded file; ImageRefused("too_many_bytes") when there is more.
    Reads one byte past the limit, never the rest."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRefused("too_many_bytes", max_mb=max_bytes // (1024 * 1024))
    return data


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=tuple(ACCEPTED))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("too_many_pixels", max_megapixels=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRefused("not_an_image") from None
    if image.width < 1 or image.height < 1:
        raise ImageRefused("damaged")
    if image.width * image.height > MAX_PIXELS:
        raise ImageRefused("too_many_pixels", max_megapixels=MAX_PIXELS // 1_000_000)
    return image


def _decode(image: Image.Image) -> Image.Image:
    """The first frame, decoded upright, in sRGB, as RGB (or RGBA when it has transparency)."""
    if image.format == "JPEG":
        # JPEG decodes straight to a smaller scale (1/2, 1/4, 1/8) that is still at least the width
        # kept once the image is upright: a 24-megapixel photograph then costs a quarter of the memory
        # and time. Orientations 5 to 8 turn the stored height into the shown width.
        turned = image.getexif().get(0x0112) in (5, 6, 7, 8)
        shown_width, shown_height = (image.height, image.width) if turned else (image.width, image.height)
        wanted = (min(shown_width, WIDTHS[0]), max(1, shown_height * min(shown_width, WIDTHS[0]) // shown_width))
        image.draft("RGB", wanted[::-1] if turned else wanted)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, EOFError):
        raise ImageRefused("damaged") from None
    profile = image.info.get("icc_profile")
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    if profile:
        # The profile is dropped with the other metadata: the colours are converted to sRGB first, so
        # that a photograph from a wide-gamut camera keeps its look. A broken profile is ignored.
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(converted, source, ImageCms.createProfile("sRGB"),
                                                  outputMode=converted.mode) or converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return converted


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or xmp= given: Pillow writes none of them, so nothing of the original's
    # metadata survives.
    image.save(out, format="WEBP", quality=QUALITY, method=6)
    return out.getvalue()


def prepare(data: bytes) -> PreparedImage:
    """Check an uploaded image and make its renditions (see the module's description).

    Raises ImageRefused for a file over MAX_BYTES, one that is not PNG, JPEG or WebP whatever its
    name, one of more than MAX_PIXELS pixels, and one that cannot be decoded.
    """
    if len(data) > MAX_BYTES:
        raise ImageRefused("too_many_bytes", max_mb=MAX_BYTES // (1024 * 1024))
    with _open(data) as image:
        source_format, width, height = image.format, image.width, image.height
        decoded = _decode(image)
    renditions = []
    for index, target in enumerate(WIDTHS):
        if index and decoded.width <= target:
            continue  # no smaller copy of an image that is already this narrow
        scale = min(1.0, target / decoded.width)
        size = (max(1, round(decoded.width * scale)), max(1, round(decoded.height * scale)))
        sized = decoded if size == decoded.size else decoded.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        renditions.append(Rendition(sized.width, sized.height, _webp(sized)))
    return PreparedImage(source_format, width, height, tuple(renditions))


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a raster image's header, without decoding it; None for what Pillow
    does not read (SVG, damaged files) or for a size beyond MAX_PIXELS."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                size = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return None
    if size[0] < 1 or size[1] < 1 or size[0] * size[1] > MAX_PIXELS:
        return None
    return size
