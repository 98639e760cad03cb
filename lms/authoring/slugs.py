"""Slugs for items created in the browser: readable, unique within their course."""
from __future__ import annotations

import re
import unicodedata

# Ukrainian and Russian letters spelt in Latin, so Cyrillic titles give readable slugs.
CYRILLIC = dict(zip("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяэыъё",
                    ["a", "b", "v", "h", "g", "d", "e", "ie", "zh", "z", "y", "i", "i", "i", "k", "l", "m", "n",
                     "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "iu", "ia", "e", "y",
                     "", "io"]))


def slugify(text: str, fallback: str = "item") -> str:
    """Lower-case ASCII words joined by hyphens, at most 60 characters."""
    text = "".join(CYRILLIC.get(ch, ch) for ch in (text or "").lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")
    return slug or fallback


def unique_slug(text: str, taken: set[str], fallback: str = "item") -> str:
    """`slugify(text)`, with -2, -3... added when it is taken."""
    base = slugify(text, fallback)
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug
