"""Streaming writers over an iterator of event dicts (the JSON shape of `queries.event_rows`).

CSV, JSON, JSON Lines, the footnoted Markdown chronology and the plain-text chronology. Each writer takes any
iterable of events and a text stream, writes as it reads (nothing is built whole in memory except the notes
of a chronology, which must come after its entries), and returns how many events it wrote.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO

from relations_db.domain import dates

CSV_COLUMNS = ("date", "start", "end", "title", "type", "place", "actors", "sources", "summary")

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a formula-looking cell with a single quote, so that a spreadsheet shows it as text."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


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


def write_row(writer, out: TextIO, cells: Sequence[str]) -> None:
    """One CSV row, as `writer` (a csv.writer ending lines in "\\n") writes it, with a cell holding a carriage
    return always quoted. csv.writer before Python 3.11.9 and 3.12.3 (CPython gh-67044) leaves a lone "\\r" bare
    when lines end in "\\n", and a spreadsheet then breaks the row there; later versions quote it, as PostgreSQL's
    COPY does. This gives one output on every version."""
    if not any("\r" in cell for cell in cells):
        writer.writerow(cells)
        return
    quoted = ('"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell for cell in cells)
    out.write(",".join(quoted) + "\n")


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
        write_row(writer, out, csv_cells(event) + [neutralise("" if v is None else str(v)) for v in values])
        count += 1
    return count


def export_csv(session, filters, out: TextIO, progress: Callable[[int], None] | None = None) -> int:
    """`write_csv(queries.event_rows(session, filters), out)`, byte for byte, at scale (see `csv_export`)."""
    from relations_db.formats.csv.writer import CsvExport

    return CsvExport(session, filters).write(out, progress)


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
