"""The tables of a database and their rows, and its schema revision, read through a plain DB-API
connection (sqlite3 on a copy, psycopg inside a snapshot, or one of the application's own)."""
from __future__ import annotations

# The tables of the database: SQLite's own (sqlite_sequence, sqlite_stat1) are not the platform's.
_TABLES = {
    "sqlite": r"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'",
    "postgresql": "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
}
VERSION_TABLE = "alembic_version"  # Alembic's: the schema revision


def quote(name: str) -> str:
    """A table name as an SQL identifier (the names come from the database's own catalogue)."""
    return '"' + name.replace('"', '""') + '"'


def row_counts(connection, kind: str) -> dict[str, int]:
    """Rows per table, every table of the database, counted in one statement (one moment of it)."""
    cursor = connection.cursor()
    try:
        cursor.execute(_TABLES[kind])
        names = sorted(row[0] for row in cursor.fetchall())
        if not names:
            return {}
        counts = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {quote(name)}" for i, name in enumerate(names))
        cursor.execute(counts)
        return {names[i]: count for i, count in cursor.fetchall()}
    finally:
        cursor.close()


def schema_revision(connection, kind: str) -> str | None:
    """The Alembic revision of the schema (heads joined by commas), or None for a database without one."""
    cursor = connection.cursor()
    try:
        cursor.execute(_TABLES[kind])
        if VERSION_TABLE not in {row[0] for row in cursor.fetchall()}:
            return None
        cursor.execute(f"SELECT version_num FROM {VERSION_TABLE} ORDER BY version_num")
        return ",".join(row[0] for row in cursor.fetchall()) or None
    finally:
        cursor.close()
