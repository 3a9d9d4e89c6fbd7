"""Backup and restore of a whole node, and the move from SQLite to PostgreSQL.

One archive (tar.gz) holds a manifest, every table of the models as JSON lines, and the
uploaded files the database refers to. The same portable dump is taken on SQLite (from a
snapshot made with SQLite's online backup API) and on PostgreSQL (one REPEATABLE READ,
READ ONLY transaction), so a backup restores into either database: restoring a SQLite
backup into PostgreSQL is the move to PostgreSQL.

- rows.py      table rows to JSON lines and back (column types, insert order)
- archive.py   the manifest; writing the archive; reading it with every check first
- take.py      `take_backup()`: a consistent dump while the node keeps serving
- restore.py   `restore()`: onto an empty data directory and database, counts checked
- commands.py  `commons backup`, `commons restore`, `commons migrate-database`

Derived indexes are not in the archive: restore rebuilds the search index; the harvest
dumps and the SPARQL index are rebuilt by the worker and the SPARQL process from the
harvest records, which are tables and so are in the archive.
"""

from __future__ import annotations


class BackupError(Exception):
    """A backup cannot be taken or restored; the message is one line for the admin."""
