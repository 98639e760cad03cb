"""Bulk writers of generated rows: SQLAlchemy Core executemany in large batches (any database),
and COPY through psycopg's `cursor.copy` on PostgreSQL (the fast path).

Rows are tuples in a declared column order; columns a table has and the generator does not give
(added by a later migration, say) get their model default or NULL, so the generator keeps working
when the schema grows. Each table keeps its own count of rows and seconds, for the progress lines.
"""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, DateTime, Float, Numeric, Table
from sqlalchemy.engine import Connection


class JsonText(str):
    """A value already serialised as JSON: written as it is."""

    __slots__ = ()


def json_text(value) -> JsonText:
    """`value` serialised as SQLAlchemy's JSON type does it, marked as done."""
    return JsonText(json.dumps(value))


@dataclass
class TableStats:
    """Rows written to a table and the time spent writing them."""

    rows: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Shape:
    """A table's columns in the generator's order, followed by the columns it leaves to defaults."""

    def __init__(self, table: Table, declared: Sequence[str]):
        unknown = [c for c in declared if c not in table.c]
        if unknown:
            raise ValueError(f"table {table.name} has no column(s) {', '.join(unknown)}")
        self.table = table
        self.declared = list(declared)
        rest = [c for c in table.c if c.name not in declared]
        self.columns = self.declared + [c.name for c in rest]
        self.defaults = tuple(_default(c) for c in rest)
        self.json_positions = [i for i, name in enumerate(self.columns) if isinstance(table.c[name].type, JSON)]

    def complete(self, row: tuple) -> tuple:
        return row + self.defaults if self.defaults else row


def _default(column):
    default = column.default
    if default is None or not getattr(default, "is_scalar", False):
        if default is not None and getattr(default, "is_callable", False):
            return default.arg({})  # e.g. utcnow: the moment of generation
        return None
    return default.arg


class Loader:
    """Writes batches of rows to tables through one connection; the caller commits."""

    def __init__(self, connection: Connection, batch_size: int = 20_000):
        self.connection = connection
        self.batch_size = batch_size
        self.stats: dict[str, TableStats] = {}
        self.shapes: dict[str, Shape] = {}

    def shape(self, table: Table, declared: Sequence[str]) -> Shape:
        key = table.name
        if key not in self.shapes:
            self.shapes[key] = Shape(table, declared)
        return self.shapes[key]

    def write(self, shape: Shape, rows: Iterable[tuple]) -> int:
        """Write `rows` (tuples in the shape's declared order); returns how many."""
        started = time.perf_counter()
        count = self._write(shape, rows)
        stats = self.stats.setdefault(shape.table.name, TableStats())
        stats.rows += count
        stats.seconds += time.perf_counter() - started
        return count

    def write_dicts(self, table: Table, rows: list[dict]) -> int:
        """Write rows given as dicts (the small catalogue tables)."""
        if not rows:
            return 0
        declared = list(rows[0])
        shape = self.shape(table, declared)
        return self.write(shape, (tuple(r[c] for c in declared) for r in rows))

    def _write(self, shape: Shape, rows: Iterable[tuple]) -> int:
        insert = shape.table.insert()
        columns = shape.columns
        count, batch = 0, []
        for row in rows:
            batch.append(dict(zip(columns, shape.complete(row), strict=True)))
            if len(batch) >= self.batch_size:
                self.connection.execute(insert, batch)
                count += len(batch)
                batch = []
        if batch:
            self.connection.execute(insert, batch)
            count += len(batch)
        return count


class SqliteLoader(Loader):
    """SQLite: the compiled INSERT run with executemany on values converted once per column kind
    (timestamps to SQLAlchemy's text form, JSON dumped once per shared object), checked on the
    first row of every table against SQLAlchemy's own conversion."""

    def __init__(self, connection: Connection, batch_size: int = 50_000):
        super().__init__(connection, batch_size)
        self._json = JsonCache()
        self._checked: set[str] = set()

    def _converters(self, shape: Shape) -> list:
        converters = []
        for name in shape.columns:
            kind = shape.table.c[name].type
            if isinstance(kind, JSON):
                converters.append(self._json.dump)
            elif isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
                converters.append(_sqlite_datetime)
            elif isinstance(kind, Numeric) and not isinstance(kind, Float):
                converters.append(_float)
            else:
                converters.append(None)
        return converters

    def _write(self, shape: Shape, rows: Iterable[tuple]) -> int:
        converters = self._converters(shape)
        active = [(i, f) for i, f in enumerate(converters) if f is not None]
        sql = (f'INSERT INTO "{shape.table.name}" ({", ".join(chr(34) + c + chr(34) for c in shape.columns)}) '
               f'VALUES ({", ".join("?" for _ in shape.columns)})')
        count, batch = 0, []
        for row in rows:
            row = list(shape.complete(row))
            if shape.table.name not in self._checked:
                self._check(shape, row)
            for i, convert in active:
                if row[i] is not None:
                    row[i] = convert(row[i])
            batch.append(tuple(row))
            if len(batch) >= self.batch_size:
                self.connection.exec_driver_sql(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            self.connection.exec_driver_sql(sql, batch)
            count += len(batch)
        return count

    def _check(self, shape: Shape, row: list) -> None:
        """The fast conversion must give what SQLAlchemy itself would store."""
        dialect = self.connection.dialect
        for name, value, convert in zip(shape.columns, row, self._converters(shape), strict=True):
            if value is None or convert is None:
                continue
            processor = shape.table.c[name].type._cached_bind_processor(dialect)
            original = json.loads(value) if isinstance(value, JsonText) else value
            expected = processor(original) if processor else original
            if convert(value) != expected:
                raise AssertionError(f"{shape.table.name}.{name}: {convert(value)!r} != {expected!r}")
        self._checked.add(shape.table.name)


def _sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _float(value) -> float:
    return float(value)


class JsonCache:
    """json.dumps as SQLAlchemy does it, once per distinct large object (a quiz's draw is shared)."""

    def __init__(self):
        self._cache: dict[int, tuple[object, str]] = {}

    def dump(self, value) -> str | None:
        if value is None or isinstance(value, JsonText):
            return value
        cached = self._cache.get(id(value))
        if cached is not None and cached[0] is value:
            return cached[1]
        text = json.dumps(value)
        if isinstance(value, list | dict) and len(text) > 200:
            self._cache[id(value)] = (value, text)
        return text


class CopyLoader(Loader):
    """PostgreSQL: COPY ... FROM STDIN with psycopg, JSON values serialised once per distinct object."""

    def __init__(self, connection: Connection, batch_size: int = 20_000):
        super().__init__(connection, batch_size)
        self._json = JsonCache()

    def _write(self, shape: Shape, rows: Iterable[tuple]) -> int:
        raw = self.connection.connection.dbapi_connection
        columns = ", ".join(f'"{c}"' for c in shape.columns)
        positions = shape.json_positions
        dump = self._json.dump
        count = 0
        with raw.cursor() as cursor, cursor.copy(f'COPY "{shape.table.name}" ({columns}) FROM STDIN') as copy:
            write_row = copy.write_row
            for row in rows:
                row = shape.complete(row)
                if positions:
                    row = list(row)
                    for i in positions:
                        row[i] = dump(row[i])
                write_row(row)
                count += 1
        return count


def loader_for(connection: Connection) -> Loader:
    """COPY on PostgreSQL with psycopg 3, executemany of converted rows on SQLite, Core elsewhere."""
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return CopyLoader(connection)
    if connection.dialect.name == "sqlite":
        return SqliteLoader(connection)
    return Loader(connection)
