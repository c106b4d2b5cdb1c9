"""The CSV export at scale: `export.write_csv(queries.event_rows(...))`, byte for byte, without a dict per event.

The database builds the nine cells of each row (the actors and the sources joined in SQL, in participation and
citation order), and the rows stream out in date order. Three ways, the fastest that applies:

- PostgreSQL: the server writes the CSV itself (`COPY (...) TO STDOUT`). An export of every event runs as two
  COPYs over the two halves of the date range, on two connections that share one snapshot
  (`pg_export_snapshot`), so that two server processes do the work at once.
- SQLite, every event of a large file, on a machine with two or more cores: date ranges read at once, the
  first by this process and the others by worker processes (`relations_db.formats.csv.parts`), all on one snapshot;
  the parts are written out in order. (Processes, not threads: two threads running the same kind of query were measured 1.3 times
  as fast as one, two processes 1.9 times; SQLite's process-wide memory mutex is the likely brake.)
- Otherwise, one streamed statement, the lines joined here.

Memory does not grow with the number of events in any of them: rows are streamed, and the parts after the
first go to temporary files (in the system's temporary directory) until their turn comes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from relations_db.formats.export import CSV_COLUMNS, FORMULA_START, neutralise, write_row

Progress = Callable[[int], None] | None

# Below this many events, starting worker processes or extra connections costs more than it saves.
PARALLEL_AT_LEAST = 20_000

_BATCH = 2000
HEADER = ",".join(CSV_COLUMNS) + "\n"  # (as csv.writer writes it: no column name needs quotes)
# On SQLite the sources come joined by a control character (U+001F), in citation order and without removing
# repeats, which spares a sort per event; the repeats go in `write_rows`. A short form holding that character
# (there should be none), which this finds, brings back the exact SQL way.
SEPARATOR_IN_SOURCES = "SELECT 1 FROM sources WHERE instr(short, char(31)) > 0 LIMIT 1"
_FORMULA_AFTER_COMMA = re.compile(r",[=+\-@\t]")  # (a literal first character: a fast search)


def write_rows(batches: Iterable[Sequence[tuple]], out: TextIO, split_sources: bool,
               progress: Progress = None, done: int = 0) -> int:
    """The rows (nine text cells each, batch by batch) as CSV lines; returns how many rows.

    With `split_sources`, the sources cell holds every cited source joined by U+001F, repeats included, and the
    repeats are removed here. `progress(done + rows so far)` is called after each batch.
    """
    writer = csv.writer(out, lineterminator="\n")
    count = 0
    width = len(CSV_COLUMNS) - 1
    formula_inside = _FORMULA_AFTER_COMMA.search
    split = "\x1f" if split_sources else None
    for rows in batches:
        lines = []
        for row in rows:
            if split is not None and split in row[7]:  # several citations: their sources, once each
                row = (*row[:7], "; ".join(dict.fromkeys(row[7].split(split))), row[8])
            line = ",".join(row)
            # Written as it is when csv.writer and `neutralise` would leave it so: no cell holds a comma, a quote
            # or a line break, none starts with a formula character. (A comma inside a cell, or a formula
            # character after one, only sends the row the careful way.)
            if (line.count(",") == width and '"' not in line and "\n" not in line and "\r" not in line
                    and not line.startswith(FORMULA_START) and not formula_inside(line)):
                lines.append(line)
                continue
            if lines:
                out.write("\n".join(lines) + "\n")
                lines = []
            write_row(writer, out, [neutralise(cell) for cell in row])
        if lines:
            out.write("\n".join(lines) + "\n")
        count += len(rows)
        if progress is not None:
            progress(done + count)
    return count


def pump(chunks: Iterable[bytes], out: TextIO, encoding: str, progress: Progress = None, lines: int = 0) -> int:
    """Encoded CSV text, chunk by chunk, into `out`; returns `lines` plus the line ends written.

    UTF-8 going to a UTF-8 file (the usual case) is written as it is, to the file's byte buffer, with no decoding
    and encoding again. `progress(lines so far)` is called after each chunk: lines, not events (a summary may
    hold a line break), which is close enough for a progress bar and costs no parsing.
    """
    import codecs

    raw = _byte_buffer(out) if codecs.lookup(encoding).name == "utf-8" else None
    decoder = codecs.getincrementaldecoder(encoding)()
    for chunk in chunks:
        if raw is not None:
            raw.write(chunk)
            lines += chunk.count(b"\n")
        else:
            text = decoder.decode(chunk)
            out.write(text)
            lines += text.count("\n")
        if progress is not None:
            progress(lines)
    out.write(decoder.decode(b"", final=True))
    return lines


def _byte_buffer(out: TextIO):
    """`out`'s byte buffer (flushed first), when bytes written there read the same as text written to `out`:
    a UTF-8 text file that does not turn "\\n" into something else."""
    import codecs
    import os

    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is None or not encoding or codecs.lookup(encoding).name != "utf-8" or os.linesep != "\n":
        return None
    out.flush()
    return buffer


class CsvExport:
    """The export, prepared first — the filters are checked and names resolved here (UserError, NotFound,
    Ambiguous) — and written by `write`, so that a bad filter touches no file."""

    def __init__(self, session, filters) -> None:
        from relations_db.read.filters import conditions

        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.where = conditions(session, filters)
        self.limit = filters.limit

    @property
    def everything(self) -> bool:
        """Every event, no limit: the export that may be split into date ranges."""
        return not self.where and self.limit is None

    def write(self, out: TextIO, progress: Progress = None) -> int:
        """The header and every row; returns how many events."""
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
        from sqlalchemy import text

        split = self.dialect == "sqlite" and self.session.execute(text(SEPARATOR_IN_SOURCES)).first() is None
        out.write(HEADER)
        statement = csv_statement(self.dialect, self.where, self.limit, split)
        connection = self.session.connection().execution_options(stream_results=True, yield_per=_BATCH)
        return write_rows(connection.execute(statement).partitions(), out, split, progress)


# --- the statements -------------------------------------------------------------------------------------------

# SQLite: the `place`, `actors` and `sources` cells of one event (the outer query's `events` row), as
# `export.csv_cells` makes them: "Name:role" (no role when empty) in participation order, and the short forms of
# the cited sources once each, in the order they are first cited. SQLite before 3.44 has no ORDER BY inside
# group_concat: it concatenates in the order the ordered subquery delivers its rows.
_PLACE = "(SELECT places.name FROM places WHERE places.id = events.place_id)"
_ACTOR = ("actors.name || CASE WHEN participations.role IS NOT NULL AND participations.role <> '' "
          "THEN ':' || participations.role ELSE '' END")
_PARTICIPANTS = ("FROM participations JOIN actors ON actors.id = participations.actor_id "
                 "WHERE participations.event_id = events.id")
_CITED = "FROM citations JOIN sources ON sources.id = citations.source_id WHERE citations.event_id = events.id"
_SQLITE_ACTORS = (f"(SELECT group_concat(x, '; ') FROM (SELECT {_ACTOR} AS x {_PARTICIPANTS} "
                  "ORDER BY participations.id))")
_SQLITE_SOURCES = {
    # (ix_citations_event_id gives the citations in id order: no sort for the unrepeated form)
    True: f"(SELECT group_concat(short, char(31)) FROM (SELECT sources.short AS short {_CITED} ORDER BY citations.id))",
    False: (f"(SELECT group_concat(short, '; ') FROM (SELECT sources.short AS short {_CITED} "
            "GROUP BY sources.short ORDER BY min(citations.id)))"),
}


def csv_statement(dialect: str, where: list, limit: int | None, split_sources: bool = False,
                  cell: Callable | None = None):
    """The nine CSV cells of the events matching `where`, as text, in date order (start, end, id).

    `cell` wraps each cell's expression (PostgreSQL's COPY uses it to do what `neutralise` does).
    """
    from sqlalchemy import Text, func, literal_column, select, type_coerce

    from relations_db.store.schema import events

    if dialect != "sqlite":
        return _grouped_statement(where, limit, cell or (lambda expression: expression))

    def text(sql: str):
        return func.coalesce(literal_column(sql, Text), "")

    # The first sort key is written `+start_date`, which keeps SQLite from reading the events in date order
    # through the index: that visits the table (and each event's participations and citations) in random
    # order. Read in storage order and sorted once at the end, a million events take half the time.
    stmt = (select(events.c.date, type_coerce(events.c.start_date, Text), type_coerce(events.c.end_date, Text),
                   events.c.title, events.c.type, text(_PLACE), text(_SQLITE_ACTORS),
                   text(_SQLITE_SOURCES[split_sources]), func.coalesce(events.c.summary, ""))
            .where(*where)
            .order_by(literal_column("+events.start_date"), events.c.end_date, events.c.id))
    return stmt if limit is None else stmt.limit(limit)


def _grouped_statement(where: list, limit: int | None, cell: Callable):
    """PostgreSQL: the actors and sources cells aggregated per event by GROUP BY and joined, which its
    planner turns into hash joins over one pass of each table; with filters, only over the chosen events.
    (A correlated subquery per event, as on SQLite, runs five times slower there.)"""
    from sqlalchemy import Text, and_, case, func, literal, literal_column, select

    from relations_db.store.schema import actors, citations, events, participations, places, sources

    separator = literal_column("'; '", Text)
    role = participations.c.role
    actor_text = actors.c.name + case((and_(role.is_not(None), role != ""), literal(":") + role), else_=literal(""))
    parts = participations.join(actors, actors.c.id == participations.c.actor_id)
    cited = citations.join(sources, sources.c.id == citations.c.source_id)
    if where:
        chosen = select(events.c.id).where(*where).cte("chosen")
        parts = parts.join(chosen, chosen.c.id == participations.c.event_id)
        cited = cited.join(chosen, chosen.c.id == citations.c.event_id)
    actor_cells = (select(participations.c.event_id,
                          func.string_agg(actor_text, separator).aggregate_order_by(participations.c.id)
                          .label("cell"))
                   .select_from(parts).group_by(participations.c.event_id).subquery("actor_cells"))
    firsts = (select(citations.c.event_id, sources.c.short, func.min(citations.c.id).label("first"))
              .select_from(cited).group_by(citations.c.event_id, sources.c.short).subquery("firsts"))
    source_cells = (select(firsts.c.event_id,
                           func.string_agg(firsts.c.short, separator).aggregate_order_by(firsts.c.first).label("cell"))
                    .group_by(firsts.c.event_id).subquery("source_cells"))
    cells = (events.c.date, func.to_char(events.c.start_date, "YYYY-MM-DD"),
             func.to_char(events.c.end_date, "YYYY-MM-DD"), events.c.title, events.c.type,
             func.coalesce(places.c.name, ""), func.coalesce(actor_cells.c.cell, ""),
             func.coalesce(source_cells.c.cell, ""), func.coalesce(events.c.summary, ""))
    stmt = (select(*(cell(c) for c in cells))
            .select_from(events.outerjoin(places, places.c.id == events.c.place_id)
                         .outerjoin(actor_cells, actor_cells.c.event_id == events.c.id)
                         .outerjoin(source_cells, source_cells.c.event_id == events.c.id))
            .where(*where)
            .order_by(events.c.start_date, events.c.end_date, events.c.id))
    return stmt if limit is None else stmt.limit(limit)
