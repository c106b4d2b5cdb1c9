"""Reading a chronology CSV (as `export --format csv` writes it): its records parsed, each row checked and its
names resolved, CHUNK rows at a time. `importing.py` matches the checked rows with the recorded events and
writes them.

A file may hold millions of rows, so it is streamed, never read whole: names are resolved from maps read once
(`Names`), and each distinct name, date, role spec and source reference is resolved once and remembered.
Every row is checked; the problems of a chunk come with it, each with its line number. The `start` and `end`
columns follow from `date` and are ignored.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain import dates
from relations_db.domain.names import did_you_mean, rank
from relations_db.domain.text import control_problem, fold
from relations_db.errors import UserError, ValidationError
from relations_db.formats.csv.columns import CSV_COLUMNS, LIST_MARK, split_list, unquote
from relations_db.read.names import suggest
from relations_db.store.schema import actor_aliases, actors, place_aliases, places, sources
from relations_db.write.checks import parse_actor_spec

# Rows checked and written together: one set of queries and bulk statements per chunk (a power of two: on
# SQLite the events of a chunk then go in one statement, see bulk._statement_sizes).
CHUNK = 2048

# The longest cell a CSV may hold, in characters (the csv module's own limit, 128 Ki, is less than a long summary
# the database holds and exports; a seed file may be this large as a whole).
MAX_CELL = 50 * 1024 * 1024

Problem = tuple[int, str]  # (line, message)
Found = tuple[Any, str | None]  # (value, None), or (None, the error message)


@dataclass(slots=True)
class ParsedDate:
    """A parsed date with what the events table stores (ISO days as text for bulk statements)."""

    text: str
    columns: tuple[int | None, int | None, str | None, str | None, str | None, str | None]  # the events columns
    # start_day, end_day, start_kind, end_kind, start_iso, end_iso, as domain.dates computes them
    precision: str
    approximate: bool
    uncertain: bool
    folded: str  # fold(text), the start of an event's slug


@dataclass(slots=True)
class CheckedRow:
    """One checked CSV row, its names resolved to ids."""

    line: int
    date: ParsedDate
    title: str
    type: str
    place_id: int | None
    actors: tuple[tuple[int, str | None], ...]
    source_ids: tuple[int, ...]
    summary: str | None
    folded_title: str
    key: bytes
    # What `write.search_index.search_text` reads of an event besides its title and summary: a CSV has no quotations.
    citations: ClassVar[tuple[()]] = ()


@dataclass
class Chunk:
    """Checked rows (at most CHUNK), the problems found on their lines, and whether the file ends here."""

    rows: list[CheckedRow]
    problems: list[Problem]
    last: bool


def event_key(date_text: str, folded_title: str) -> bytes:
    """What identifies an event for matching: its date and folded title, as a 16-byte digest (a collision
    is about as likely as 2^-100 per import) so that a million rows need little memory."""
    return hashlib.blake2b(f"{date_text}\x00{folded_title}".encode(), digest_size=16).digest()


def first_bad_byte(path: str | Path) -> int:
    """The offset of the first byte that is not UTF-8, found again by reading the file in binary."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            offset += len(block)
    return offset


