"""PostgreSQL's way of the CSV export: the server writes the CSV itself (`COPY (...) TO STDOUT`), which this
process passes on as it comes.

The cells are those of `statement.csv_statement` — the date as shown, the sources and the notes are the
events' stored cells, made in Python when they were written —, each wrapped as `columns.neutralise` treats a
cell (the `FORMULA_QUOTE` before a leading `FORMULA_START` character, both from `columns`) and made NULL when
empty: COPY writes an empty string as `""` and NULL as nothing, which is how csv.writer writes an empty string.
COPY quotes a cell holding a comma, a quote, a line break or a carriage return, as `columns.write_row` does.

Every event is exported as two date halves on two new connections that import the session's snapshot, so that
the halves are one consistent export: both COPYs are sent before either is read, and the second server process
sorts its half while the first is written out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from relations_db.formats.csv import parts, stream
from relations_db.formats.csv.columns import FORMULA_QUOTE, FORMULA_START, QUOTED_START
from relations_db.formats.csv.statement import csv_statement
from relations_db.formats.csv.stream import HEADER, Progress, Selection, pump

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Dialect, Engine
    from sqlalchemy.orm import Session

_BLOCKS = 1000  # COPY sends a message per row: they are passed on this many at a time


def copy_csv(export: Selection, out: TextIO, progress: Progress = None) -> int:
    """The header and every row of `export` (a `writer.CsvExport`); returns how many rows.

    Every event (no filter, no limit) is copied as two date halves (`date_halves`); anything else is one COPY on
    the session's own connection. Parallel plans are turned off for the transaction: each of their workers would
    build the whole actors aggregate again.
    """
    import psycopg
    from sqlalchemy import text

    from relations_db.errors import DatabaseError

    session = export.session
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    halves = date_halves(session) if export.everything else None
    dialect = session.get_bind().dialect
    with ExitStack() as stack:
        if halves is None:
            connection = session.connection().connection.dbapi_connection
            statements = [(connection, csv_statement("postgresql", export.where, export.limit, cell=copy_cell))]
        else:
            snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            engine = session.get_bind().engine  # (a session bound to a connection: its engine)
            try:
                connections = [stack.enter_context(_connection_in_snapshot(engine, snapshot)) for _ in halves]
            except psycopg.Error as error:  # (the session's own connection worked a moment ago)
                raise DatabaseError(f"PostgreSQL could not export: {parts.first_line(str(error))}") from None
            statements = [(connection, csv_statement("postgresql", [half], None, cell=copy_cell))
                          for connection, half in zip(connections, halves, strict=True)]
        # Both COPYs are sent before either is read: the second server process sorts its half meanwhile.
        copies = [_Copy(connection, copy_query(connection, statement, dialect)) for connection, statement in statements]
        for copy in copies:
            # Stopped when anything fails (a full disk, before or while the COPY is read): the connection must be
            # free again before the transaction ends.
            stack.callback(copy.close)
        out.write(HEADER)
        lines = 0
        for copy in copies:
            lines = pump(copy.chunks(), out, copy.encoding, progress, lines)
        return sum(copy.rows for copy in copies)


def copy_cell(expression: Any) -> Any:
    """NULL when empty, a quote before a leading formula character (or a quote and one): `columns.neutralise`
    done by the server. (The first character is tested by its code: `ascii()` against integers takes a second
    less per million rows than `left(x, 1)` against strings.)"""
    from sqlalchemy import Text, and_, case, func, literal, or_

    starts = or_(func.ascii(expression).in_([ord(c) for c in FORMULA_START]),
                 and_(func.ascii(expression) == ord(FORMULA_QUOTE),
                      func.ascii(func.substr(expression, 2)).in_([ord(c) for c in QUOTED_START])))
    return func.nullif(case((starts, literal(FORMULA_QUOTE, Text) + expression), else_=expression), "")


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
