"""Images made for the tests: photographs as a camera writes them (with EXIF and GPS), diagrams,
decompression bombs and files that only pretend to be images."""
from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw

GPS_IFD = 0x8825


def photo(width: int = 2400, height: int = 1600, seed: int = 1, fmt: str = "JPEG", gps: bool = True,
          orientation: int | None = None) -> bytes:
    """A photograph-like picture (smooth light, shapes, grain): compresses like a real photo, not like a
    flat test card. JPEG by default, with a GPS position and a camera serial number in its EXIF."""
    rng = random.Random(seed)
    small = Image.new("RGB", (max(1, width // 2), max(1, height // 2)))
    draw = ImageDraw.Draw(small)
    for y in range(small.height):  # a sky-to-ground gradient
        t = y / small.height
        draw.line([(0, y), (small.width, y)], fill=(int(90 + 120 * t), int(140 + 60 * t), int(200 - 120 * t)))
    for _ in range(6000 * width * height // (2400 * 1600) + 10):  # detail, as much per pixel at any size
        x, y = rng.randrange(small.width), rng.randrange(small.height)
        r = rng.randrange(2, max(3, small.width // 30))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(30, 230) for _ in range(3)))
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    # About as much detail as a real photograph: 2400 x 1600 gives WebP of ~110 KB at 1200 px, ~40 KB at 600.
    image = Image.blend(image, grain, 0.15)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0xA431] = "SERIAL-0042"  # BodySerialNumber
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)}  # Kyiv
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, quality=92, exif=exif.tobytes())
    return out.getvalue()


def diagram(width: int = 800, height: int = 500, alpha: bool = False) -> bytes:
    """A flat PNG diagram (few colours, sharp edges), transparent around the shapes when `alpha`."""
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (0, 0, 0, 0) if alpha else "white")
    draw = ImageDraw.Draw(image)
    for i, colour in enumerate(("#0b5394", "#38761d", "#990000")):
        draw.rectangle([i * width // 3 + width // 20, height // 8, (i + 1) * width // 3 - width // 40,
                        height - height // 8], fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG of a few hundred bytes whose header declares width x height pixels (10 billion by default):
    decoding it would take tens of gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)  # the start of the first row; never read that far
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n"
