"""The items a course's modules hold, and the one definition of a live item.

A module holds lessons (this feature's own) and items of other features, such as quizzes. Each kind
is described once by an `ItemKind` (its model, the page that shows one, the extra facts the outline
carries) and registered by the application (`register`), so the outline, previous/next and the
links between items follow every kind without this feature knowing the others.

An item is live when it is not retired and its module is not retired either: only live items are
shown, counted, required for completion and reported. `live` is that rule as an SQL condition;
`live_items` a SELECT of a kind's live items.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_, literal, null, select

from lms.catalog.models import Lesson, Module


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the columns compare as SQL
class ItemKind:
    """A kind of item a module holds.

    `model` is a mapped class with `id`, `course_id`, `module_id`, `slug`, `title`, `position` and
    `retired`; `endpoint` the page of one item, whose arguments are the course's `slug` and the item's
    slug under `slug_arg`. `minutes` and `is_final` are the model's columns for the outline's reading
    time and final-assessment flag, or None when the kind has none. Items of different kinds at the
    same position are ordered by `rank`.
    """

    name: str
    model: type
    endpoint: str
    slug_arg: str
    rank: int
    minutes: object = None
    is_final: object = None


LESSON = ItemKind("lesson", Lesson, "learning.lesson", "lesson", rank=0, minutes=Lesson.minutes)

_KINDS: dict[str, ItemKind] = {LESSON.name: LESSON}


def register(kind: ItemKind) -> None:
    """Add a kind of item (the application does, once per kind; registering it again changes nothing)."""
    _KINDS[kind.name] = kind


def kinds() -> tuple[ItemKind, ...]:
    """Every registered kind, in rank order."""
    return tuple(sorted(_KINDS.values(), key=lambda k: k.rank))


def kind_named(name: str) -> ItemKind:
    """The registered kind of this name."""
    return _KINDS[name]


def module_of(model):
    """The ON clause that joins an item of `model` to its module."""
    return Module.id == model.module_id


def live(model):
    """SQL condition: an item of `model` is live (not retired, in a module that is not retired). The
    statement joins `Module` on `module_of(model)`."""
    return and_(model.retired.is_(False), Module.retired.is_(False))


def live_items(model, *columns):
    """SELECT of `columns` (default: the id) of the live items of `model`."""
    return select(*(columns or (model.id,))).select_from(model).join(Module, module_of(model)).where(live(model))


def outline_rows(kind: ItemKind, course_id: int):
    """SELECT of a course's live items of `kind` as the outline reads them: id, slug, title, position,
    module id, minutes and is_final (NULL where the kind has none)."""
    model = kind.model
    minutes = kind.minutes if kind.minutes is not None else null()
    is_final = kind.is_final if kind.is_final is not None else literal(False)
    return live_items(model, model.id, model.slug, model.title, model.position, model.module_id,
                      minutes.label("minutes"), is_final.label("is_final")).where(model.course_id == course_id)


def item_url(course, item) -> str:
    """The page of an outline item (a lesson, a quiz, ...) of `course`."""
    kind = _KINDS[item.kind]
    return url_for(kind.endpoint, slug=course.slug, **{kind.slug_arg: item.slug})
