"""Bringing files in: the seed format (YAML) and the chronology CSV that `export --format csv` writes.

Both are checked whole — every bad row or entry is reported with its line number — and written in the
caller's transaction, all or nothing. Importing the same file twice changes nothing.

A CSV row is matched to an existing event by its date (the EDTF text) and its title, compared case- and
accent-insensitively: a match is updated (title, type, place, actors, summary) or left unchanged; anything else
is added as a new event. A CSV carries no quotation or page, so each source it lists becomes a bare citation
(the source alone, confidence 2); importing never removes a citation. The `start` and `end` columns are
derived from `date` and are ignored.

A CSV may hold millions of rows, so it is streamed, never read whole: rows are parsed and checked (names
resolved from maps read once, each distinct date parsed once) and written in chunks with bulk statements
(`bulk.BulkWriter`: multi-row INSERT on SQLite, COPY on PostgreSQL), inside a savepoint. Every row is
checked; writing stops at the first problem, and when there is any the savepoint is rolled back and
ValidationError lists them all: nothing is written. What stays in memory grows with the rows, not with the
file: a 16-byte key per new row (to find a row given twice) and, when the database already holds events and
the file is large, a key per recorded event (to match them); about 120 bytes each.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from relations_db.domain import dates
from relations_db.domain.text import fold
from relations_db.domain.vocab import CONFIDENCE_DEFAULT
from relations_db.errors import UserError, ValidationError
from relations_db.formats.export import FORMULA_START
from relations_db.read.names import suggest
from relations_db.store.schema import (
    actor_aliases,
    actors,
    events,
    participations,
    place_aliases,
    places,
    sources,
)
from relations_db.write.checks import parse_actor_spec
from relations_db.write.search_index import refresh_search_for

Progress = Callable[[int], None]
FORMATS = ("yaml", "csv")
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}
# The quote `export --format csv` puts before a cell a spreadsheet would run as a formula.
_FORMULA_FIRST = frozenset(FORMULA_START)

# Rows checked and written together: one set of queries and bulk statements per chunk (a power of two: on
# SQLite the events of a chunk then go in one statement, see bulk._statement_sizes).
CHUNK = 2048
# Once an import has added a chunk of events, and at least as many as the database held before, the
# secondary indexes (and on PostgreSQL the foreign keys) of the tables it fills are dropped and made again at
# the end (bulk.BulkWriter.defer_checks): building an index once is much cheaper than keeping it in step with
# rows that arrive in random order, and making them again costs at most twice the rows added.
DEFER_INDEXES_AFTER = CHUNK
_BULK_TABLES = ("events", "participations", "citations", "event_search")


@dataclass
class ImportReport:
    """What a CSV import did to events."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"events {self.added} added, {self.updated} updated, {self.unchanged} unchanged; "
                f"{self.seconds:.1f} s")


def file_format(path: str | Path, given: str | None = None) -> str:
    """'yaml' or 'csv': the one asked for, else the one the file's extension says."""
    if given:
        if given.lower() not in FORMATS:
            raise UserError(f"--format must be one of {', '.join(FORMATS)}; found {given!r}")
        return given.lower()
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise UserError(f"cannot tell the format of {str(path)!r} from its extension: name it .yaml, .yml or "
                        "`.csv`, or give --format yaml|csv")
    return _EXTENSIONS[suffix]


def import_file(session: Session, path: str | Path, format: str | None = None, progress: Progress | None = None):
    """Import a seed-format YAML or chronology CSV file; return its report (with `.summary()`)."""
    from relations_db.formats.seed.apply import load_seed_file

    if file_format(path, format) == "yaml":
        return load_seed_file(session, path, progress=progress)
    return import_csv_file(session, path, progress=progress)


def import_csv_file(session: Session, path: str | Path, progress: Progress | None = None) -> ImportReport:
    """Check and import a chronology CSV file, streamed (see the module's docstring)."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # -sig: spreadsheets often add a BOM
    except FileNotFoundError:
        raise UserError(f"cannot read {str(path)!r}: no such file") from None
    except OSError as exc:
        raise UserError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    with handle:
        try:
            return _CsvImport(session, str(path), progress).run(handle)
        except UnicodeDecodeError:
            raise ValidationError(f"{path}: not UTF-8 text (byte {_first_bad_byte(path)}); save the spreadsheet "
                                  "as 'CSV UTF-8'") from None
        except OSError as exc:
            raise UserError(f"cannot read {str(path)!r}: {exc.strerror}") from None


def import_csv_text(session: Session, text: str, name: str = "<csv>", progress: Progress | None = None) -> ImportReport:
    """Check the whole CSV, then add or update its events in the caller's transaction."""
    return _CsvImport(session, name, progress).run(io.StringIO(text, newline=""))


