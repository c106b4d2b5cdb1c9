"""Reading a chronology CSV (as `export --format csv` writes it): its records parsed, each row checked and its
names resolved, CHUNK rows at a time. `importing.py` matches the checked rows with the recorded events and
writes them.

A file may hold millions of rows, so it is streamed, never read whole: names are resolved from maps read once
(`Names`), and each distinct name, date, role spec and source reference is resolved once and remembered.
Every row is checked; the problems of a chunk come with it, each with its line number. The header says where
each column is (`header.py`); `start`, `end`, `id`, `date_display` and `notes` follow from the rest and are
ignored. An empty cell means "keep what the event has" (`None` in a CheckedRow); whether a row that adds an
event has what an event needs is decided once it is known to be new (`importing.py`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain import dates
from relations_db.domain.names import did_you_mean, rank
from relations_db.domain.text import control_problem, fold
from relations_db.domain.vocab import SLUG_RULE, valid_slug
from relations_db.errors import UserError, ValidationError
from relations_db.formats.csv.columns import CSV_COLUMNS, LIST_MARK, split_list, unquote
from relations_db.formats.csv.header import Layout, day_first_hint, read_header
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
    shown: str  # the date as a reader sees it (domain.dates.display), the CSV cell stored with the event


@dataclass(slots=True)
class CheckedRow:
    """One checked CSV row, its names resolved to ids."""

    line: int
    date: ParsedDate | None  # (None, and the others below: an empty cell, keep what the event has)
    title: str | None
    type: str | None
    place_id: int | None
    actors: tuple[tuple[int, str | None], ...]
    source_ids: tuple[int, ...]
    summary: str | None
    folded_title: str
    key: bytes | None  # (None without a date and a title: matched by its slug only)
    slug: str | None
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
        self.short_of: dict[int, str] = {}  # (what the import's new events' CSV cells name)
        for source_id, key, short in session.execute(select(sources.c.id, sources.c.key, sources.c.short)):
            self.short_of[source_id] = short
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
                              fold(parsed.text), dates.display(parsed))
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
    source_ids: list[int] = []
    known = names.sources_found
    for ref in refs:
        source_id, error = known.get(ref) or names.source_of(ref)
        if error:
            errors.append(error)
        elif source_id not in source_ids:
            source_ids.append(source_id)
    return source_ids


def check_row(line: int, cells: list[str], names: Names, layout: Layout) -> CheckedRow | list[str]:
    """The checked row, or the list of what is wrong with it (in the order of the columns)."""
    if len(cells) != layout.width:
        return [f"{len(cells)} cells where the header has {layout.width} (a stray "
                f"{'comma' if layout.delimiter == ',' else repr(layout.delimiter)} or quote?)"]

    def cell(name: str) -> str:
        return unquote(layout.cell(cells, name))

    errors: list[str] = []
    date = _date(cell("date"), names, errors)
    title, type_, place, summary, slug = (cell(n).strip() for n in ("title", "type", "place", "summary", "slug"))
    place_id = None
    if place:
        place_id, error = names.places_found.get(place) or names.place_of(place)
        if error:
            errors.append(error)
    for what, text, one_line in (("title", title, True), ("type", type_, True), ("summary", cell("summary"), False)):
        problem = control_problem(text, one_line)
        if problem:
            errors.append(f"the {what} {problem}")
    if slug and not valid_slug(slug):
        errors.append(f"the slug {slug!r}: {SLUG_RULE}")
    if not slug:  # (a row is matched by its slug, else by its date and title)
        errors += [f"the {what} is empty" for what, given in (("date", cell("date").strip()), ("title", title))
                   if not given]
    pairs = _actor_pairs(cell("actors"), names, errors)
    source_ids = _source_ids(cell("sources"), names, errors)
    if errors:
        return errors
    folded = fold(title)
    return CheckedRow(line, date, title or None, type_ or None, place_id, tuple(pairs), tuple(source_ids),
                      cell("summary") if summary else None, folded,
                      event_key(date.text, folded) if date is not None and title else None, slug or None)


def _date(text: str, names: Names, errors: list[str]) -> ParsedDate | None:
    """The parsed date of a date cell (None when empty); a date that cannot be read goes to `errors`, with how
    to write it when it looks like a spreadsheet's day/month/year."""
    if not text.strip():
        return None
    date, error = names.dates.get(text) or names.date(text)
    if error:
        errors.append(day_first_hint(text) or error)
    return date


def records(lines: Iterable[str], problems: list[Problem], delimiter: str, line: int
             ) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells) for every non-empty record after the header (on line `line` - 1)."""
    csv.field_size_limit(MAX_CELL)  # (a process-wide setting: the tool reads no other CSV)
    reader = csv.reader(_bounded(lines), strict=True, delimiter=delimiter)
    first = line
    try:
        for cells in reader:
            start, line = line, reader.line_num + first
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
    for line in iter(partial(readline, MAX_CELL + 1), ""):  # (partial: no Python frame per line)
        if len(line) > MAX_CELL:
            raise _TooLong
        yield line


def header(lines: Iterable[str], name: str) -> tuple[Layout, Iterable[str], int]:
    """The layout of the file's header (its first line that is not blank), the rest of the lines, and the number
    of the line after the header; ValidationError when the file is empty or the header is not one."""
    readline = getattr(lines, "readline", None)
    rest: Iterable[str] = lines if readline is not None else iter(lines)
    read: Callable[[], str] = (lambda: readline(MAX_CELL + 1)) if readline is not None else (  # noqa: E731
        lambda: next(rest, ""))  # type: ignore[call-overload]
    number, blank = 1, 0
    line = read()
    while line and not line.strip() and blank <= MAX_CELL:  # (a file of nothing but line ends is bounded too)
        number, blank, line = number + 1, blank + len(line), read()
    if len(line) > MAX_CELL or blank > MAX_CELL:
        raise ValidationError(f"{name}, line {number}: a line or a cell of more than {MAX_CELL:,} characters")
    if not line:
        raise ValidationError(f"{name}: the file is empty; a chronology CSV starts with a header such as "
                              f"{','.join(CSV_COLUMNS)}")
    csv.field_size_limit(MAX_CELL)  # (a process-wide setting: the tool reads no other CSV)
    try:
        return read_header(line), rest, number + 1
    except ValueError as exc:
        raise ValidationError(f"{name}, line {number}: {exc}") from None


def rows_of(layout: Layout, rest: Iterable[str], first: int, names: Names) -> Iterator[Chunk]:
    """The checked rows of a chronology CSV after its header (`first`: the line after it), CHUNK at a time, each
    chunk with the problems found on its lines.

    (A thread checking rows while the caller writes them was tried, and so was the other way round, a thread
    running a chunk's INSERTs while the next chunk is checked: on two cores shared with anything else both were
    slower, the threads taking turns at the GIL and the CPU caches — with the INSERTs in a thread, 100,000 events
    took 11-12 s instead of 9-10.)
    """
    problems: list[Problem] = []
    rows: list[CheckedRow] = []
    for line, cells in records(rest, problems, layout.delimiter, first):
        row = check_row(line, cells, names, layout)
        if isinstance(row, list):
            problems.extend((line, error) for error in row)
            continue
        rows.append(row)
        if len(rows) >= CHUNK:
            yield Chunk(rows, problems, last=False)
            rows, problems = [], []
    yield Chunk(rows, problems, last=True)
