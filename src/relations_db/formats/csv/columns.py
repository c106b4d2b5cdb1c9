"""The chronology CSV's one contract: its columns and the rules of its cells.

- The columns, in order: `CSV_COLUMNS` — the nine of the chronology (`CHRONOLOGY_COLUMNS`), then `id`, `slug`,
  `date_display` (the date as a reader sees it, `domain.dates.display`) and `notes` (every citation as an essay
  prints it, `domain.citing`). `DERIVED_COLUMNS` follow from the others and are ignored on import.
- A list in one cell is joined with `LIST_SEPARATOR` ("; ") and read back by splitting at `LIST_MARK` (";").
- A participant is `Name:role` (the form of `add event --actor`), `Name` alone when the role is not known.
- The sources are their short forms ("Duka 2007"), once each, in the order they are first cited.
- A cell a spreadsheet would run as a formula (starting with one of `FORMULA_START`) is led by `FORMULA_QUOTE`,
  which the reader takes off again; so is a cell that itself starts with `FORMULA_QUOTE` followed by one of
  `QUOTED_START` (a title really written "'=x"), so that the reader's taking off gives back what was stored.

Every way of writing a row follows these: `csv_cells` here for event dicts; the database's own cells (the
SQLite statement and PostgreSQL's COPY, in `statement.py` and `copy.py`) are built from the same constants, and
the reader undoes the quote with them.

Only the standard library and `domain` are imported: the export's worker processes load this module (`parts.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TextIO

from relations_db.domain.citing import NOTES_SEPARATOR, note_text, notes_cell
from relations_db.domain.dates import display

CHRONOLOGY_COLUMNS = ("date", "start", "end", "title", "type", "place", "actors", "sources", "summary")
CSV_COLUMNS = (*CHRONOLOGY_COLUMNS, "id", "slug", "date_display", "notes")
# What an import ignores: it follows from the date, or from the database (the id), or from the citations.
DERIVED_COLUMNS = ("start", "end", "id", "date_display", "notes")

LIST_SEPARATOR = NOTES_SEPARATOR  # (one separator for every list cell: the stored notes and sources use it)
LIST_MARK = LIST_SEPARATOR.strip()  # (a reader also takes ";" with no space, or with several)
ROLE_SEPARATOR = ":"

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What goes before such a cell, so that a spreadsheet shows it as text.
FORMULA_QUOTE = "'"
# What may follow a FORMULA_QUOTE the reader takes off: a cell starting with the quote and one of these is
# quoted once more on export.
QUOTED_START = (*FORMULA_START, FORMULA_QUOTE)


class RowWriter(Protocol):
    """What `write_row` needs of a `csv.writer`."""

    def writerow(self, row: Iterable[Any], /) -> Any: ...


def neutralise(cell: str) -> str:
    """Prefix a formula-looking cell with a single quote, so that a spreadsheet shows it as text; and a cell
    that already starts as one the reader would unquote (`unquote(neutralise(x)) == x` for every x)."""
    if cell.startswith(FORMULA_START) or (cell[:1] == FORMULA_QUOTE and cell[1:2] in QUOTED_START):
        return FORMULA_QUOTE + cell
    return cell


def unquote(cell: str) -> str:
    """A cell as it was before `neutralise`."""
    return cell[1:] if cell[:1] == FORMULA_QUOTE and cell[1:2] in QUOTED_START else cell


def participant_text(actor: Mapping[str, Any]) -> str:
    """`Name:role` (the form of `add event --actor`), or `Name` when the role is not known."""
    return f"{actor['name']}{ROLE_SEPARATOR}{actor['role']}" if actor.get("role") else actor["name"]


def source_shorts(event: Mapping[str, Any]) -> list[str]:
    """The short forms of the sources an event cites, once each, in citation order."""
    return list(dict.fromkeys(c["short"] for c in event["citations"]))


def csv_cells(event: Mapping[str, Any]) -> list[str]:
    """One CSV row of the chronology columns (`CSV_COLUMNS`) of an event dict (the JSON shape of
    `queries.event_rows`), formula-looking cells neutralised."""
    values = {
        # (an open or unknown end is an empty cell: the date beside it says which)
        "date": event["date"], "start": event["start"] or "", "end": event["end"] or "", "title": event["title"],
        "type": event["type"] or "", "place": event.get("place") or "",
        "actors": LIST_SEPARATOR.join(participant_text(a) for a in event["actors"]),
        "sources": LIST_SEPARATOR.join(source_shorts(event)), "summary": event.get("summary") or "",
        "id": event["id"], "slug": event["slug"], "date_display": display(event["date"]),
        "notes": notes_cell(note_text(c) for c in event["citations"]),
    }
    return [neutralise(str(values[name])) for name in CSV_COLUMNS]


def write_row(writer: RowWriter, out: TextIO, cells: Sequence[str]) -> None:
    """One CSV row, as `writer` (a csv.writer ending lines in "\\n") writes it, with a cell holding a carriage
    return always quoted. csv.writer before Python 3.11.9 and 3.12.3 (CPython gh-67044) leaves a lone "\\r" bare
    when lines end in "\\n", and a spreadsheet then breaks the row there; later versions quote it, as PostgreSQL's
    COPY does. This gives one output on every version."""
    if not any("\r" in cell for cell in cells):
        writer.writerow(cells)
        return
    quoted = ('"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell for cell in cells)
    out.write(",".join(quoted) + "\n")


def split_list(cell: str) -> list[str]:
    """The entries of a list cell (`LIST_SEPARATOR`-joined), blank ones dropped."""
    return [part.strip() for part in cell.split(LIST_MARK) if part.strip()]