def _first_bad_byte(path: str | Path) -> int:
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


# --- reading and checking ------------------------------------------------------------------------------------


def unescape_cell(cell: str) -> str:
    """Undo the quote that the CSV export puts before a formula-looking cell ("'=x" → "=x")."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1] in _FORMULA_FIRST else cell


@dataclass(slots=True)
class _Date:
    """A parsed date with what the events table stores (ISO days as text for bulk statements)."""

    text: str
    start: object
    end: object
    start_iso: str
    end_iso: str
    precision: str
    approximate: bool
    uncertain: bool
    folded: str  # fold(text), the start of an event's slug base


@dataclass(slots=True)
class _Row:
    """One checked CSV row."""

    line: int
    date: _Date
    title: str
    type: str
    place_id: int | None
    actors: tuple[tuple[int, str | None], ...]
    source_ids: tuple[int, ...]
    summary: str | None
    folded_title: str
    key: bytes


def _key(date_text: str, folded_title: str) -> bytes:
    """What identifies an event for matching: its date and folded title, as a 16-byte digest (a collision
    is about as likely as 2^-100 per import) so that a million rows need little memory."""
    return hashlib.blake2b(f"{date_text}\x00{folded_title}".encode(), digest_size=16).digest()


class _Names:
    """Every spelling of the actors, places and sources, read once, so that checking a row asks no query.

    Each name, role spec, source reference and date seen is resolved once and remembered (with its error),
    since a large file repeats them on many rows.
    """

    def __init__(self, session: Session) -> None:
        self.actors: dict[str, set[int]] = defaultdict(set)
        self.actor_names: list[str] = []
        for table, owner in ((actors, actors.c.id), (actor_aliases, actor_aliases.c.actor_id)):
            folded = table.c.name_folded if table is actors else table.c.folded
            for owner_id, name, key in session.execute(select(owner, table.c.name, folded)):
                self.actors[key].add(owner_id)
                self.actor_names.append(name)
        self.places: dict[str, set[int]] = defaultdict(set)
        self.place_names: list[str] = []
        for table, owner in ((places, places.c.id), (place_aliases, place_aliases.c.place_id)):
            folded = table.c.name_folded if table is places else table.c.folded
            for owner_id, name, key in session.execute(select(owner, table.c.name, folded)):
                self.places[key].add(owner_id)
                self.place_names.append(name)
        self.source_keys: dict[str, int] = {}
        self.source_shorts: dict[str, set[int]] = defaultdict(set)
        self.source_names: list[str] = []
        for source_id, key, short in session.execute(select(sources.c.id, sources.c.key, sources.c.short)):
            self.source_keys[key] = source_id
            self.source_shorts[fold(short)].add(source_id)
            self.source_names += [short, key]
        # text → (value, None) or (None, error message)
        self._specs: dict[str, tuple] = {}
        self._places: dict[str, tuple] = {}
        self._sources: dict[str, tuple] = {}
        self._dates: dict[str, tuple] = {}

    @staticmethod
    def _one(table: dict[str, set[int]], name: str, names: list[str], what: str) -> int:
        found = table.get(fold(name), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise UserError(f"{name!r} names several {what}s; use the full name")
        raise UserError(suggest(name, names, what))

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

    def remembered(self, cache: dict[str, tuple], text: str, resolve: Callable[[str], object]) -> tuple:
        """(value, None) or (None, error message) for `text`, resolved once and remembered in `cache`."""
        try:
            found = cache[text] = (resolve(text), None)
        except UserError as exc:
            found = cache[text] = (None, str(exc))
        return found

    def spec(self, spec: str) -> tuple:
        """'Name:role' → ((actor id, role), None) or (None, error)."""
        def resolve(text: str) -> tuple[int, str | None]:
            name, role = parse_actor_spec(text)
            return self.actor(name), role
        return self._specs.get(spec) or self.remembered(self._specs, spec, resolve)

    def place_of(self, name: str) -> tuple:
        return self._places.get(name) or self.remembered(self._places, name, self.place)

    def source_of(self, ref: str) -> tuple:
        return self._sources.get(ref) or self.remembered(self._sources, ref, self.source)

    def date(self, text: str) -> tuple:
        def resolve(value: str) -> _Date:
            parsed = dates.parse(value)
            return _Date(parsed.text, parsed.start, parsed.end, parsed.start.isoformat(), parsed.end.isoformat(),
                         parsed.precision, parsed.approximate, parsed.uncertain, fold(parsed.text))
        return self._dates.get(text) or self.remembered(self._dates, text, resolve)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _check_row(line: int, cells: list[str], names: _Names, width: int) -> _Row | list[str]:
    """The checked row, or the list of what is wrong with it (in the order of the columns)."""
    if len(cells) != width:
        return [f"{len(cells)} cells where the header has {width} (a stray comma or quote?)"]
    date_cell, _, _, title, type_, place, actor_cell, source_cell, summary = [
        cell[1:] if cell[:1] == "'" and cell[1:2] in _FORMULA_FIRST else cell for cell in cells]
    errors: list[str] = []
    date = None
    if date_cell.strip():
        date, error = names._dates.get(date_cell) or names.date(date_cell)
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
        place_id, error = names._places.get(place) or names.place_of(place)
        if error:
            errors.append(error)
    pairs: list[tuple[int, str | None]] = []
    specs = names._specs
    for spec in actor_cell.split(";"):
        spec = spec.strip()
        if spec:
            pair, error = specs.get(spec) or names.spec(spec)
            if error:
                errors.append(error)
            elif pair not in pairs:
                pairs.append(pair)
    refs = _split(source_cell)
    if not refs:
        errors.append("no source: every event needs at least one (give the source's key or short form, "
                      "e.g. 'Duka 2007')")
    source_ids: list[int] = []
    known = names._sources
    for ref in refs:
        source_id, error = known.get(ref) or names.source_of(ref)
        if error:
            errors.append(error)
        elif source_id not in source_ids:
            source_ids.append(source_id)
    if errors:
        return errors
    folded = fold(title)
    return _Row(line, date, title, type_, place_id, tuple(pairs), tuple(source_ids),
                summary if summary.strip() else None, folded, _key(date.text, folded))


@dataclass
class _Chunk:
    rows: list[_Row]
    problems: list[tuple[int, str]]
    last: bool


def _records(lines: Iterable[str], problems: list[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells) for every non-empty record."""
    reader = csv.reader(lines, strict=True)
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                yield start, cells
    except csv.Error as exc:
        problems.append((line, f"not valid CSV: {exc}"))


