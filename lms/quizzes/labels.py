"""Translated words of the quiz engine: the names of question kinds, and what the pages say about how a
numeric answer reads (`grading.read_number`)."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.quizzes import grading

KIND_LABELS = {
    "single_choice": _l("Single choice"), "multiple_choice": _l("Multiple choice"), "true_false": _l("True or false"),
    "short_text": _l("Short answer"), "numeric": _l("Numeric"),
}


def kind_label(kind: str) -> str:
    """The translated name of a question kind."""
    return KIND_LABELS.get(kind, kind)


def ambiguous_number(typed: str) -> str:
    """Why a numeric answer was not saved, and how to write each number it may mean."""
    reading = grading.read_number(typed)
    whole, spaced, decimal = grading.suggestions(reading)
    return _("“%(typed)s” was not saved: it can mean %(whole)s or %(decimal)s. Write %(whole)s or %(spaced)s "
             "for the whole number, or %(decimal)s for the decimal one.",
             typed=typed, whole=whole, spaced=spaced, decimal=decimal)


def number_note(item: dict, response) -> str | None:
    """What the question page says under a saved numeric answer that does not read as a number."""
    if item["kind"] != "numeric" or grading.read_number(response).problem != "not_a_number":
        return None
    return _("This answer is not read as a number, so it would score 0. Write only the number, such as 12.5.")


def number_review_note(item: dict, response) -> str | None:
    """Why a numeric answer scored nothing when it does not read as one number (the review page)."""
    if item["kind"] != "numeric":
        return None
    reading = grading.read_number(response)
    if reading.problem == "ambiguous":
        whole, _spaced, decimal = grading.suggestions(reading)
        return _("Not counted: “%(typed)s” can mean %(whole)s or %(decimal)s.",
                 typed=response, whole=whole, decimal=decimal)
    if reading.problem == "not_a_number":
        return _("Not counted: this answer is not read as a number.")
    return None


def response_text(item: dict | None, response) -> str:
    """A saved response as the trainee chose it: the chosen choices' texts, true or false, or the text typed."""
    if response is None or response == [] or response == "":
        return _("no answer")
    if isinstance(response, bool):
        return _("True") if response else _("False")
    if isinstance(response, list):
        texts = {c["id"]: c["text"] for c in (item or {}).get("choices", [])}
        return "; ".join(str(texts.get(choice, choice)) for choice in response)
    return str(response)
