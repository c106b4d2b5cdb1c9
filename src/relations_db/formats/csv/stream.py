"""What every way of the CSV export shares: the header, rows of cells written as lines, encoded CSV pumped
into the output, and the size from which the parallel ways pay.

`writer.CsvExport` chooses the way; `parts.py` (SQLite, worker processes) and `copy.py` (PostgreSQL's COPY)
import this module and `statement.py`, never the writer, so that no two modules import each other. Only the
standard library is imported here: the export's worker processes load it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from relations_db.domain.citing import citation_text, notes_cell
from relations_db.domain.dates import display
from relations_db.formats.csv.columns import CSV_COLUMNS, LIST_SEPARATOR, QUOTED_START, neutralise, write_row

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Progress = Callable[[int], None] | None

# Below this many events, starting worker processes or extra connections costs more than it saves.
PARALLEL_AT_LEAST = 20_000

HEADER = ",".join(CSV_COLUMNS) + "\n"  # (as csv.writer writes it: no column name needs quotes)

# A formula character or a quote at the start of a cell other than the first (a CR anywhere sends the line the
# careful way). (A literal first character: a fast search.)
FORMULA_AFTER_COMMA = re.compile(",[" + re.escape("".join(c for c in QUOTED_START if c != "\r")) + "]")

# The database gives each event's citations as one cell: per citation its source id, the id of the work that
# reports it (empty when read first-hand), its locator and its locator there, joined by CITATION_FIELD (U+001F),
# the citations joined by CITATION_SPLIT (U+001E), in citation order. `Cells` makes the `sources` and `notes`
# cells of it in Python, with the one rule of `domain.citing` (never spelt again in SQL). No stored text holds a
# control character (`store/checked_text.py`); `SEPARATOR_IN_CITATIONS` (statement.py) makes sure.
CITATION_FIELD = "\x1f"
CITATION_SPLIT = "\x1e"

# Raw rows, as the statement gives them: the nine chronology cells (the sources cell holding the citations as
# above), then the id and the slug. `Cells.row` adds date_display and notes.
RAW_WIDTH = len(CSV_COLUMNS) - 2


class Cells:
    """The cells of a CSV row made of a raw row: the sources and the notes of the citations cell (source ids
    read as short forms through `shorts`), the date as a reader sees it.

    What is made is remembered — each date text, each citation (a bare one, "12\x1f\x1f\x1f", recurs on many
    events), each citations cell — and forgotten again beyond `KEPT` entries, so that memory stays flat. The rows
    come in date order, so a date recurs within a few rows; 100,000 entries of each kind took the export of 1M
    events to 102 MiB in its largest process (70 MiB with 5,000; BENCHMARKS.md).
    """

    KEPT = 5_000

    def __init__(self, shorts: dict[str, str]) -> None:
        self.shorts = shorts
        self.displays: dict[str, str] = {}
        self.cells: dict[str, tuple[str, str]] = {"": ("", "")}  # citations cell → (sources cell, notes cell)
        self.notes: dict[str, tuple[str, str]] = {}  # one citation → (its source's short form, its note)

    def row(self, raw: Sequence[Any]) -> tuple[str, ...]:
        """The CSV cells (`CSV_COLUMNS`) of a raw row (`RAW_WIDTH` cells)."""
        shown = self.displays.get(raw[0]) or self.display(raw[0])
        sources, notes = self.cells.get(raw[7]) or self.citations(raw[7])
        return (*raw[:7], sources, *raw[8:], shown, notes)

    def display(self, date: str) -> str:
        """How the date reads (`domain.dates.display`), remembered."""
        if len(self.displays) >= self.KEPT:
            self.displays.clear()
        shown = self.displays[date] = display(date)
        return shown

    def citations(self, cited: str) -> tuple[str, str]:
        """(the sources cell, the notes cell) of a citations cell."""
        known = self.notes
        if CITATION_SPLIT not in cited:  # (one citation)
            found = known.get(cited) or self._note(cited)
        else:
            parts = [known.get(citation) or self._note(citation) for citation in cited.split(CITATION_SPLIT)]
            found = (LIST_SEPARATOR.join(dict.fromkeys([short for short, _ in parts])),
                     notes_cell([note for _, note in parts]))
        if len(self.cells) >= self.KEPT:
            self.cells = {"": ("", "")}
        self.cells[cited] = found
        return found

    def _note(self, citation: str) -> tuple[str, str]:
        """(the short form of the source, the note) of one citation: ids and locators joined by CITATION_FIELD."""
        shorts = self.shorts
        source_id, in_id, locator, in_locator = citation.split(CITATION_FIELD)
        short = shorts[source_id]
        if len(self.notes) >= self.KEPT:
            self.notes.clear()
        found = self.notes[citation] = (short, citation_text(short, locator, shorts[in_id] if in_id else None,
                                                              in_locator))
        return found


class Selection(Protocol):
    """The events an export writes, as `writer.CsvExport` holds them: checked conditions and a limit."""

    session: Session
    where: list[Any]
    limit: int | None

    @property
    def everything(self) -> bool: ...


def write_rows(batches: Iterable[Sequence[Sequence[Any]]], out: TextIO, cells: Cells,
               progress: Progress = None, done: int = 0) -> int:
    """The raw rows (`RAW_WIDTH` cells each, batch by batch) as CSV lines; returns how many rows.
    `progress(done + rows so far)` is called after each batch.
    """
    writer = csv.writer(out, lineterminator="\n")
    count = 0
    width = len(CSV_COLUMNS) - 1
    formula_inside = FORMULA_AFTER_COMMA.search
    displays, cited_cells = cells.displays, cells.cells
    for rows in batches:
        lines = []
        for raw in rows:
            # (`cells.row`, written out: a call per row costs a tenth of the time this loop takes)
            shown = displays.get(raw[0]) or cells.display(raw[0])
            sources, notes = cited_cells.get(raw[7]) or cells.citations(raw[7])
            row = (*raw[:7], sources, *raw[8:], shown, notes)
            line = ",".join(row)
            # Written as it is when csv.writer and `neutralise` would leave it so: no cell holds a comma, a quote
            # or a line break, none starts with a formula character. (A comma inside a cell, or a formula
            # character after one, only sends the row the careful way.)
            if (line.count(",") == width and '"' not in line and "\n" not in line and "\r" not in line
                    and not line.startswith(QUOTED_START) and not formula_inside(line)):
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


def _byte_buffer(out: TextIO) -> Any:
    """`out`'s byte buffer (flushed first), when bytes written there read the same as text written to `out`:
    a UTF-8 text file that does not turn "\\n" into something else; else None."""
    import codecs
    import os

    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is None or not encoding or codecs.lookup(encoding).name != "utf-8" or os.linesep != "\n":
        return None
    out.flush()
    return buffer
