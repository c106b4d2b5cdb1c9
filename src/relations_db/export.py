"""Streaming writers over an iterator of event dicts (the JSON shape of `queries.event_rows`).

CSV, JSON, JSON Lines, the footnoted Markdown chronology and the plain-text chronology. Each writer takes any
iterable of events and a text stream, writes as it reads (nothing is built whole in memory except the notes
of a chronology, which must come after its entries), and returns how many events it wrote.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO

from relations_db import dates

CSV_COLUMNS = ("date", "start", "end", "title", "type", "place", "actors", "sources", "summary")

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a formula-looking cell with a single quote, so that a spreadsheet shows it as text."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def participant_text(actor: dict) -> str:
    """`Name:role` (the form of `add event --actor`), or `Name` when the role is not known."""
    return f"{actor['name']}:{actor['role']}" if actor.get("role") else actor["name"]


def source_shorts(event: dict) -> list[str]:
    """The short forms of the sources an event cites, once each, in citation order."""
    return list(dict.fromkeys(c["short"] for c in event["citations"]))


def csv_cells(event: dict) -> list[str]:
    """One CSV row of the chronology columns (`CSV_COLUMNS`), formula-looking cells neutralised."""
    values = {
        "date": event["date"], "start": event["start"], "end": event["end"], "title": event["title"],
        "type": event["type"], "place": event.get("place") or "",
        "actors": "; ".join(participant_text(a) for a in event["actors"]),
        "sources": "; ".join(source_shorts(event)), "summary": event.get("summary") or "",
    }
    return [neutralise(str(values[name])) for name in CSV_COLUMNS]


def write_csv(events: Iterable[dict], out: TextIO,
              extra: Sequence[tuple[str, Callable[[dict], object]]] = ()) -> int:
    """The header and one row per event; returns the number of events.

    `extra` appends columns after the chronology ones: (header, function of the event) pairs — the
    `meetings` and `agreements` lists add their own fields this way.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(name for name, _ in extra)])
    count = 0
    for event in events:
        values = [get(event) for _, get in extra]
        writer.writerow(csv_cells(event) + [neutralise("" if v is None else str(v)) for v in values])
        count += 1
    return count


def export_csv(session, filters, out: TextIO, progress: Callable[[int], None] | None = None) -> int:
    """`write_csv(queries.event_rows(session, filters), out)`, byte for byte, from one streamed statement.

    The general path builds a dict per event with its actors and citations; this one asks the database for
    the nine cells of each row — the actors and the sources joined in SQL, in participation and citation
    order — and writes them as they come. The rows are streamed (a server-side cursor on PostgreSQL), so
    memory does not grow with the number of events. `progress(done)` is called after each batch of rows.
    """
    return CsvExport(session, filters).write(out, progress)


class CsvExport:
    """The statement behind `export_csv`, made first — the filters are checked and names resolved here
    (UserError, NotFound, Ambiguous) — and written by `write`, so that a bad filter touches no file."""

    def __init__(self, session, filters) -> None:
        from sqlalchemy import text

        from relations_db.queries import conditions

        self.session = session
        dialect = session.get_bind().dialect.name
        # On SQLite the sources come joined by a control character (U+001F), in citation order and without
        # removing repeats, which spares a sort per event; the repeats go here. A short form holding that
        # character (there should be none) brings back the exact SQL way.
        self.split_sources = dialect == "sqlite" and session.execute(
            text("SELECT 1 FROM sources WHERE instr(short, char(31)) > 0 LIMIT 1")).first() is None
        self.statement = _csv_statement(dialect, conditions(session, filters), filters.limit, self.split_sources)

    def write(self, out: TextIO, progress: Callable[[int], None] | None = None) -> int:
        """The header and every row; returns how many events."""
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        connection = self.session.connection().execution_options(stream_results=True, yield_per=_CSV_BATCH)
        count = 0
        width = len(CSV_COLUMNS) - 1
        formula_inside = _FORMULA_AFTER_COMMA.search
        split = "\x1f" if self.split_sources else None
        for rows in connection.execute(self.statement).partitions():
            lines = []
            for row in rows:
                if split is not None and split in row[7]:  # several citations: their sources, once each
                    row = (*row[:7], "; ".join(dict.fromkeys(row[7].split(split))), row[8])
                line = ",".join(row)
                # Written as it is when csv.writer and `neutralise` would leave it so: no cell holds a comma,
                # a quote or a line break, none starts with a formula character. (A comma inside a cell, or a
                # formula character after one, only sends the row the careful way.)
                if (line.count(",") == width and '"' not in line and "\n" not in line and "\r" not in line
                        and not line.startswith(_FORMULA_START) and not formula_inside(line)):
                    lines.append(line)
                    continue
                if lines:
                    out.write("\n".join(lines) + "\n")
                    lines = []
                writer.writerow([neutralise(cell) for cell in row])
            if lines:
                out.write("\n".join(lines) + "\n")
            count += len(rows)
            if progress is not None:
                progress(count)
        return count


