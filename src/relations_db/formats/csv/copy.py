"""PostgreSQL's way of the CSV export: the server writes the raw cells as CSV (`COPY (...) TO STDOUT`).

The cells are those of `statement.csv_statement`; this process reads them back (csv.reader, in C) and writes
the rows with `stream.write_rows`, which makes the sources, the notes and the date as a reader sees it by the
one Python rule (`domain`), as on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from relations_db.formats.csv import stream
from relations_db.formats.csv.statement import csv_statement
from relations_db.formats.csv.stream import HEADER, Cells, Progress, Selection, write_rows

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Dialect, Engine
    from sqlalchemy.orm import Session

_BLOCKS = 1000  # COPY sends a message per row: they are decoded and written this many at a time


def copy_csv(export: Selection, out: TextIO, cells: Cells, progress: Progress = None) -> int:
    """The header and every row of `export` (a `writer.CsvExport`); returns how many rows.

    Every event (no filter, no limit) is copied as two date halves on two new connections that import the
    session's snapshot, so that the halves are one consistent export; anything else is one COPY on the
    session's own connection. Parallel plans are turned off for the transaction: each of their workers would
    build the whole actors and sources aggregates again.
    """
    import psycopg
    from sqlalchemy import text

    from relations_db.errors import DatabaseError

    session = export.session
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    out.write(HEADER)
    halves = date_halves(session) if export.everything else None
    dialect = session.get_bind().dialect
    with ExitStack() as stack:
        if halves is None:
            connection = session.connection().connection.dbapi_connection
            copies = [_Copy(connection, csv_statement("postgresql", export.where, export.limit),
                            dialect)]
        else:
            snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            engine = session.get_bind().engine  # (a session bound to a connection: its engine)
            try:
                connections = [stack.enter_context(_connection_in_snapshot(engine, snapshot)) for _ in halves]
            except psycopg.Error as error:  # (the session's own connection worked a moment ago)
                raise DatabaseError(f"PostgreSQL could not export: {str(error).strip()}") from None
            # Both COPYs are sent before either is read: the second server process sorts its half meanwhile.
            copies = [_Copy(connection, csv_statement("postgresql", [half], None), dialect)
                      for connection, half in zip(connections, halves, strict=True)]
        done = 0
        for copy in copies:
            # Stopped when anything fails (a full disk, before or while the COPY is read): the connection
            # must be free again before the transaction ends.
            stack.callback(copy.close)
        for copy in copies:
            done = write_rows(_records(copy), out, cells, progress, done) + done
        return done


class _Copy:
    """`COPY (statement) TO STDOUT (FORMAT csv)` on a psycopg connection, spoken through libpq directly.

    psycopg's Copy object costs a generator round trip per row (about 6 µs; 2 µs this way), and it waits for
    the server's first answer when it starts, where sending the query here returns at once: two COPYs on two
    connections then run at the same time without threads. The parameters are merged on this side (COPY takes
    none on the server).
    """

    def __init__(self, connection: Any, statement: Select, dialect: Dialect) -> None:
        import psycopg

        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        query = psycopg.ClientCursor(connection).mogrify(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params)
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
        raise DatabaseError(f"PostgreSQL could not export: {message.decode(errors='replace').strip()}")


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
    import psycopg
    from psycopg import sql

    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    connection = engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
    try:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        connection.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        connection.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield connection
    finally:
        connection.close()


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
