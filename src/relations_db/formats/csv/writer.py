"""The CSV writers: `write_csv` over any event dicts, and the export at scale, `export_csv`, which writes
`write_csv(queries.event_rows(...))` byte for byte without a dict per event.

In the export the database gives every cell of each row (`statement.py`): the date as a reader sees it, the
sources and the notes are stored with each event when it is written (`write.event_cells`, by the one Python
rule of `domain`), and the rows stream out in date order. Three ways, the fastest that applies:

- PostgreSQL: the server writes the CSV (`COPY (...) TO STDOUT`, `copy.py`), passed on as it comes. An export
  of every event runs as two COPYs over the two halves of the date range, on two connections that share one
  snapshot (`pg_export_snapshot`), so that two server processes do the work at once.
- SQLite, every event of a large file, on a machine with two or more cores (`parts.py`): date ranges read at
  once, the first by this process and the others by worker processes, all on one snapshot; the parts are
  written out in order. (Processes, not threads: two threads running the same kind of query were measured 1.3
  times as fast as one, two processes 1.9 times; SQLite's process-wide memory mutex is the likely brake.)
- Otherwise, one streamed statement, the lines joined here (`stream.write_rows`).

While any event lacks its stored cells (a database just migrated, before `db upgrade` made them) the export
takes the general way, `write_csv` over the event dicts, which makes every cell as it goes.

Memory does not grow with the number of events in any of them: rows are streamed, and the parts after the
first go to temporary files (in the system's temporary directory) until their turn comes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from relations_db.formats.csv.columns import CSV_COLUMNS, csv_cells, neutralise, write_row
from relations_db.formats.csv.statement import csv_statement
from relations_db.formats.csv.stream import HEADER, Progress, write_rows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from relations_db.read.filters import Filters

_BATCH = 2000


def write_csv(events: Iterable[Mapping[str, Any]], out: TextIO,
              extra: Sequence[tuple[str, Callable[[Mapping[str, Any]], object]]] = ()) -> int:
    """The header and one row per event; returns the number of events.

    `extra` appends columns after the chronology ones: (header, function of the event) pairs — the
    `meetings` and `agreements` lists add their own fields this way.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(name for name, _ in extra)])
    count = 0
    for event in events:
        values = [get(event) for _, get in extra]
        write_row(writer, out, csv_cells(event) + [neutralise("" if v is None else str(v)) for v in values])
        count += 1
    return count


def export_csv(session: Session, filters: Filters, out: TextIO, progress: Progress = None) -> int:
    """`write_csv(queries.event_rows(session, filters), out)`, byte for byte, at scale."""
    return CsvExport(session, filters).write(out, progress)


class CsvExport:
    """The export, prepared first — the filters are checked and names resolved here (UserError, NotFound,
    Ambiguous) — and written by `write`, so that a bad filter touches no file."""

    def __init__(self, session: Session, filters: Filters) -> None:
        from relations_db.read.filters import conditions

        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.where: list[Any] = conditions(session, filters)
        self.limit = filters.limit
        self.filters = filters

    @property
    def everything(self) -> bool:
        """Every event, no limit: the export that may be split into date ranges."""
        return not self.where and self.limit is None

    def write(self, out: TextIO, progress: Progress = None) -> int:
        """The header and every row; returns how many events."""
        from sqlalchemy import select

        from relations_db.store.schema import CELLS_MISSING, events

        # (an event without its stored cells, `ix_events_cells_missing`: the general way makes every cell)
        if self.session.execute(select(events.c.id).where(CELLS_MISSING).limit(1)).first() is not None:
            return self.general(out, progress)
        if self.dialect == "postgresql" and self.session.get_bind().dialect.driver == "psycopg":
            from relations_db.formats.csv.copy import copy_csv

            return copy_csv(self, out, progress)
        if self.dialect == "sqlite" and self.everything:
            from relations_db.formats.csv.parts import write_in_parts

            written = write_in_parts(self, out, progress)
            if written is not None:
                return written
        return self.stream(out, progress)

    def stream(self, out: TextIO, progress: Progress = None) -> int:
        """One statement, streamed (a server-side cursor on PostgreSQL)."""
        out.write(HEADER)
        statement = csv_statement(self.dialect, self.where, self.limit)
        connection = self.session.connection().execution_options(stream_results=True, yield_per=_BATCH)
        return write_rows(connection.execute(statement).partitions(), out, progress)

    def general(self, out: TextIO, progress: Progress = None) -> int:
        """`write_csv` over the event dicts: the way that needs no stored cells (taken while some are missing)."""
        from relations_db.read.events import event_rows

        def counted(rows: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
            for done, row in enumerate(rows, start=1):
                if progress is not None and done % _BATCH == 0:
                    progress(done)
                yield row

        return write_csv(counted(event_rows(self.session, self.filters)), out)