_CSV_BATCH = 2000
_FORMULA_AFTER_COMMA = re.compile(r",[=+\-@\t]")  # (a literal first character: a fast search)

# SQLite: the `place`, `actors` and `sources` cells of one event (the outer query's `events` row), as
# `csv_cells` makes them: "Name:role" (no role when empty) in participation order, and the short forms of the cited
# sources once each, in the order they are first cited. SQLite before 3.44 has no ORDER BY inside
# group_concat: it concatenates in the order the ordered subquery delivers its rows.
_PLACE = "(SELECT places.name FROM places WHERE places.id = events.place_id)"
_ACTOR = ("actors.name || CASE WHEN participations.role IS NOT NULL AND participations.role <> '' "
          "THEN ':' || participations.role ELSE '' END")
_PARTICIPANTS = ("FROM participations JOIN actors ON actors.id = participations.actor_id "
                 "WHERE participations.event_id = events.id")
_CITED = "FROM citations JOIN sources ON sources.id = citations.source_id WHERE citations.event_id = events.id"
_SQLITE_ACTORS = (f"(SELECT group_concat(x, '; ') FROM (SELECT {_ACTOR} AS x {_PARTICIPANTS} "
                  "ORDER BY participations.id))")
_CELLS = {
    # (ix_citations_event_id gives the citations in id order: no sort for the unrepeated form)
    ("sqlite", True): (_SQLITE_ACTORS, f"(SELECT group_concat(short, char(31)) FROM (SELECT sources.short AS short "
                                      f"{_CITED} ORDER BY citations.id))"),
    ("sqlite", False): (_SQLITE_ACTORS, f"(SELECT group_concat(short, '; ') FROM (SELECT sources.short AS short "
                                       f"{_CITED} GROUP BY sources.short ORDER BY min(citations.id)))"),
}


def _csv_statement(dialect: str, where: list, limit: int | None, split_sources: bool):
    """The nine CSV cells of the events matching `where`, as text, in date order (start, end, id)."""
    from sqlalchemy import Text, func, literal_column, select, type_coerce

    from relations_db.schema import events

    if dialect != "sqlite":
        return _grouped_statement(where, limit)

    def text(sql: str):
        return func.coalesce(literal_column(sql, Text), "")

    actors_cell, sources_cell = _CELLS[(dialect, split_sources)]
    # The first sort key is written `+start_date`, which keeps SQLite from reading the events in date order
    # through the index: that visits the table (and each event's participations and citations) in random
    # order. Read in storage order and sorted once at the end, a million events take half the time.
    stmt = (select(events.c.date, type_coerce(events.c.start_date, Text), type_coerce(events.c.end_date, Text),
                   events.c.title, events.c.type, text(_PLACE), text(actors_cell), text(sources_cell),
                   func.coalesce(events.c.summary, ""))
            .where(*where)
            .order_by(literal_column("+events.start_date"), events.c.end_date, events.c.id))
    return stmt if limit is None else stmt.limit(limit)


def _grouped_statement(where: list, limit: int | None):
    """PostgreSQL: the actors and sources cells aggregated per event by GROUP BY and joined, which its
    planner turns into hash joins over one pass of each table; with filters, only over the chosen events.
    (A correlated subquery per event, as on SQLite, runs five times slower there.)"""
    from sqlalchemy import Text, and_, case, func, literal, literal_column, select

    from relations_db.schema import actors, citations, events, participations, places, sources

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
    stmt = (select(events.c.date, func.to_char(events.c.start_date, "YYYY-MM-DD"),
                   func.to_char(events.c.end_date, "YYYY-MM-DD"), events.c.title, events.c.type,
                   func.coalesce(places.c.name, ""), func.coalesce(actor_cells.c.cell, ""),
                   func.coalesce(source_cells.c.cell, ""), func.coalesce(events.c.summary, ""))
            .select_from(events.outerjoin(places, places.c.id == events.c.place_id)
                         .outerjoin(actor_cells, actor_cells.c.event_id == events.c.id)
                         .outerjoin(source_cells, source_cells.c.event_id == events.c.id))
            .where(*where)
            .order_by(events.c.start_date, events.c.end_date, events.c.id))
    return stmt if limit is None else stmt.limit(limit)


def _dumps(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False, default=str)


def write_json(events: Iterable[dict], out: TextIO) -> int:
    """One JSON array, one element per line, written as the events arrive (`[]` when there are none)."""
    count = 0
    for item in events:
        out.write(("[\n" if count == 0 else ",\n") + _dumps(item))
        count += 1
    out.write("[]\n" if count == 0 else "\n]\n")
    return count


