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

from relations_db.formats.csv.columns import CSV_COLUMNS, QUOTED_START, neutralise, write_row

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Progress = Callable[[int], None] | None

# Below this many events, starting worker processes or extra connections costs more than it saves.
PARALLEL_AT_LEAST = 20_000

HEADER = ",".join(CSV_COLUMNS) + "\n"  # (as csv.writer writes it: no column name needs quotes)

# A formula character or a quote at the start of a cell other than the first (a CR anywhere sends the line the
# careful way). (A literal first character: a fast search.)
FORMULA_AFTER_COMMA = re.compile(",[" + re.escape("".join(c for c in QUOTED_START if c != "\r")) + "]")


class Selection(Protocol):
    """The events an export writes, as `writer.CsvExport` holds them: checked conditions and a limit."""

    session: Session
    where: list[Any]
    limit: int | None

    @property
    def everything(self) -> bool: ...


def write_rows(batches: Iterable[Sequence[Sequence[str]]], out: TextIO, progress: Progress = None,
               done: int = 0) -> int:
    """The rows (the `CSV_COLUMNS` cells of each, as text, batch by batch) as CSV lines; returns how many rows.
    `progress(done + rows so far)` is called after each batch.
    """
    writer = csv.writer(out, lineterminator="\n")
    count = 0
    width = len(CSV_COLUMNS) - 1
    formula_inside = FORMULA_AFTER_COMMA.search
    for rows in batches:
        lines = []
        for row in rows:
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
