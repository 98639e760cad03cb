"""Every catalogue under lms/translations: complete, nothing fuzzy, placeholders as in the English source, plural
forms as the language needs, and the key terms of its glossary used the same way in every string.

A glossary (`lms/translations/<lang>/glossary.md`) is a Markdown table whose rows are
`| English term | translation | stem checked | note |`. Where the third cell holds a stem, every message whose
English text contains the term (a whole word, any case; placeholders such as `%(course)s` are not words) must
contain the stem in its translation (any case); the
stem is the part shared by the term's inflected forms, so a declension passes and another word does not. Where the
English word has another sense in some message, the row's note names that message's context (msgctxt) as
`other sense: CONTEXT` (several separated by commas), and those messages are not held to the stem: the attempts of
a mail's delivery are not a quiz's attempts.

A message with a context is a second meaning of the same English text: the test at the end proves that the split
matters (the two meanings are translated differently), and that a page counts with the language's plural forms.
"""
from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif%]|\{[A-Za-z_][A-Za-z0-9_]*\}")
ROW = re.compile(r"^\|(?P<cells>.+)\|\s*$")
OTHER_SENSE = re.compile(r"other sense:\s*(?P<contexts>[^;|)]+)")


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def template():
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def glossary(language: str) -> list[tuple[str, str, str, set[str]]]:
    """(English term, translation, stem, contexts of another sense) of each row of the language's glossary; the
    header rows are skipped."""
    path = TRANSLATIONS / language / "glossary.md"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if not match:
            continue
        cells = [c.strip() for c in match["cells"].split("|")]
        if len(cells) < 3 or set(cells[0]) <= set("-: ") or cells[0].lower() in ("english", "english term", "term"):
            continue
        note = OTHER_SENSE.search(cells[3]) if len(cells) > 3 else None
        others = {c.strip() for c in note["contexts"].split(",")} if note else set()
        rows.append((cells[0], cells[1], cells[2].strip("`"), others))
    return rows


def test_the_catalogues_are_found():
    assert "uk" in LANGUAGES and len(LANGUAGES) >= 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    source = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    po = catalogue(language)
    missing = []
    for message in po:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    present = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
    assert not (source - present), f"{language}: not in the catalogue, e.g. {sorted(source - present)[:3]}"
    assert not missing, f"{language}: {len(missing)} untranslated or fuzzy, e.g. {missing[:3]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_plural_forms_match_the_source(language):
    po = catalogue(language)
    # The first form may leave the number out only where the language gives that form to 1 alone (Ukrainian
    # and Russian give it to 21, 31, ... too; Armenian to 0 and 1).
    rule = gettext.c2py(po.plural_expr)
    only_one_number = [n for n in range(200) if rule(n) == 0] == [1]
    wrong = []
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, str):
            if message.string and placeholders(message.string) != placeholders(message.id):
                wrong.append(message.id)
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(forms) != po.num_plurals or any(
                f and placeholders(f) != placeholders(message.id[1]) and not (
                    index == 0 and only_one_number and set(placeholders(f)) <= set(placeholders(message.id[1])))
                for index, f in enumerate(forms)):
            wrong.append(message.id[0])
    assert not wrong, f"{language}: {len(wrong)} messages whose placeholders differ, e.g. {wrong[:3]}"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_the_glossary_terms_are_used_the_same_way_everywhere(language):
    path = TRANSLATIONS / language / "glossary.md"
    assert path.is_file(), f"{language}: no glossary.md"
    terms = glossary(language)
    assert len(terms) >= 15, f"{language}: the glossary fixes only {len(terms)} terms"
    po = catalogue(language)
    departures = []
    for english, _translation, stem, other_senses in terms:
        if not stem:
            continue
        word = re.compile(rf"\b{re.escape(english)}", re.IGNORECASE)
        for message in po:
            if not message.id or message.context in other_senses:
                continue
            ids = (message.id,) if isinstance(message.id, str) else message.id
            strings = (message.string,) if isinstance(message.string, str) else message.string
            if any(word.search(PLACEHOLDER.sub("", i)) for i in ids) and not any(stem.lower() in (s or "").lower() for s in strings):
                departures.append(f"{english!r} in {ids[0][:60]!r}")
    assert not departures, f"{language}: {len(departures)} strings depart from the glossary, e.g. {departures[:5]}"


# English words that mean two things, split by context (msgctxt): each pair is translated differently in Ukrainian,
# so the split matters (one translation would be wrong in one of the two places).
SPLIT = [("Name", "person's name", "name of a thing"), ("Enrol", "enrol oneself", "enrol someone"),
         ("Late", "attendance mark", "handed in late"), ("Completed", "completion date", "enrolment status"),
         ("Expired", "certificate", "export")]


@pytest.mark.parametrize(("english", "first", "second"), SPLIT, ids=[s[0] for s in SPLIT])
def test_a_word_with_two_meanings_is_two_messages_translated_apart(english, first, second):
    contexts = {m.context for m in template() if m.id == english}
    assert {first, second} <= contexts, f"{english!r} has the contexts {contexts}"
    assert None not in contexts, f"{english!r} is still used without a context somewhere"
    po = catalogue("uk")
    one, other = po.get(english, context=first), po.get(english, context=second)
    assert one.string and other.string and one.string != other.string, (english, one.string, other.string)
