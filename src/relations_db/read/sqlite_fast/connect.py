"""The fast path's connection: an SQLite file that exists and is at the schema head, set up as SQLAlchemy's
engine sets up its connections (`store/sqlite_setup.py`), in one read transaction (`BEGIN`)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from relations_db.errors import DatabaseError
from relations_db.store import sqlite_setup

_PREFIX = "sqlite:///"


def sqlite_path(url: str) -> str | None:
    """The file of a plain `sqlite:///path` URL, or None for anything else (a query string, memory, a URI)."""
    if not url.startswith(_PREFIX) or "?" in url:
        return None
    path = url[len(_PREFIX):]
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def open_current(url: str, head: str) -> sqlite3.Connection | None:
    """A connection to the SQLite file of `url` in a read transaction, when the file exists and its schema is at
    `head`; else None (a new, outdated or foreign database, or one that cannot be opened: the SQLAlchemy path
    then migrates and seeds it, or says what is wrong, as it always has)."""
    path = sqlite_path(url)
    if path is None or not os.path.isfile(os.path.expanduser(path)):
        return None
    conn = None
    try:
        # mode=rw: never create a file (the SQLAlchemy path creates and seeds a new database)
        conn = sqlite3.connect(f"file:{quote(os.path.expanduser(path))}?mode=rw", uri=True,
                               timeout=sqlite_setup.BUSY_TIMEOUT_MS / 1000)
        sqlite_setup.configure(conn)
        conn.execute("BEGIN")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        if conn is not None:
            conn.close()
        return None
    if row is None or row[0] != head:
        conn.close()
        return None
    return conn


@contextmanager
def reading(url: str, head: str) -> Iterator[sqlite3.Connection | None]:
    """`open_current` for a block, its transaction ended and the connection closed after it; an `sqlite3` error
    inside becomes a DatabaseError (a message, as the SQLAlchemy path's errors are)."""
    conn = open_current(url, head)
    if conn is None:
        yield None
        return
    try:
        yield conn
    except sqlite3.Error as exc:
        raise DatabaseError(f"database error: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}") \
            from None
    finally:
        try:
            conn.execute("ROLLBACK")  # (it only read)
        except sqlite3.Error:
            pass
        conn.close()