class Names:
    """Every spelling of the actors, places and sources, read once, so that checking a row asks no query.

    Each name, role spec, source reference and date seen is resolved once and remembered (with its error),
    since a large file repeats them on many rows.
    """

    def __init__(self, session: Session) -> None:
        self.actors, self.actor_names = self._spellings(session, actors, actor_aliases, actor_aliases.c.actor_id)
        self.places, self.place_names = self._spellings(session, places, place_aliases, place_aliases.c.place_id)
        self.source_keys: dict[str, int] = {}
        self.source_shorts: dict[str, set[int]] = defaultdict(set)
        self.source_names: list[str] = []
        for source_id, key, short in session.execute(select(sources.c.id, sources.c.key, sources.c.short)):
            self.source_keys[key] = source_id
            self.source_shorts[fold(short)].add(source_id)
            self.source_names += [short, key]
        # text → (value, None) or (None, error message)
        self.specs: dict[str, Found] = {}
        self.places_found: dict[str, Found] = {}
        self.sources_found: dict[str, Found] = {}
        self.dates: dict[str, Found] = {}

    @staticmethod
    def _spellings(session: Session, table: Any, aliases: Any,
                   owner: Any) -> tuple[dict[str, set[int]], list[tuple[int, str, str]]]:
        """(folded name → ids, every (id, canonical name, spelling)) of the records of `table` and their `aliases`."""
        found: dict[str, set[int]] = defaultdict(set)
        canonical: dict[int, str] = {}
        spelt: list[tuple[int, str, str]] = []
        for select_names in (select(table.c.id, table.c.name, table.c.name_folded),
                             select(owner, aliases.c.name, aliases.c.folded)):
            for owner_id, name, key in session.execute(select_names):
                found[key].add(owner_id)
                spelt.append((owner_id, canonical.setdefault(owner_id, name), name))
        return found, spelt

    @staticmethod
    def _one(table: dict[str, set[int]], name: str, spellings: list[tuple[int, str, str]], what: str) -> int:
        found = table.get(fold(name), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise UserError(f"{name!r} names several {what}s; use the full name")
        # (an import never takes a near miss: it names the records it may have meant, once each)
        raise UserError(f"no {what} named {name!r}" + did_you_mean(rank(name, spellings)))

    def actor(self, name: str) -> int:
        return self._one(self.actors, name, self.actor_names, "actor")

    def place(self, name: str) -> int:
        return self._one(self.places, name, self.place_names, "place")

    def source(self, ref: str) -> int:
        if ref in self.source_keys:
            return self.source_keys[ref]
        found = self.source_shorts.get(fold(ref), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise UserError(f"source {ref!r} matches several sources; use the key")
        raise UserError(suggest(ref, self.source_names, "source")
                        + " (a source must be in the database before a CSV can cite it: "
                          "`relations-db add source`, or import a YAML file that defines it)")

    @staticmethod
    def remembered(cache: dict[str, Found], text: str, resolve: Callable[[str], object]) -> Found:
        """(value, None) or (None, error message) for `text`, resolved once and remembered in `cache`."""
        found: Found
        try:
            found = cache[text] = (resolve(text), None)
        except UserError as exc:
            found = cache[text] = (None, str(exc))
        return found

    def spec(self, spec: str) -> Found:
        """'Name:role' → ((actor id, role), None) or (None, error)."""
        def resolve(text: str) -> tuple[int, str | None]:
            name, role = parse_actor_spec(text)
            return self.actor(name), role
        return self.specs.get(spec) or self.remembered(self.specs, spec, resolve)

    def place_of(self, name: str) -> Found:
        return self.places_found.get(name) or self.remembered(self.places_found, name, self.place)

    def source_of(self, ref: str) -> Found:
        return self.sources_found.get(ref) or self.remembered(self.sources_found, ref, self.source)

    def date(self, text: str) -> Found:
        def resolve(value: str) -> ParsedDate:
            parsed = dates.parse(value)
            columns = (parsed.start_day, parsed.end_day, parsed.start_kind, parsed.end_kind, parsed.start_iso,
                       parsed.end_iso)
            return ParsedDate(parsed.text, columns, parsed.precision, parsed.approximate, parsed.uncertain,
                              fold(parsed.text))
        return self.dates.get(text) or self.remembered(self.dates, text, resolve)


def _actor_pairs(cell: str, names: Names, errors: list[str]) -> list[tuple[int, str | None]]:
    """The (actor id, role) pairs of an actors cell, once each; what cannot be resolved goes to `errors`."""
    pairs: list[tuple[int, str | None]] = []
    specs = names.specs
    for spec in cell.split(LIST_MARK):
        spec = spec.strip()
        if spec:
            pair, error = specs.get(spec) or names.spec(spec)
            if error:
                errors.append(error)
            elif pair not in pairs:
                pairs.append(pair)
    return pairs


def _source_ids(cell: str, names: Names, errors: list[str]) -> list[int]:
    """The ids of the sources of a sources cell, once each; what cannot be resolved goes to `errors`."""
    refs = split_list(cell)
    if not refs:
        errors.append("no source: every event needs at least one (give the source's key or short form, "
                      "e.g. 'Duka 2007')")
    source_ids: list[int] = []
    known = names.sources_found
    for ref in refs:
        source_id, error = known.get(ref) or names.source_of(ref)
        if error:
            errors.append(error)
        elif source_id not in source_ids:
            source_ids.append(source_id)
    return source_ids


def check_row(line: int, cells: list[str], names: Names, width: int) -> CheckedRow | list[str]:
    """The checked row, or the list of what is wrong with it (in the order of the columns)."""
    if len(cells) != width:
        return [f"{len(cells)} cells where the header has {width} (a stray comma or quote?)"]
    date_cell, _, _, title, type_, place, actor_cell, source_cell, summary = [unquote(cell) for cell in cells]
    errors: list[str] = []
    date = None
    if date_cell.strip():
        date, error = names.dates.get(date_cell) or names.date(date_cell)
        if error:
            errors.append(error)
    else:
        errors.append("the date is empty")
    title, type_ = title.strip(), type_.strip()
    if not title:
        errors.append("the title is empty")
    if not type_:
        errors.append("the type is empty")
    place_id = None
    place = place.strip()
    if place:
        place_id, error = names.places_found.get(place) or names.place_of(place)
        if error:
            errors.append(error)
    for what, text, one_line in (("title", title, True), ("type", type_, True), ("summary", summary, False)):
        problem = control_problem(text, one_line)
        if problem:
            errors.append(f"the {what} {problem}")
    pairs = _actor_pairs(actor_cell, names, errors)
    source_ids = _source_ids(source_cell, names, errors)
    if errors:
        return errors
    assert date is not None  # (no error: the date was given and parsed)
    folded = fold(title)
    return CheckedRow(line, date, title, type_, place_id, tuple(pairs), tuple(source_ids),
                      summary if summary.strip() else None, folded, event_key(date.text, folded))


def _records(lines: Iterable[str], problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells) for every non-empty record."""
    csv.field_size_limit(MAX_CELL)  # (a process-wide setting: the tool reads no other CSV)
    reader = csv.reader(_bounded(lines), strict=True)
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                yield start, cells
    except csv.Error as exc:
        too_long = isinstance(exc, _TooLong) or str(exc).startswith("field larger than field limit")
        problems.append((line, f"a line or a cell of more than {MAX_CELL:,} characters" if too_long
                         else f"not valid CSV: {exc}"))


class _TooLong(csv.Error):
    """A line longer than MAX_CELL."""


def _bounded(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a file read at most MAX_CELL characters at a time: a file with no line end (/dev/zero, a
    pipe) is refused instead of read whole into memory."""
    readline = getattr(lines, "readline", None)
    if readline is None:
        yield from lines
        return
    for line in iter(lambda: readline(MAX_CELL + 1), ""):
        if len(line) > MAX_CELL:
            raise _TooLong
        yield line


def checked_chunks(lines: Iterable[str], names: Names, name: str) -> Iterator[Chunk]:
    """The checked rows, CHUNK at a time, each chunk with the problems found on its lines.

    A bad header or an empty file raises ValidationError at once. (A thread checking rows while the caller
    writes them was tried, and so was the other way round, a thread running a chunk's INSERTs while the next
    chunk is checked: on two cores shared with anything else both were slower, the threads taking turns at
    the GIL and the CPU caches — with the INSERTs in a thread, 100,000 events took 11-12 s instead of 9-10.)
    """
    problems: list[Problem] = []
    records = _records(lines, problems)
    _check_header(next(records, None), problems, name)
    width = len(CSV_COLUMNS)
    rows: list[CheckedRow] = []
    for line, cells in records:
        row = check_row(line, cells, names, width)
        if isinstance(row, list):
            problems.extend((line, error) for error in row)
            continue
        rows.append(row)
        if len(rows) >= CHUNK:
            yield Chunk(rows, problems, last=False)
            rows, problems = [], []
    yield Chunk(rows, problems, last=True)


def _check_header(first: tuple[int, list[str]] | None, problems: list[Problem], name: str) -> None:
    """ValidationError unless `first` (the first record) is the header of `export --format csv`."""
    if first is None:
        if problems:
            raise ValidationError(f"{name}: nothing was written:", [f"line {ln}: {m}" for ln, m in problems])
        raise ValidationError(f"{name}: the file is empty; a chronology CSV starts with the header "
                              f"{','.join(CSV_COLUMNS)}")
    line, header = first
    if [h.strip() for h in header] != list(CSV_COLUMNS):
        raise ValidationError(f"{name}, line {line}: the header must be exactly {','.join(CSV_COLUMNS)} "
                              f"(the columns of `relations-db export --format csv`); found {','.join(header)}")
