"""PostgreSQL's way of the CSV export: the server writes the raw cells as CSV (`COPY (...) TO STDOUT`).

The cells are those of `statement.csv_statement`; this process reads them back (csv.reader, in C) and writes
the rows with `stream.write_rows`, which makes the sources, the notes and the date as a reader sees it by the
one Python rule (`domain`), as on SQLite.

Every event is exported in two date halves, on one snapshot: this process reads the first, a worker process
(`main`, started as SQLite's parts are, `parts.start_worker`) the second into a temporary file, copied in after
the first. Each server process sorts its half while the other is read, and the Python work on the rows (a few
microseconds each: reading the CSV, the notes, the date as shown) is done on both cores at once.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from relations_db.formats.csv import parts, stream
from relations_db.formats.csv.statement import SHORTS, csv_statement
from relations_db.formats.csv.stream import HEADER, Cells, Progress, Selection, write_rows

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Dialect, Engine
    from sqlalchemy.orm import Session

_BLOCKS = 1000  # COPY sends a message per row: they are decoded and written this many at a time


def copy_csv(export: Selection, out: TextIO, cells: Cells, progress: Progress = None) -> int:
    """The header and every row of `export` (a `writer.CsvExport`); returns how many rows.

    Every event (no filter, no limit) is copied as two date halves (`in_halves`); anything else is one COPY on
    the session's own connection. Parallel plans are turned off for the transaction: each of their workers would
    build the whole actors and sources aggregates again.
    """
    from sqlalchemy import text

    session = export.session
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    halves = date_halves(session) if export.everything else None
    if halves is not None:
        written = in_halves(session, halves, out, cells, progress)
        if written is not None:
            return written
    out.write(HEADER)
    connection = session.connection().connection.dbapi_connection
    dialect = session.get_bind().dialect
    copy = _Copy(connection, copy_query(connection, csv_statement("postgresql", export.where, export.limit), dialect))
    with ExitStack() as stack:
        # Stopped when anything fails (a full disk, before or while the COPY is read): the connection must be
        # free again before the transaction ends.
        stack.callback(copy.close)
        return write_rows(_records(copy), out, cells, progress)


def in_halves(session: Session, halves: list[Any], out: TextIO, cells: Cells,
              progress: Progress = None) -> int | None:
    """The header and the rows of two date halves (`date_halves`), read on two new connections that import the
    session's snapshot, so that the halves are one consistent export: the first here, the second by a worker
    process, which the session's transaction outlives (a snapshot can be taken up only while it is open).
    Returns how many rows, or None, having written nothing, when no worker can be started (no interpreter to
    start, or connection arguments that cannot be sent to one)."""
    import psycopg
    from sqlalchemy import text

    from relations_db.errors import DatabaseError

    snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    engine = session.get_bind().engine  # (a session bound to a connection: its engine)
    dialect = engine.dialect
    own = session.connection().connection.dbapi_connection
    first, second = (copy_query(own, csv_statement("postgresql", [half], None), dialect) for half in halves)
    cargs, cparams = dialect.create_connect_args(engine.url)
    # (SQLAlchemy's type adapters, `context`, stay here: the worker reads text only)
    cparams = {name: value for name, value in cparams.items() if name != "context"}
    with tempfile.TemporaryDirectory(prefix="relations-db-export-") as scratch, ExitStack() as stack:
        target = os.path.join(scratch, "part-1.csv")
        job = {"connect": [list(cargs), cparams], "snapshot": snapshot, "query": second, "target": target}
        try:
            workers = [(parts.start_worker(job, __name__), target)]
        except (OSError, TypeError):  # (TypeError: an argument JSON cannot carry, given by the URL's query)
            return None
        stack.callback(parts.stop, workers)
        try:
            connection = stack.enter_context(_connection_in_snapshot(engine, snapshot))
        except psycopg.Error as error:  # (the session's own connection worked a moment ago)
            raise DatabaseError(f"PostgreSQL could not export: {parts.first_line(str(error))}") from None
        copy = _Copy(connection, first)
        stack.callback(copy.close)
        out.write(HEADER)
        done = write_rows(_records(copy), out, cells, progress)
        return parts.copy_parts(workers, out, done, progress)


def copy_query(connection: Any, statement: Select, dialect: Dialect) -> str:
    """`COPY (statement) TO STDOUT (FORMAT csv)` with its parameters merged on this side (COPY takes none on
    the server), as psycopg's client-side cursor merges them."""
    import psycopg

    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return psycopg.ClientCursor(connection).mogrify(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params)


