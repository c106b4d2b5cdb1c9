"""How every SQLite connection is set up, by SQLAlchemy's engine (`db.make_engine`) and by the read path that runs
without it (`read/sqlite_fast`): one definition, plain Python (no SQLAlchemy), so that both paths read a database
under the same settings."""

from __future__ import annotations

from typing import Any

BUSY_TIMEOUT_MS = 30_000

# Foreign keys on; a writer waits for another up to the busy timeout; the write-ahead log, so that readers never
# wait for a writer; and its usual durability (a commit survives a crash of the process, not of the machine).
PRAGMAS = ("PRAGMA foreign_keys=ON", f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}", "PRAGMA journal_mode=WAL",
           "PRAGMA synchronous=NORMAL")


def configure(dbapi_connection: Any) -> None:
    """Set up a new `sqlite3` connection: transactions begun explicitly (`BEGIN`, or `BEGIN IMMEDIATE` for a
    writer; pysqlite's own handling off), and the PRAGMAS."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
