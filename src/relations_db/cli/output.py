"""Rendering for the read commands: tables, streamed CSV/JSON, plain-text profiles; messages on stderr.

Tables have fixed column widths computed from the width available, so that rows are printed as they come
instead of being measured whole. On a terminal they are Rich tables (in chunks that line up as one table),
coloured unless NO_COLOR is set; elsewhere (a pipe, a file, a test) the same layout in plain lines. The data
is never read as markup: a title with "[bold]" is printed as written, and never obeyed: a control character or
bidirectional override stored in a text is shown as an escape (`visible`), while CSV and JSON keep it exact.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import typer

from relations_db.cli import claim_text
from relations_db.domain.dates import bound_label
from relations_db.domain.text import visible
from relations_db.domain.vocab import CONFIDENCE_LABELS, TONE_MAX, TONE_MIN, type_label

if TYPE_CHECKING:
    from rich.console import Console

    from relations_db.read.filters import Filters

# On a terminal, a table without --limit stops after this many rows (and says how many more there are).
TERMINAL_LIMIT = 100
_CHUNK = 200


def is_terminal() -> bool:
    from relations_db.cli.common import stdout_is_terminal

    return stdout_is_terminal()


def console() -> Console:
    """A Console on the current stdout: plain when it is not a terminal or when NO_COLOR is set."""
    from rich.console import Console

    plain = not is_terminal() or os.environ.get("NO_COLOR", "") != ""
    return Console(file=sys.stdout, color_system=None if plain else "auto", no_color=plain, highlight=False,
                   markup=False, emoji=False, soft_wrap=False)


def message(text: str) -> None:
    """A line for the user on stderr (never on stdout, which carries data)."""
    typer.echo(visible(text), err=True)


def visible_record(value: Any) -> Any:
    """A record of the read side (dicts, lists, strings) with every string `visible`, for printing as text."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, Mapping):
        return {k: visible_record(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [visible_record(v) for v in value]
    return value


@dataclass
class Column:
    """A table column: `width` fixed in characters, else a share (`ratio`) of what the fixed ones leave.

    `whole`: the column holds keys or slugs, which a user types and must never see split; a cell too long for
    the column is printed whole on a line of its own (before the row for the first column, after it for the
    others), and the row goes on with that cell empty."""

    header: str
    width: int | None = None
    ratio: int = 1
    justify: Literal["left", "right"] = "left"
    whole: bool = False


def _widths(columns: list[Column], total: int) -> list[int]:
    # Between columns Rich puts one space of padding on each side and a one-space divider; none at the edges.
    spare = total - 3 * (len(columns) - 1) - sum(c.width or 0 for c in columns)
    flexible = [c for c in columns if c.width is None]
    shares = sum(c.ratio for c in flexible) or 1
    widths, given = [], 0
    for c in columns:
        if c.width is not None:
            widths.append(c.width)
        else:
            w = max(6, spare * c.ratio // shares)
            widths.append(w)
            given += w
    if flexible and spare - given > 0:  # rounding leftovers to the last flexible column
        i = max(i for i, c in enumerate(columns) if c.width is None)
        widths[i] += spare - given
    return widths


def print_table(columns: list[Column], rows: Iterable[list[str]]) -> int:
    """Print rows as a table that fits the width (80 columns or more); return how many.

    On a terminal, a Rich table; otherwise the same layout written as plain lines, which is many times faster
    for a long listing redirected to a file and has no trailing blanks.
    """
    if not is_terminal() or any(c.whole for c in columns):
        # (a table with keys is laid out as plain lines on a terminal too: Rich would fold a long key)
        return _plain_table(columns, _widths(columns, text_width()), rows)
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out = console()
    widths = _widths(columns, out.width)
    count = 0
    chunk: list[list[str]] = []

    def flush(first: bool) -> None:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_header=first,
                      header_style="bold", expand=False)
        for c, w in zip(columns, widths, strict=True):
            table.add_column(c.header, width=w, min_width=w, max_width=w, justify=c.justify, overflow="fold")
        for row in chunk:
            table.add_row(*(Text(visible(cell or "")) for cell in row))
        out.print(table)

    for row in rows:
        chunk.append(row)
        count += 1
        if len(chunk) == _CHUNK:
            flush(count == _CHUNK)
            chunk = []
    if chunk:
        flush(count == len(chunk))
    return count


def _wrap(cell: str, width: int) -> list[str]:
    """A cell's lines: wrapped at spaces, never inside a word (a word longer than the column keeps its line)."""
    import textwrap

    if len(cell) <= width and "\n" not in cell:
        return [cell]
    return textwrap.wrap(cell, width, break_long_words=False, break_on_hyphens=False) or [""]


def _plain_table(columns: list[Column], widths: list[int], rows: Iterable[list[str]]) -> int:
    out = sys.stdout
    offsets = [sum(widths[:i]) + 3 * i for i in range(len(widths))]
    total = sum(widths) + 3 * (len(widths) - 1)

    def write(cells: list[list[str]]) -> None:
        before: list[str] = []
        after: list[str] = []
        for i, (column, width, lines) in enumerate(zip(columns, widths, cells, strict=True)):
            if column.whole and any(len(line) > width for line in lines):
                # the whole cell on a line of its own, as far right as its column and the table's width allow
                text = " ".join(lines)
                (before if i == 0 else after).append(" " * max(0, min(offsets[i], total - len(text))) + text)
                cells[i] = [""]
        for line in before:
            out.write(line + "\n")
        for i in range(max(len(c) for c in cells)):
            parts = []
            for column, width, lines in zip(columns, widths, cells, strict=True):
                text = lines[i] if i < len(lines) else ""
                parts.append(text.rjust(width) if column.justify == "right" else text.ljust(width))
            out.write("   ".join(parts).rstrip() + "\n")
        for line in after:
            out.write(line + "\n")

    count = 0
    for row in rows:
        if count == 0:  # the header only above rows: an empty result prints nothing
            write([_wrap(c.header, w) for c, w in zip(columns, widths, strict=True)])
            out.write("─" * (sum(widths) + 3 * (len(widths) - 1)) + "\n")
        write([_wrap(visible(cell or ""), w) for cell, w in zip(row, widths, strict=True)])
        count += 1
    return count


def nothing_shown(filters: Filters, noun: str = "events", empty: str | None = None) -> str:
    """Why a listing printed nothing, truthfully: `--limit 0` asked for none; else no event matched the filters;
    else there are none (`empty`, by default "The database has no events.")."""
    if filters.limit == 0:
        return f"--limit 0: no {noun} shown (give a larger --limit, or leave it out for all)."
    if not filters.is_empty(ignore_kind=True):
        return f"No {noun} match."
    return empty or f"The database has no {noun}."


def write_stream(writer: Callable[..., int], items: Iterable[Mapping[str, Any]]) -> int:
    """Run an export writer (write_csv, write_json…) on stdout."""
    count = writer(items, sys.stdout)
    sys.stdout.flush()
    return count


def short_date(value: str) -> str:
    from relations_db.domain.dates import display

    return display(value)


def event_date(event: Mapping[str, Any]) -> str:
    """An event's date in a list: '3 December 1961 or 1959 — sources disagree' when its sources disagree."""
    from relations_db.read.claim_rows import date_text

    return date_text(event)


def names(event: Mapping[str, Any]) -> str:
    return ", ".join(a["name"] for a in event["actors"])


def participants(event: Mapping[str, Any]) -> str:
    from relations_db.formats.chronology import participants_text

    return participants_text(event)


def write_object(record: Mapping[str, Any], stream_key: str, out) -> None:
    """One JSON object whose `stream_key` holds an iterator, written element by element as it is read."""
    import json

    head = {k: v for k, v in record.items() if k != stream_key}
    opening = json.dumps(head, ensure_ascii=False, indent=2)[:-2]  # without the closing "\n}"
    out.write((opening + "," if head else "{") + f"\n  {json.dumps(stream_key)}: [")
    count = 0
    for item in record[stream_key]:
        out.write(("\n    " if count == 0 else ",\n    ") + json.dumps(item, ensure_ascii=False, default=str))
        count += 1
    out.write(("\n  ]" if count else "]") + "\n}\n")


def id_column(conn) -> Column:
    """The ID column, as wide as the largest event id."""
    from relations_db.read.events import max_event_id

    return id_column_for(max_event_id(conn))


def id_column_for(max_id: int) -> Column:
    """The ID column, as wide as `max_id`."""
    return Column("ID", width=max(2, len(str(max_id))), justify="right")


DATE_COLUMN = Column("Date", width=16)


def event_columns(conn, max_id: int | None = None) -> list[Column]:
    """The columns of an event table; the ID column as wide as `max_id` (read from `conn` when None)."""
    return [id_column(conn) if max_id is None else id_column_for(max_id), DATE_COLUMN, Column("Title", ratio=5),
            Column("Place", ratio=2),
            Column("Actors", ratio=3)]


def event_cells(event: Mapping[str, Any]) -> list[str]:
    return [str(event["id"]), event_date(event), event["title"], event.get("place") or "", names(event)]


def emit_events(events: Iterable[Mapping[str, Any]], fmt: str, *, columns: list[Column],
                cells: Callable[[Mapping[str, Any]], list[str]] | None = None,
                csv_extra: tuple[tuple[str, Callable[[Mapping[str, Any]], object]], ...] = ()) -> int:
    """Print events in `fmt` (table, csv, json, jsonl), streamed; return how many were printed."""
    if fmt == "csv":
        from relations_db.formats.csv.writer import write_csv

        count = write_csv(events, sys.stdout, extra=csv_extra)
        sys.stdout.flush()
        return count
    from relations_db.formats.json import write_json, write_jsonl

    if fmt == "json":
        return write_stream(write_json, events)
    if fmt == "jsonl":
        return write_stream(write_jsonl, events)
    cells = cells or event_cells
    return print_table(columns, (cells(e) for e in events))


def emit_records(records: Iterable[Mapping[str, Any]], fmt: str, columns: list[Column],
                 cells: Callable[[Mapping[str, Any]], list[str]],
                 csv_fields: tuple[str, ...] | None = None) -> int:
    """Print non-event records (actors, sources…) as a table, csv, json or jsonl."""
    import csv

    from relations_db.formats.csv.columns import neutralise, write_row
    from relations_db.formats.json import write_json, write_jsonl

    if fmt == "json":
        return write_stream(write_json, records)
    if fmt == "jsonl":
        return write_stream(write_jsonl, records)
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        fields = csv_fields or ()
        writer.writerow(fields)
        count = 0
        for record in records:
            write_row(writer, sys.stdout, [neutralise(_csv_value(record.get(f))) for f in fields])
            count += 1
        return count
    return print_table(columns, (cells(r) for r in records))


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_csv_value(v) for v in value)
    return str(value)


# --- plain-text profiles: show, actor, source -----------------------------------------------------------------

CONFIDENCE = dict(enumerate(CONFIDENCE_LABELS))


def text_width() -> int:
    """The width text is wrapped to: the terminal's (or COLUMNS), 80 when stdout is a pipe or a file."""
    if is_terminal():
        return console().width
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def wrapped(text: str, indent: str, first: str | None = None) -> str:
    """`text` on lines as wide as the terminal (`text_width`), each indented by `indent` (the first by `first` if
    given); broken at spaces only, so that a word, a slug or a page range is never split."""
    import textwrap

    return textwrap.fill(" ".join(text.split()), width=text_width(), initial_indent=indent if first is None else first,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _field(label: str, value: str) -> str:
    return wrapped(value, " " * 12, f"{label + ':' if label else '':<12}")


def citation_lines(number: int, citation: Mapping[str, Any], indent: str = "  ") -> list[str]:
    """A citation as `show` and `source` print it: the note, the quotation, then its particulars."""
    from relations_db.domain.citing import note_text

    citation = visible_record(citation)
    inner = indent + "    "
    # (its id, `[c17]`, is what `edit citation` and `remove citation` take)
    ident = f" [c{citation['id']}]" if citation.get("id") is not None else ""
    lines = [wrapped(f"[{number}] {note_text(citation)}{ident}", inner, indent)]
    if citation.get("quote"):
        lines.append(wrapped(f"“{citation['quote']}”", inner))
    particulars = [f"source: {citation['source']}"]
    if citation.get("cited_in"):
        particulars.append(f"cited in: {citation['cited_in']}")
    if citation.get("cited_as"):
        particulars.append(f"cited as: {citation['cited_as']}")
    confidence = citation.get("confidence")
    label = CONFIDENCE.get(confidence, "?") if isinstance(confidence, int) else "?"
    particulars.append(f"confidence: {confidence} ({label})")
    lines.append(wrapped(" · ".join(particulars), inner))
    if citation.get("note"):
        lines.append(wrapped(f"note: {citation['note']}", inner))
    return lines


def event_text(event: Mapping[str, Any]) -> str:
    """Everything about one event (the dict of `read.events.event_by_ref`) as plain text."""
    event = visible_record(event)
    qualifiers = [q for q in ("approximate", "uncertain") if event.get(q)]
    precision = ", ".join([event["precision"], *qualifiers])
    lines = [wrapped(event["title"], ""), wrapped(f"#{event['id']} · {event['slug']} · {event['kind']}", ""), ""]
    lines.append(_field("Date", f"{event['display']} (EDTF {event['date']}; precision: {precision}; "
                                f"from {bound_label(event['start'], event.get('start_kind'))} "
                                f"to {bound_label(event['end'], event.get('end_kind'))})"))
    if event.get("derived"):
        lines.append(wrapped(claim_text.derived_text(event["derived"]), "            "))
    lines.append(_field("Type", type_label(event["type"])))
    lines.append(_field("Place", event.get("place") or "not recorded"))
    if event.get("tone") is not None:
        # (the scale's minus is U+2212, as the help prints it; the tone itself keeps its ASCII sign)
        lines.append(_field("Tone", f"{event['tone']:+d} (−{-TONE_MIN} hostile … +{TONE_MAX} cooperative)"))
        if event.get("tone_note"):
            lines.append(_field("Basis", event["tone_note"]))
    if event.get("summary"):
        lines.append(_field("Summary", event["summary"]))
    details = event.get("meeting") or event.get("agreement")
    if details:
        label = "Meeting" if event.get("meeting") else "Agreement"
        text = "; ".join(f"{k}: {v}" for k, v in details.items() if v) or "no details recorded"
        lines.append(_field(label, text))
    for label, key in (("Invokes", "invokes"), ("Invoked by", "invoked_by")):
        for i, other in enumerate(event.get(key) or []):
            lines.append(_field(label if i == 0 else "", f"{short_date(other['date'])}: {other['title']} "
                                                         f"({other['slug']})"))
    lines += ["", "Participants"]
    if event["actors"]:
        lines += [f"  {a['name']} ({a['kind']})" + (f": {a['role']}" if a.get("role") else "") for a in event["actors"]]
    else:
        lines.append("  none recorded")
    lines += ["", "Citations"]
    for number, citation in enumerate(event["citations"], 1):
        lines += citation_lines(number, citation)
    lines += claim_text.claims_section(event.get("claims") or [], wrapped)
    return "\n".join(lines) + "\n"


def bibliography(source: Mapping[str, Any]) -> str:
    """A reference-list entry: 'Duka, V. (2007). Albanian History 1912-2000. Tirana: Shblu.'"""
    parts = []
    csl = source.get("csl") or {}
    # (an archive file has no author: it is known by its archive, as the reference list prints it)
    head = source.get("author") or csl.get("archive") or ""
    head += f" ({source['year']})." if source.get("year") else ("." if head and not head.endswith(".") else "")
    if head:
        parts.append(head)
    if "title" in csl or not csl:  # (a designation standing in for a title is printed once, below)
        parts.append(source["title"].rstrip(".") + ".")
    if source.get("container"):
        container = source["container"]
        if source.get("volume"):
            container += f", {source['volume']}"
            if source.get("issue"):
                container += f"({source['issue']})"
        if source.get("pages"):
            container += f", {source['pages']}"
        parts.append(container + ".")
    if csl.get("archive_location"):
        parts.append(csl["archive_location"].rstrip(".") + ".")
    elif source.get("fund") or source.get("file"):
        parts.append(", ".join(p for p in (f"Fund {source['fund']}" if source.get("fund") else "",
                                           f"File {source['file']}" if source.get("file") else "") if p) + ".")
    if source.get("publisher") or source.get("place"):
        parts.append(": ".join(p for p in (source.get("place"), source.get("publisher")) if p) + ".")
    if source.get("doi"):
        parts.append(f"https://doi.org/{source['doi']}")
    elif source.get("url"):
        parts.append(source["url"])
    return " ".join(parts)
