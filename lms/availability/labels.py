"""What pages say about availability: why an item is locked and when it opens, in the reader's language;
and why rules were refused, for the editor."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.availability.queries import ItemState, Reason
from lms.availability.rules import RulesError
from lms.core import when
from lms.core.numbers import percent


def reason_text(reason: Reason) -> str:
    """One reason an item is locked, as a sentence ("Opens on 3 March 2027.")."""
    if reason.code == "waiting":
        return _("You are on the waiting list of this course's run: it opens once you have a place.")
    if reason.code == "date":
        return _("Opens on %(date)s.", date=when.format_date(reason.opens_on, "long"))
    if reason.code == "lesson":
        return _("After you read “%(title)s”.", title=reason.title)
    if reason.code == "quiz" and reason.percent is not None:
        return _("After you pass “%(title)s” with %(percent)s.", title=reason.title, percent=percent(reason.percent))
    if reason.code == "quiz":
        return _("After you pass “%(title)s”.", title=reason.title)
    return _("After you complete the course “%(title)s”.", title=reason.title)


def reason_texts(state: ItemState) -> list[str]:
    """Every reason an item is locked, as sentences (none when it is open)."""
    return [reason_text(reason) for reason in state.reasons]


def ended_text() -> str:
    """Why no new quiz attempt starts after the run has ended."""
    return _("The run has ended; ask your coordinator or trainer for an extension.")


def refusal_text(error: RulesError, names: dict) -> str:
    """Why the editor refused rules; `names` gives the title of each item by (kind, id)."""
    details = error.details
    if error.code == "too_many":
        return _("An item can wait for at most %(max)d conditions.", max=details["max"])
    if error.code == "two_dates":
        return _("Choose one date: a day, or a number of days after the run's start.")
    if error.code == "bad_percent":
        return _("A minimum score is a whole percent from 0 to 100.")
    if error.code == "bad_days":
        return _("The number of days after the run's start is from 0 to %(max)d.", max=details["max"])
    if error.code == "same_item":
        return _("The same item is named twice.")
    if error.code == "other_course":
        return _("An item can only wait for lessons and quizzes of its own course.")
    if error.code == "own_course":
        return _("An item cannot wait for its own course to be completed.")
    if error.code == "unknown_course":
        return _("There is no course with the short name “%(slug)s”.", slug=details["slug"])
    path = " → ".join(f"“{names.get(key, key)}”" for key in details["path"])
    return _("These rules would make items wait for each other, so none of them would ever open: %(path)s. "
             "Nothing was saved.", path=path)
