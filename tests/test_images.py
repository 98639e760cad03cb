"""The one parser of uploaded images (lms.core.images): the type read from the content, bounds in bytes
and pixels, resizing to the widths kept, WebP out, every piece of metadata stripped."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from lms.core.images import MAX_BYTES, WIDTHS, ImageRefused, dimensions, prepare, read_bounded
from tests.images import HTML_PAGE, diagram, photo, png_bomb


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_large_photo_becomes_webp_at_each_width_without_its_metadata():
    original = photo(2400, 1600)
    assert opened(original).getexif().get_ifd(0x8825)  # the camera wrote where it was
    prepared = prepare(original)
    assert (prepared.source_format, prepared.source_width, prepared.source_height) == ("JPEG", 2400, 1600)
    assert [(r.width, r.height) for r in prepared.renditions] == [(1200, 800), (600, 400)]
    for rendition in prepared.renditions:
        image = opened(rendition.data)
        assert image.format == "WEBP" and image.size == (rendition.width, rendition.height)
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        assert "icc_profile" not in image.info
        assert b"SERIAL-0042" not in rendition.data and b"TestCam" not in rendition.data
    assert len(prepared.renditions[1].data) < len(prepared.renditions[0].data) / 2 < len(original) / 8


def test_the_content_decides_the_type_not_the_name():
    # A PNG that was renamed .jpg is read (and accepted) as PNG: the name never reaches prepare().
    assert prepare(diagram()).source_format == "PNG"
    webp = io.BytesIO()
    Image.new("RGB", (300, 200), "navy").save(webp, format="WEBP")
    assert prepare(webp.getvalue()).source_format == "WEBP"


@pytest.mark.parametrize("data", [
    HTML_PAGE, b"GIF89a" + bytes(100), b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"%PDF-1.7\n", b"", bytes(2000)], ids=["html", "gif", "svg", "pdf", "empty", "zeros"])
def test_what_is_not_png_jpeg_or_webp_is_refused(data):
    with pytest.raises(ImageRefused) as refused:
        prepare(data)
    assert refused.value.code == "not_an_image"


def test_a_gif_is_refused_even_when_it_is_a_real_image():
    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, format="GIF")
    with pytest.raises(ImageRefused, match="not_an_image"):
        prepare(gif.getvalue())


def test_a_decompression_bomb_is_refused_from_its_header_at_once():
    bomb = png_bomb()
    assert len(bomb) < 1000
    started = time.process_time()  # CPU time: a machine busy with other work does not change it
    with pytest.raises(ImageRefused) as refused:
        prepare(bomb)
    assert refused.value.code == "too_many_pixels" and time.process_time() - started < 0.5
    with pytest.raises(ImageRefused, match="too_many_pixels"):
        prepare(png_bomb(9000, 5000))  # 45 million: under Pillow's own limit, over ours
    assert dimensions(bomb) is None


def test_a_truncated_image_is_refused_as_damaged():
    data = photo(800, 600)
    with pytest.raises(ImageRefused) as refused:
        prepare(data[: len(data) // 2])
    assert refused.value.code in ("damaged", "not_an_image")


def test_uploads_are_read_no_further_than_the_limit():
    class Endless(io.RawIOBase):
        def __init__(self):
            self.given = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\0" * len(buffer)
            self.given += len(buffer)
            return len(buffer)

    endless = Endless()
    with pytest.raises(ImageRefused) as refused:
        read_bounded(io.BufferedReader(endless, buffer_size=65536))
    assert refused.value.code == "too_many_bytes" and refused.value.params == {"max_mb": MAX_BYTES // 2**20}
    assert endless.given < MAX_BYTES + 2 * 65536
    assert read_bounded(io.BytesIO(b"abc")) == b"abc"
    with pytest.raises(ImageRefused, match="too_many_bytes"):
        prepare(b"\x89PNG" + bytes(MAX_BYTES))


def test_small_images_are_kept_at_their_size_and_transparency_survives():
    prepared = prepare(diagram(500, 300, alpha=True))
    assert [(r.width, r.height) for r in prepared.renditions] == [(500, 300)]  # never enlarged, no copy
    image = opened(prepared.renditions[0].data)
    assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0


def test_an_image_between_the_widths_keeps_its_width_and_gets_one_copy():
    prepared = prepare(diagram(900, 450))
    assert [r.width for r in prepared.renditions] == [900, WIDTHS[1]]


def test_the_exif_orientation_is_applied_before_it_is_stripped():
    # Stored 400 x 300 with "rotate 90" (orientation 6): shown, and now stored, 300 x 400.
    prepared = prepare(photo(400, 300, orientation=6))
    assert (prepared.renditions[0].width, prepared.renditions[0].height) == (300, 400)


@pytest.mark.parametrize("scale", [1, 4, 16])
def test_time_grows_with_the_pixels_not_faster(scale):
    """x1, x4, x16 the pixels: the work stays within a linear budget. CPU time, not the clock: other
    work on a busy machine does not count."""
    side = {1: 1, 4: 2, 16: 4}[scale]
    data = photo(600 * side, 400 * side, gps=False)
    started = time.process_time()
    prepare(data)
    assert time.process_time() - started < 0.5 * scale