def write_jsonl(events: Iterable[dict], out: TextIO) -> int:
    """One JSON object a line (written 500 lines at a time: one write call a line costs a tenth of the time)."""
    count = 0
    lines: list[str] = []
    for item in events:
        lines.append(_dumps(item))
        if len(lines) == 500:
            out.write("\n".join(lines) + "\n")
            count += 500
            lines = []
    if lines:
        out.write("\n".join(lines) + "\n")
    return count + len(lines)


# --- the chronology: entries grouped by year, numbered notes ---------------------------------------------------


def note_text(citation: dict, quote: bool = False) -> str:
    """A note as an essay prints it: 'Duka 2007, quoted in Lala 2014, p. 343' (+ ': “quote”' if asked)."""
    text = citation["short"]
    if citation.get("locator"):
        text += f", {citation['locator']}"
    if citation.get("cited_in_short"):
        text += f", quoted in {citation['cited_in_short']}"
        if citation.get("cited_in_locator"):
            text += f", {citation['cited_in_locator']}"
    if quote and citation.get("quote"):
        text += f": “{citation['quote']}”"
    return text


def participants_text(event: dict) -> str:
    """'Nikita Khrushchev (guest), Enver Hoxha (host)'."""
    return ", ".join(f"{a['name']} ({a['role']})" if a.get("role") else a["name"] for a in event["actors"])


def group_year(event: dict) -> int:
    """The year an event is listed under: the year it starts (its end year when the start is open)."""
    start = int(event["start"][:4])
    return start if start > 1 else int(event["end"][:4])


class Notes:
    """Numbered notes: the same note text gets the same number, so a chronology's notes read like an essay's."""

    def __init__(self, quote: bool) -> None:
        self.quote = quote
        self.numbers: dict[str, int] = {}

    def refs(self, event: dict) -> list[int]:
        found = []
        for citation in event["citations"]:
            text = note_text(citation, self.quote)
            number = self.numbers.setdefault(text, len(self.numbers) + 1)
            if number not in found:
                found.append(number)
        return sorted(found)  # [1][4][13], as an essay orders its note marks

    def items(self) -> Iterator[tuple[int, str]]:
        for text, number in self.numbers.items():
            yield number, text


def _entry(event: dict) -> str:
    """'Khrushchev visits Albania (Tirana). Nikita Khrushchev (guest), Enver Hoxha (host).'"""
    text = event["title"].rstrip(".")
    if event.get("place"):
        text += f" ({event['place']})"
    text += "."
    if event["actors"]:
        text += f" {participants_text(event)}."
    return text


def write_chronology(events: Iterable[dict], out: TextIO, title: str | None = None) -> int:
    """Plain text to paste into an essay: a heading per year, one line per event with its date as written,
    title, place, participants with roles and note numbers; the numbered notes under it all."""
    notes = Notes(quote=False)
    count, year = 0, None
    if title:
        out.write(f"{title}\n\n")
    for event in events:
        if group_year(event) != year:
            year = group_year(event)
            out.write(("\n" if count else "") + f"{year}\n")
        refs = "".join(f"[{n}]" for n in notes.refs(event))
        out.write(f"  {dates.display(event['date'])}: {_entry(event)} {refs}".rstrip() + "\n")
        count += 1
    if count and notes.numbers:
        out.write("\nNotes\n")
        for number, text in notes.items():
            out.write(f"[{number}] {text}.\n")
    return count


def _md_escape(text: str) -> str:
    # Only what would change the meaning of a line of Markdown here: emphasis, links and footnote brackets.
    for ch in "\\*_[]`<":
        text = text.replace(ch, "\\" + ch)
    return text


def write_markdown(events: Iterable[dict], out: TextIO, title: str = "Chronology") -> int:
    """A footnoted Markdown chronology: `## year` headings, a bullet per event (date as written, title,
    place, participants) with footnote references [^n], and the footnotes, with their quotations, at the end."""
    notes = Notes(quote=True)
    count, year = 0, None
    out.write(f"# {_md_escape(title)}\n")
    for event in events:
        if group_year(event) != year:
            year = group_year(event)
            out.write(f"\n## {year}\n\n")
        refs = "".join(f"[^{n}]" for n in notes.refs(event))
        out.write(f"- **{_md_escape(dates.display(event['date']))}**: {_md_escape(_entry(event))}"
                  f"{refs}\n")
        count += 1
    if count == 0:
        out.write("\nNo events.\n")
    elif notes.numbers:
        out.write("\n")
        for number, text in notes.items():
            out.write(f"[^{number}]: {_md_escape(text)}\n")
    return count