def _checked_chunks(lines: Iterable[str], names: _Names, name: str) -> Iterator[_Chunk]:
    """The checked rows, CHUNK at a time, each chunk with the problems found on its lines.

    A bad header or an empty file raises ValidationError at once. (A thread checking rows while the caller
    writes them was tried, and so was the other way round, a thread running a chunk's INSERTs while the next
    chunk is checked: on two cores shared with anything else both were slower, the threads taking turns at
    the GIL and the CPU caches — with the INSERTs in a thread, 100,000 events took 11-12 s instead of 9-10.)
    """
    from relations_db.formats.export import CSV_COLUMNS

    problems: list[tuple[int, str]] = []
    records = _records(lines, problems)
    first = next(records, None)
    if first is None:
        if problems:
            raise ValidationError(f"{name}: nothing was written:", [f"line {ln}: {m}" for ln, m in problems])
        raise ValidationError(f"{name}: the file is empty; a chronology CSV starts with the header "
                              f"{','.join(CSV_COLUMNS)}")
    line, header = first
    if [h.strip() for h in header] != list(CSV_COLUMNS):
        raise ValidationError(f"{name}, line {line}: the header must be exactly {','.join(CSV_COLUMNS)} "
                              f"(the columns of `relations-db export --format csv`); found {','.join(header)}")
    width = len(CSV_COLUMNS)
    rows: list[_Row] = []
    for line, cells in records:
        row = _check_row(line, cells, names, width)
        if type(row) is list:
            problems.extend((line, error) for error in row)
            continue
        rows.append(row)
        if len(rows) >= CHUNK:
            yield _Chunk(rows, problems, last=False)
            rows, problems = [], []
    yield _Chunk(rows, problems, last=True)


