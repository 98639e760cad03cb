"""How much of a certificate holder's name the public verification page shows (LMS_VERIFY_SHOWS)."""
from __future__ import annotations


def initials(name: str | None) -> str | None:
    """"Olena Kovalenko" -> "O. K.", "Maria-Magdalena Popescu" -> "M.-M. P.", in any script; None stays None."""
    if not name or not name.strip():
        return None
    words = []
    for word in name.split():
        parts = [p for p in word.split("-") if p]
        if parts:
            # The letter as written: upper-casing would turn Georgian letters into Mtavruli capitals.
            words.append("-".join(f"{p[0]}." for p in parts))
    return " ".join(words) or None


def holder_for_verification(holder_name: str | None, shows: str) -> str | None:
    """What /verify shows of the holder: the full name, or initials (the default); nothing once anonymised."""
    if shows == "name":
        return holder_name or None
    return initials(holder_name)
