"""What a CSV file's header says: which of the two CSV forms it is, where each column is, and its delimiter.

A spreadsheet saves a CSV its own way: headers in any case and order, the optional columns left out, and in much
of Europe `;` between cells (or a tab). The delimiter is the one of `DELIMITERS` that splits the header into
known column names. Only the standard library is imported.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from relations_db.formats.csv.columns import CSV_COLUMNS, DERIVED_COLUMNS

DELIMITERS = (",", ";", "\t")

# The long form: one row per citation (`export --format csv --per-citation`), and per claim it speaks to
# (formats/csv/claims.py).
CLAIM_COLUMNS = ("claim_id", "claim_kind", "claim_value", "stance", "rank", "reason", "at_least", "at_most", "own")
CITATION_COLUMNS = ("slug", "date", "title", "source", "short", "locator", "quote", "cited_as", "cited_in",
                    "cited_in_locator", "confidence", "note", *CLAIM_COLUMNS)
# What the long form's import ignores: the event's date and title only find it when the slug does not, the
# short form is the source's own (the key says which source), and a claim is found by its kind and value (its
# id is another database's).
CITATION_DERIVED = ("short", "claim_id")

# The columns each form needs in its header.
REQUIRED = {"events": ("date", "title"), "citations": ("source",)}


@dataclass(frozen=True)
class Layout:
    """A header read: the form ("events": the chronology CSV; "citations": the long form), the delimiter, and
    the position of each column the file has (ignored ones left out)."""

    form: str
    delimiter: str
    index: dict[str, int]
    width: int

    def cell(self, cells: list[str], name: str) -> str:
        """The cell of column `name` in a row, "" when the file has no such column."""
        at = self.index.get(name)
        return "" if at is None else cells[at]


def _names(line: str, delimiter: str) -> list[str]:
    return [name.strip().lower() for name in next(csv.reader([line], delimiter=delimiter), [])]


def read_header(line: str) -> Layout:
    """The layout of a file whose first line is `line`; ValueError with the reason when it is no header."""
    best: tuple[int, str, list[str]] | None = None
    for delimiter in DELIMITERS:
        names = _names(line, delimiter)
        for form, known in (("events", CSV_COLUMNS), ("citations", CITATION_COLUMNS)):
            unknown = [n for n in names if n not in known]
            score = len(names) - len(unknown)
            if not unknown and names:
                return _layout(form, delimiter, names)
            if best is None or score > best[0]:
                best = (score, delimiter, unknown)
    assert best is not None
    unknown = best[2]
    found = (f"the header has columns this tool does not know: {', '.join(repr(n) for n in unknown[:5])}"
             if best[0] > 1 else f"the first line is no header this tool knows: {line.strip()[:80]!r}")
    raise ValueError(f"{found}. A chronology CSV has the columns {', '.join(CSV_COLUMNS)} (any order, any case; "
                     f"only date and title are required), separated by ',', ';' or a tab; the long form has "
                     f"{', '.join(CITATION_COLUMNS)}")


def _layout(form: str, delimiter: str, names: list[str]) -> Layout:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"the header names the column {repeated[0]!r} more than once")
    missing = [n for n in REQUIRED[form] if n not in names]
    if missing and not (form == "events" and "slug" in names):
        raise ValueError(f"the header has no {missing[0]!r} column (a row is matched to its event by its slug, "
                         "else by its date and title)")
    ignored = DERIVED_COLUMNS if form == "events" else CITATION_DERIVED
    index = {name: at for at, name in enumerate(names) if name not in ignored}
    return Layout(form, delimiter, index, len(names))


_DAY_FIRST = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*")


def day_first_hint(text: str) -> str | None:
    """For a date written the spreadsheet way ('25/11/1961', '11/25/1961', '25.11.1961'): how to write it, else
    None."""
    found = _DAY_FIRST.fullmatch(text)
    if found is None:
        return None
    first, second, year = int(found[1]), int(found[2]), found[3]
    if 1 <= second <= 12 and 1 <= first <= 31 and (first > 12 or first == second):
        return f"looks like day/month/year: write {year}-{second:02d}-{first:02d}"
    if 1 <= first <= 12 and 13 <= second <= 31:
        return f"looks like month/day/year: write {year}-{first:02d}-{second:02d}"
    if 1 <= first <= 12 and 1 <= second <= 12:
        return (f"looks like day/month/year: write {year}-{second:02d}-{first:02d} (or {year}-{first:02d}-"
                f"{second:02d} if the month comes first); dates are written year-month-day")
    return None