# --- writing ---------------------------------------------------------------------------------------------------

_EVENT_COLUMNS = ("id", "slug", "kind", "date", "start_date", "end_date", "precision", "approximate", "uncertain",
                  "title", "summary", "type", "tone", "place_id")
# What a CSV row sets on an event it matches (and what decides whether it changed).
_UPDATED = ("date", "start_date", "end_date", "precision", "approximate", "uncertain", "title", "type", "place_id",
            "summary")


class _Matcher:
    """Finds the recorded events a chunk's rows match, by date and folded title.

    A small import (one chunk) asks for the events on its dates; a large one reads every event's key once,
    before the first write, instead of asking per chunk for dates that a random-order file spreads over the
    whole table.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.empty = session.execute(select(events.c.id).limit(1)).first() is None
        self.keys: dict[bytes, int | list[int]] | None = None

    def _index(self, condition=None) -> dict[bytes, int | list[int]]:
        keys: dict[bytes, int | list[int]] = {}
        stmt = select(events.c.id, events.c.date, events.c.title).order_by(events.c.id)
        if condition is not None:
            stmt = stmt.where(condition)
        for event_id, date, title in self.session.execute(stmt.execution_options(yield_per=10_000)):
            key = _key(date, fold(title))
            found = keys.setdefault(key, event_id)
            if found != event_id:
                keys[key] = (found if isinstance(found, list) else [found]) + [event_id]
        return keys

    def match(self, chunk: _Chunk, first: bool) -> dict[bytes, int | list[int]]:
        if self.empty:
            return {}
        if self.keys is not None:
            return self.keys
        if first and chunk.last:
            wanted = sorted({row.date.text for row in chunk.rows})
            keys: dict[bytes, int | list[int]] = {}
            for i in range(0, len(wanted), 500):
                keys.update(self._index(events.c.date.in_(wanted[i:i + 500])))
            return keys
        self.keys = self._index()
        return self.keys


class _Given:
    """A set of strings that may answer "maybe" for one it does not hold (about one in a hundred after a
    million), in 16 MiB whatever their number: a bit per hash value (a Bloom filter with one hash)."""

    _BITS = 1 << 27

    def __init__(self) -> None:
        self.bits = bytearray(self._BITS // 8)

    def add(self, text: str) -> None:
        h = hash(text) & (self._BITS - 1)
        self.bits[h >> 3] |= 1 << (h & 7)

    def __contains__(self, text: str) -> bool:
        h = hash(text) & (self._BITS - 1)
        return bool(self.bits[h >> 3] & (1 << (h & 7)))


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _slug_base(row: _Row) -> str:
    """`services.event_slug_base(row.date.text, row.title)`, from the folded date and title the row has:
    fold works character by character and then only collapses white space, which slugify turns into '-'
    with whatever else is not a letter or digit, so folding the parts apart gives the same slug."""
    slug = _NOT_SLUG.sub("-", f"{row.date.folded} {row.folded_title}").strip("-")
    return slug[:80].rstrip("-") or "event"


class _Writer:
    """Adds and updates the events of checked chunks with bulk statements."""

    def __init__(self, session: Session) -> None:
        from relations_db.store.bulk import BulkWriter

        self.session = session
        self.bulk = BulkWriter(session)
        self.report = ImportReport()
        self.had = session.execute(select(func.count()).select_from(events)).scalar_one()
        self.restore: Callable[[], None] | None = None
        self.given = _Given()  # the slugs this import gave out

    # new events

    def add(self, rows: list[_Row]) -> None:
        if not rows:
            return
        self._maybe_defer_indexes(len(rows))
        slugs = self._slugs(rows)
        ids = self.bulk.next_ids("events", len(rows))
        event_rows, part_rows, citation_rows, search_rows = [], [], [], []
        for event_id, slug, row in zip(ids, slugs, rows):
            date = row.date
            event_rows.append((event_id, slug, "event", date.text, date.start_iso, date.end_iso, date.precision,
                               date.approximate, date.uncertain, row.title, row.summary, row.type, None,
                               row.place_id))
            part_rows += [(event_id, actor_id, role) for actor_id, role in row.actors]
            citation_rows += [(event_id, source_id, CONFIDENCE_DEFAULT) for source_id in row.source_ids]
            # services.search_text of an event whose citations have no quotation; folded in two parts, since
            # fold() works word by word and the title is folded already.
            if row.summary is None:
                search_rows.append((event_id, row.title, row.folded_title))
            else:
                title, summary = row.folded_title, fold(row.summary)  # (" ".join of those not empty)
                search_rows.append((event_id, f"{row.title}\n{row.summary}",
                                    f"{title} {summary}" if title and summary else title or summary))
        self.bulk.insert("events", _EVENT_COLUMNS, event_rows)
        self.bulk.insert("participations", ("event_id", "actor_id", "role"), part_rows)
        self.bulk.insert("citations", ("event_id", "source_id", "confidence"), citation_rows)
        self.bulk.insert("event_search", ("event_id", "body", "folded"), search_rows)
        self.report.added += len(rows)

    def _slugs(self, rows: list[_Row]) -> list[str]:
        """A new slug per row: its date-and-title slug, or that with -2, -3… when taken (as `unique_slug`)."""
        bases = [_slug_base(row) for row in rows]
        taken = self._taken(set(bases))
        slugs: list[str] = []
        for base in bases:
            slug = base
            if slug in taken:
                n = 2
                while True:
                    candidates = [f"{base}-{i}" for i in range(n, n + 20)]
                    taken |= self._taken(set(candidates))
                    slug = next((c for c in candidates if c not in taken), None)
                    if slug is not None:
                        break
                    n += 20
            taken.add(slug)
            self.given.add(slug)
            slugs.append(slug)
        return slugs

    def _taken(self, slugs: set[str]) -> set[str]:
        """Which of `slugs` events already have. The database is asked about every one when it held events
        before the import; else only about those this import may have given out, since no other can be taken."""
        maybe = slugs if self.had else {slug for slug in slugs if slug in self.given}
        return self.bulk.existing("events", "slug", sorted(maybe)) if maybe else set()

    def _maybe_defer_indexes(self, coming: int) -> None:
        if self.restore is None and self.report.added + coming >= max(DEFER_INDEXES_AFTER, self.had):
            self.restore = self.bulk.defer_checks(_BULK_TABLES)

    def finish(self) -> None:
        """Make again the indexes (and foreign keys) dropped for the load."""
        if self.restore is not None:
            self.restore()
            self.restore = None

    # matched events

    def update(self, matched: list[tuple[_Row, int]]) -> None:
        if not matched:
            return
        ids = [event_id for _, event_id in matched]
        fetch = self.bulk.fetch
        # (SQLite gives the days as the ISO text it stores, and the flags as 0 or 1, which equal False and True)
        days = ("start_date, end_date" if self.bulk.sqlite else
                "to_char(start_date, 'YYYY-MM-DD'), to_char(end_date, 'YYYY-MM-DD')")
        current = {r[0]: r[1:] for r in fetch(f"SELECT id, date, {days}, precision, approximate, uncertain, title, "
                                               "type, place_id, summary FROM events", "id", ids)}
        parts: dict[int, list] = defaultdict(list)
        for event_id, part_id, actor_id, role in fetch("SELECT event_id, id, actor_id, role FROM participations",
                                                       "event_id", ids, "ORDER BY id"):
            parts[event_id].append((part_id, (actor_id, role)))
        cited: dict[int, set[int]] = defaultdict(set)
        for event_id, source_id in fetch("SELECT event_id, source_id FROM citations", "event_id", ids):
            cited[event_id].add(source_id)

        changes, drop, part_rows, citation_rows, touched = [], [], [], [], []
        for row, event_id in matched:
            date = row.date
            changed = current[event_id] != (date.text, date.start_iso, date.end_iso, date.precision, date.approximate,
                                            date.uncertain, row.title, row.type, row.place_id, row.summary)
            if changed:
                values = (date.text, date.start, date.end, date.precision, date.approximate, date.uncertain,
                          row.title, row.type, row.place_id, row.summary)  # in the order of _UPDATED
                changes.append({"_id": event_id, **{f"new_{k}": v for k, v in zip(_UPDATED, values)}})
            # Participations are compared as sets: the ones no longer listed go, the new ones are added after
            # those that stay (the order `add event` and the ORM path give).
            have = parts[event_id]
            moved = False
            if [pair for _, pair in have] != list(row.actors):  # (the same list: nothing to do)
                wanted = set(row.actors)
                keep = {pair for _, pair in have if pair in wanted}
                gone = [part_id for part_id, pair in have if pair not in wanted]
                if gone or keep != wanted:
                    moved = True
                    drop += gone
                    part_rows += [(event_id, a, r) for a, r in row.actors if (a, r) not in keep]
            known = cited[event_id]
            new_sources = [source_id for source_id in row.source_ids if source_id not in known]
            citation_rows += [(event_id, source_id, CONFIDENCE_DEFAULT) for source_id in new_sources]
            if changed or moved or new_sources:
                touched.append(event_id)
        if changes:
            # (bound parameters may not take the names of the columns they set)
            stmt = update(events).where(events.c.id == bindparam("_id")).values(
                {c: bindparam(f"new_{c}") for c in _UPDATED})
            self.session.execute(stmt, changes)
        for i in range(0, len(drop), 1000):
            self.session.execute(delete(participations).where(participations.c.id.in_(drop[i:i + 1000])))
        self.bulk.insert("participations", ("event_id", "actor_id", "role"), part_rows)
        self.bulk.insert("citations", ("event_id", "source_id", "confidence"), citation_rows)
        if touched:
            refresh_search_for(self.session, touched)
        self.report.updated += len(touched)
        self.report.unchanged += len(matched) - len(touched)


class _CsvImport:
    def __init__(self, session: Session, name: str, progress: Progress | None) -> None:
        self.session = session
        self.name = name
        self.progress = progress

    def run(self, lines: Iterable[str]) -> ImportReport:
        started = time.perf_counter()
        session = self.session
        session.flush()
        problems: list[tuple[int, str]] = []
        # a savepoint: rolled back, with everything written, when any row is bad
        with session.begin_nested():
            names = _Names(session)
            matcher = _Matcher(session)
            writer = _Writer(session)
            done = 0
            with writer.bulk.large_cache():
                # A row's key → the line it was first seen on; a key of a recorded event is marked in `keys`
                # instead (as minus the line), so that a file matching a million events does not hold a
                # million keys twice.
                seen: dict[bytes, int] = {}
                for number, chunk in enumerate(_checked_chunks(lines, names, self.name)):
                    problems += chunk.problems
                    keys = matcher.match(chunk, first=number == 0)
                    new, matched = [], []
                    for row in chunk.rows:
                        found = keys.get(row.key)
                        if type(found) is not int:
                            first = seen.setdefault(row.key, row.line)
                        else:
                            first = -found if found < 0 else row.line
                        if first != row.line:
                            problems.append((row.line, f"the same event ({row.date.text}, {row.title!r}) is already "
                                                       f"on line {first}"))
                        elif found is None:
                            new.append(row)
                        elif isinstance(found, list):
                            problems.append((row.line, self._several(row, found)))
                        else:
                            matched.append((row, found))
                            keys[row.key] = -row.line
                    if not problems:
                        writer.add(new)
                        writer.update(matched)
                    self._progress(done, done + len(chunk.rows))
                    done += len(chunk.rows)
                if problems:
                    listed = [f"line {ln}: {m}" for ln, m in sorted(problems, key=lambda p: p[0])]
                    raise ValidationError(f"{self.name}: {len(listed)} problem{'s' if len(listed) != 1 else ''}, "
                                          "nothing was written:", listed)
                writer.finish()
        if writer.report.updated:
            session.expire_all()  # ORM objects loaded before would show the rows as they were
        if self.progress is not None:
            self.progress(done)
        writer.report.seconds = time.perf_counter() - started
        return writer.report

    def _several(self, row: _Row, ids: list[int]) -> str:
        slugs = self.session.execute(select(events.c.slug).where(events.c.id.in_(ids)).order_by(events.c.id)).scalars()
        return (f"{row.date.text} {row.title!r} matches several events ({', '.join(slugs)}); "
                "edit one of them first")

    def _progress(self, before: int, after: int) -> None:
        if self.progress is not None:
            for done in range((before // 100 + 1) * 100, after + 1, 100):
                self.progress(done)