class _Copy:
    """`COPY (statement) TO STDOUT (FORMAT csv)` on a psycopg connection, spoken through libpq directly.

    psycopg's Copy object costs a generator round trip per row (about 6 µs; 2 µs this way), and it waits for
    the server's first answer when it starts, where sending the query (`copy_query`) here returns at once.
    """

    def __init__(self, connection: Any, query: str) -> None:
        self.connection = connection
        self.encoding = connection.info.encoding
        self.rows = 0
        self.finished = False
        connection.pgconn.send_query(query.encode(self.encoding))

    def chunks(self) -> Iterator[bytes]:
        """The CSV bytes, _BLOCKS rows at a time; `rows` is set once they are all read."""
        import psycopg
        from psycopg import pq

        pgconn = self.connection.pgconn
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_OUT:
            self._fail(result)
        blocks: list[bytes] = []
        while True:
            try:
                size, data = pgconn.get_copy_data(0)
            except psycopg.Error:  # the server stopped with an error: it comes as the result below
                break
            if size < 0:
                break
            blocks.append(data)
            if len(blocks) == _BLOCKS:
                yield b"".join(blocks)
                blocks = []
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            self._fail(result)
        yield b"".join(blocks)
        self.rows = int(result.command_status.split()[-1])
        while pgconn.get_result() is not None:
            pass
        self.finished = True

    def close(self) -> None:
        """Stop a COPY read only in part, or not at all (an error, Ctrl-C): the server is told to stop and the
        rest is dropped, which leaves the connection ready for the next command."""

        if self.finished:
            return
        self.finished = True
        from psycopg import pq

        pgconn = self.connection.pgconn
        self.connection.cancel()
        self._drain()
        # A COPY not read at all still has its COPY_OUT result waiting (libpq returns it again and again until
        # the data is read): each is drained before the next result.
        while (result := pgconn.get_result()) is not None:
            if result.status == pq.ExecStatus.COPY_OUT:
                self._drain()

    def _drain(self) -> None:
        import psycopg

        try:
            while self.connection.pgconn.get_copy_data(0)[0] >= 0:
                pass
        except psycopg.Error:  # (no COPY in progress, or the server's error: the result says which)
            pass

    def _fail(self, result: Any) -> None:
        from relations_db.errors import DatabaseError

        message = (result.error_message if result is not None else self.connection.pgconn.error_message)
        while self.connection.pgconn.get_result() is not None:
            pass
        self.finished = True
        first = parts.first_line(message.decode(errors="replace")) or "no answer"
        raise DatabaseError(f"PostgreSQL could not export: {first}")


def _records(copy: _Copy) -> Iterator[list[list[str]]]:
    """The rows of a COPY, block by block (each block holds whole rows: COPY sends one message per row)."""
    import csv
    import io

    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # (a long summary is one cell)
    for chunk in copy.chunks():
        if chunk:
            yield list(csv.reader(io.StringIO(chunk.decode(copy.encoding), newline="")))


@contextmanager
def _connection_in_snapshot(engine: Engine, snapshot: str) -> Iterator[Any]:
    """A new read-only connection whose transaction sees `snapshot` (exported by the session's transaction)."""
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    connection = engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
    try:
        _in_snapshot(connection, snapshot)
        yield connection
    finally:
        connection.close()


def _in_snapshot(connection: Any, snapshot: str) -> None:
    """Begin a read-only transaction on the psycopg `connection` that sees `snapshot`, with no parallel plans."""
    import psycopg
    from psycopg import sql

    connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    connection.read_only = True
    connection.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    connection.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def date_halves(session: Session) -> list[Any] | None:
    """The conditions of two date ranges holding about half the events each, or None when there are too few
    events for two connections to pay."""
    from sqlalchemy import func, or_, select

    from relations_db.store.schema import events

    count = session.execute(select(func.count()).select_from(events)).scalar_one()
    if count < stream.PARALLEL_AT_LEAST:
        return None
    first, middle = (session.execute(select(events.c.start_day).order_by(events.c.start_day.nulls_first())
                                     .offset(offset).limit(1)).scalar_one() for offset in (0, count // 2))
    if middle is None or middle == first:
        return None
    # (the open or unknown starts, NULL, go with the first half)
    return [or_(events.c.start_day < middle, events.c.start_day.is_(None)), events.c.start_day >= middle]


def _work() -> None:
    """The worker: the second half as CSV lines into its file, then the number of rows on stderr."""
    import psycopg

    job = json.loads(sys.stdin.readline())
    cargs, cparams = job["connect"]
    with psycopg.connect(*cargs, **cparams) as connection:
        _in_snapshot(connection, job["snapshot"])
        cells = Cells(dict(connection.execute(SHORTS).fetchall()))
        with open(job["target"], "w", encoding="utf-8", newline="") as out:
            count = write_rows(_records(_Copy(connection, job["query"])), out, cells)
    sys.stderr.write(f"{count}\n")


def main() -> None:
    """The worker's entry point (`parts.serve`: an error is one line on stderr)."""
    parts.serve(_work)
