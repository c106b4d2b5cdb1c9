"""Writing many rows fast, inside the caller's transaction, the same way on SQLite and PostgreSQL.

The ORM costs tens of microseconds a row; a bulk import writes millions of rows. `BulkWriter` sends plain
tuples through the session's own DBAPI connection, so the rows belong to the command's one transaction (a
failure later rolls them back with everything else):

- SQLite: multi-row `INSERT … VALUES (…), (…), …` statements. One statement per row (`executemany`) costs
  twice as much here, because SQLite evaluates the `kind IN (…)` checks once per statement, and the FTS5 index
  behind `event_search`'s triggers flushes its pending terms at the end of every statement.
- PostgreSQL: `COPY … FROM STDIN` (psycopg 3), the server's bulk-load path.

Indexes cost most when rows arrive in an order unrelated to the index (dates, actors), and PostgreSQL checks
a foreign key with a query per row: `defer_checks` drops the secondary indexes (and, on PostgreSQL, the
foreign keys; on SQLite, the trigger that feeds each new search text to the FTS5 index, which is then built
in one pass) of the tables being loaded and makes them again, with the exact definitions the database
recorded, before the transaction ends — the way `pg_restore` loads data. Values are passed as the
database stores them: dates as ISO text ("1961-06-04"), booleans as bool, absent values as None.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from sqlalchemy.orm import Session

# Values per INSERT statement on SQLite: enough that per-statement costs (the FTS5 flush above all) vanish,
# within SQLite's bound-variable limit (32766 since 3.32, 999 before).
_SQLITE_VARIABLES = 30000 if sqlite3.sqlite_version_info >= (3, 32) else 999

# SQLite: the FTS5 indexes kept in step with a table by an AFTER INSERT trigger (migration 0001), as
# table → (trigger, FTS5 table). `defer_checks` drops the trigger and builds the index once at the end.
_SQLITE_FULL_TEXT = {"event_search": ("event_search_ai", "events_fts")}


def _statement_sizes(total: int, most: int) -> list[int]:
    """How many rows each INSERT takes: powers of two, the largest that `most` allows while there are as many
    rows, then smaller ones (1000 rows, at most 2048: 512, 256, 128, 64, 32, 8). Statements of a few sizes
    only are prepared (and cached, by SQLite and here): one per number of rows would fill memory with prepared
    statements of thousands of placeholders. (The importer's chunks of 2048 rows take one statement.)"""
    most = 1 << (max(1, most).bit_length() - 1)
    sizes = [most] * (total // most)
    rest = total % most
    while rest:
        size = 1 << (rest.bit_length() - 1)
        sizes.append(size)
        rest -= size
    return sizes


class BulkWriter:
    """Bulk inserts and id reservation on the session's connection (and so in its transaction)."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        driver, dbapi = self.connection.connection.driver_connection, self.connection.dialect.dbapi
        if driver is None or dbapi is None:  # (a live session's connection always has both)
            raise RuntimeError("bulk writing needs the session's DBAPI connection")
        # The driver's own connection (sqlite3 or psycopg): typed Any, as SQLAlchemy types it, since the two
        # drivers' APIs differ (`execute` on the connection, `copy` on the cursor…).
        self._dbapi: Any = driver
        self._driver_error: type[Exception] = dbapi.Error
        self._quote = self.connection.dialect.identifier_preparer.quote
        self._statements: dict[tuple[str, tuple[str, ...], int], str] = {}

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def _errors(self, statement: str | None = None) -> Iterator[None]:
        """The driver's own errors as SQLAlchemy's (IntegrityError…), as if the session had run the statement."""
        from sqlalchemy.exc import DBAPIError

        base = self._driver_error
        try:
            yield
        except base as exc:
            raise DBAPIError.instance(statement, None, exc, base, dialect=self.connection.dialect) from exc

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        """Insert `rows` (tuples in the order of `columns`) into `table`."""
        if not rows:
            return
        with self._errors(f"INSERT INTO {table}"):
            if self.sqlite:
                self._insert_sqlite(table, tuple(columns), rows)
            else:
                self._copy(table, columns, rows)

    def _insert_sqlite(self, table: str, columns: tuple[str, ...], rows: Sequence[Sequence]) -> None:
        cursor = self._dbapi.cursor()
        try:
            start = 0
            for count in _statement_sizes(len(rows), max(1, _SQLITE_VARIABLES // len(columns))):
                part = rows[start:start + count]
                cursor.execute(self._values_statement(table, columns, count), list(chain.from_iterable(part)))
                start += count
        finally:
            cursor.close()

    def _values_statement(self, table: str, columns: tuple[str, ...], count: int) -> str:
        key = (table, columns, count)
        statement = self._statements.get(key)
        if statement is None:
            one = "(" + ",".join("?" * len(columns)) + ")"
            statement = self._statements[key] = (
                f"INSERT INTO {self._quote(table)} ({', '.join(self._quote(c) for c in columns)}) VALUES "
                + ",".join([one] * count))
        return statement

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        statement = f"COPY {self._quote(table)} ({', '.join(self._quote(c) for c in columns)}) FROM STDIN"
        with self._dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def existing(self, table: str, column: str, values: Sequence) -> set:
        """Which of `values` the (indexed) `column` of `table` already holds."""
        column = self._quote(column)
        return {row[0] for row in self.fetch(f"SELECT {column} FROM {self._quote(table)}", column, values)}

    def fetch(self, select: str, column: str, values: Sequence, tail: str = "") -> list[tuple]:
        """The rows of `select` (SQL without WHERE) whose `column` is one of `values` — asked a thousand values
        at a time, then `tail` (e.g. ORDER BY) — as plain tuples, as the driver returns them: on SQLite dates
        are ISO text and booleans 0 or 1."""
        found: list[tuple] = []
        listed = list(values)
        for start in range(0, len(listed), 1000):
            part = listed[start:start + 1000]
            cursor = self._dbapi.cursor()
            try:
                with self._errors(select):
                    if self.sqlite:
                        cursor.execute(f"{select} WHERE {column} IN ({','.join('?' * len(part))}) {tail}", part)
                    else:  # one array parameter: PostgreSQL plans it once, not a list of a thousand
                        cursor.execute(f"{select} WHERE {column} = ANY(%s) {tail}", (part,))
                    found += cursor.fetchall()
            finally:
                cursor.close()
        return found

    def next_ids(self, table: str, count: int) -> list[int]:
        """`count` new values for `table`'s integer primary key `id`, never given to another writer.

        SQLite: the write transaction (BEGIN IMMEDIATE) excludes every other writer, so the ids after the
        largest one are free. PostgreSQL: taken from the column's sequence, as a default would take them.
        """
        if count <= 0:
            return []
        if self.sqlite:
            last = self._dbapi.execute(f"SELECT max(id) FROM {self._quote(table)}").fetchone()[0] or 0
            return list(range(last + 1, last + 1 + count))
        with self._dbapi.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           (table, count))
            return [row[0] for row in cursor.fetchall()]

    @contextmanager
    def large_cache(self, mebibytes: int = 64) -> Iterator[None]:
        """On SQLite, a page cache of `mebibytes` for the block (the default, 2 MiB, makes a large load spill
        pages of the unique indexes to the WAL over and over); the connection's own setting after it."""
        if not self.sqlite:
            yield
            return
        before = self._dbapi.execute("PRAGMA cache_size").fetchone()[0]
        self._dbapi.execute(f"PRAGMA cache_size = {-int(mebibytes) * 1024}")
        try:
            yield
        finally:
            self._dbapi.execute(f"PRAGMA cache_size = {int(before)}")

    # --- indexes --------------------------------------------------------------------------------------------

    def secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the indexes on `tables` that enforce nothing (not unique, no key)."""
        if self.sqlite:
            marks = ",".join("?" * len(tables))
            found = self._dbapi.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
                "AND sql IS NOT NULL ORDER BY name", list(tables)).fetchall()
            return [(name, sql) for name, sql in found if not sql.upper().startswith("CREATE UNIQUE")]
        with self._dbapi.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname", (list(tables),))
            return cursor.fetchall()

    def foreign_keys(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """PostgreSQL: (table, name, definition) of the foreign keys of `tables`."""
        with self._dbapi.cursor() as cursor:
            cursor.execute(
                "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' AND t.relname = ANY(%s) "
                "AND t.relnamespace = current_schema()::regnamespace ORDER BY t.relname, c.conname", (list(tables),))
            return cursor.fetchall()

    def full_text_triggers(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """SQLite: (name, CREATE statement, FTS5 table) of the triggers that index the new rows of `tables`
        in a full-text index, one row at a time."""
        found = []
        for table in tables:
            if table in _SQLITE_FULL_TEXT:
                name, index = _SQLITE_FULL_TEXT[table]
                row = self._dbapi.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? "
                                          "AND tbl_name = ?", (name, table)).fetchone()
                if row is not None and row[0]:
                    found.append((name, row[0], index))
        return found

    def defer_checks(self, tables: Sequence[str]) -> Callable[[], None]:
        """Drop what slows a bulk load of `tables`; return the function that restores it all.

        Dropped: the secondary indexes, and on PostgreSQL the foreign keys too, which it checks with a
        trigger and a query per row (SQLite checks them in-process, cheaply); on SQLite, the trigger that adds
        each new row to the FTS5 index (PostgreSQL's GIN index is a secondary index). Restoring creates the
        indexes again, on SQLite rebuilds the full-text index from its table in one pass and creates the
        trigger again as it was recorded, and adds the foreign keys back — PostgreSQL then checks every row at
        once, so a bad reference still fails the load — and, on PostgreSQL, refreshes the planner's statistics
        of the tables, which would otherwise describe them as they were before the load.

        Both databases have transactional DDL: when the load fails, the caller's rollback undoes the drops.
        On PostgreSQL the tables stay locked against readers until the transaction ends.
        """
        indexes = self.secondary_indexes(tables)
        keys = [] if self.sqlite else self.foreign_keys(tables)
        full_text = self.full_text_triggers(tables) if self.sqlite else []
        for table, name, _ in keys:
            self._execute(f"ALTER TABLE {self._quote(table)} DROP CONSTRAINT {self._quote(name)}")
        for name, _ in indexes:
            self._execute(f"DROP INDEX {self._quote(name)}")
        for name, _, _ in full_text:
            self._execute(f"DROP TRIGGER {self._quote(name)}")

        def restore() -> None:
            if self.sqlite:
                # Let SQLite sort with helper threads while it builds the indexes (a per-connection setting).
                threads = self._dbapi.execute("PRAGMA threads").fetchone()[0]
                self._dbapi.execute("PRAGMA threads = 4")
            else:
                # Room to build the indexes (the full-text GIN index above all) in memory, for this transaction.
                self._execute("SET LOCAL maintenance_work_mem = '256MB'")
            try:
                for _, create in indexes:
                    self._execute(create)
            finally:
                if self.sqlite:
                    self._dbapi.execute(f"PRAGMA threads = {int(threads)}")
            for _, create, index in full_text:
                # (external content: 'rebuild' reads every row of the table again and indexes it in one pass)
                self._execute(f"INSERT INTO {self._quote(index)}({self._quote(index)}) VALUES ('rebuild')")
                self._execute(create)
            for table, name, definition in keys:
                self._execute(f"ALTER TABLE {self._quote(table)} ADD CONSTRAINT {self._quote(name)} {definition}")
            if not self.sqlite:
                self.analyze(tables)

        return restore

    def analyze(self, tables: Sequence[str]) -> None:
        """PostgreSQL: refresh the planner's statistics of `tables`, which a bulk load makes stale (its lock,
        SHARE UPDATE EXCLUSIVE, keeps neither readers nor writers waiting)."""
        self._execute(f"ANALYZE {', '.join(self._quote(t) for t in tables)}")

    def _execute(self, statement: str) -> None:
        with self._errors(statement):
            if self.sqlite:
                self._dbapi.execute(statement)
            else:
                with self._dbapi.cursor() as cursor:
                    cursor.execute(statement)
