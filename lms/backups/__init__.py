"""Backups of a whole site, and their restore: `lms backup FILE` and `lms restore FILE [--force]`.

One archive (a tar file, gzip-compressed when its name ends in `.tar.gz` or `.tgz`) holds:

    database/lms.sqlite3   SQLite: a copy made by SQLite's online backup API (consistent while the site writes)
    database/lms.pgdump    PostgreSQL: `pg_dump -Fc` of a snapshot
    files/<key>            every file of the storage (lms.core.storage), under its key
    manifest.json          what the archive is: the schema revision, the kind of database, the rows of each
                           table, the platform version, when it was made, and the SHA-256 of every member

The package knows no feature: it copies every table and every file, whatever they hold.
`archive` reads and writes the archive, `sqlite` and `postgres` copy each kind of database, `tables`
counts rows, `services` puts them together, and `cli` is the command line.
"""
