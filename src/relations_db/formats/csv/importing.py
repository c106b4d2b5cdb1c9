"""Importing a chronology CSV (as `export --format csv` writes it): its checked rows (`reader.py`) matched
with the recorded events and written, in the caller's transaction, all or nothing. Importing the same file
twice changes nothing.

A row is matched to an existing event by its date (the EDTF text) and its title, compared case- and
accent-insensitively: a match is updated (title, type, place, actors, summary) or left unchanged; anything else
is added as a new event. A CSV carries no quotation or page, so each source it lists becomes a bare citation
(the source alone, confidence 2); importing never removes a citation.

Rows are written in chunks with bulk statements (`bulk.BulkWriter`: multi-row INSERT on SQLite, COPY on
PostgreSQL), inside a savepoint. Every row is checked; writing stops at the first problem, and when there is
any the savepoint is rolled back and ValidationError lists them all: nothing is written. What stays in memory
grows with the rows, not with the file: a 16-byte key per new row (to find a row given twice) and, when the
database already holds events and the file is large, a key per recorded event (to match them); about 120
bytes each.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from relations_db.domain.text import fold, slug_of_folded
from relations_db.domain.vocab import CONFIDENCE_DEFAULT
from relations_db.errors import UserError, ValidationError
from relations_db.formats.csv.reader import (
    CHUNK,
    CheckedRow,
    Chunk,
    Names,
    Problem,
    checked_chunks,
    event_key,
    first_bad_byte,
)
from relations_db.store.schema import events, participations
from relations_db.write.claims import backfill as backfill_claims
from relations_db.write.search_index import refresh_search_for, search_text

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

Progress = Callable[[int], None]

# Once an import has added a chunk of events, and at least as many as the database held before, the
# secondary indexes (and on PostgreSQL the foreign keys) of the tables it fills are dropped and made again at
# the end (bulk.BulkWriter.defer_checks): building an index once is much cheaper than keeping it in step with
# rows that arrive in random order, and making them again costs at most twice the rows added.
# On PostgreSQL, dropping them takes an exclusive lock that keeps every reader of those tables waiting until the
# import commits (15.8 s for 100,000 events): a team server must stay readable, so there the drop is made only
# when the caller asks for it (`import --lock-tables`), by setting this key in the session's `info`. On SQLite
# a reader in WAL mode never waits for a writer, so the drop is always made.
DEFER_INDEXES_AFTER = CHUNK
LOCK_TABLES = "relations_db_lock_tables"
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
            raise ValidationError(f"{path}: not UTF-8 text (byte {first_bad_byte(path)}); save the spreadsheet "
                                  "as 'CSV UTF-8'") from None
        except OSError as exc:
            raise UserError(f"cannot read {str(path)!r}: {exc.strerror}") from None


def import_csv_text(session: Session, text: str, name: str = "<csv>", progress: Progress | None = None) -> ImportReport:
    """Check the whole CSV, then add or update its events in the caller's transaction."""
    return _CsvImport(session, name, progress).run(io.StringIO(text, newline=""))


_EVENT_COLUMNS = ("id", "slug", "kind", "date", "start_day", "end_day", "start_kind", "end_kind", "start_iso",
                  "end_iso", "precision", "approximate", "uncertain",
                  "title", "summary", "type", "tone", "place_id")
# What a CSV row sets on an event it matches (and what decides whether it changed).
_UPDATED = ("date", "start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso", "precision",
            "approximate", "uncertain", "title", "type", "place_id", "summary")
Pair = tuple[int, str | None]  # (actor id, role)
Keys = dict[bytes, int | list[int]]  # event key → the id of the recorded event, the ids of several, or minus a line


class _Matcher:
    """Finds the recorded events a chunk's rows match, by date and folded title.

    A small import (one chunk) asks for the events on its dates; a large one reads every event's key once,
    before the first write, instead of asking per chunk for dates that a random-order file spreads over the
    whole table.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.empty = session.execute(select(events.c.id).limit(1)).first() is None
        self.keys: Keys | None = None

    def _index(self, condition: ColumnElement[bool] | None = None) -> Keys:
        keys: Keys = {}
        stmt = select(events.c.id, events.c.date, events.c.title).order_by(events.c.id)
        if condition is not None:
            stmt = stmt.where(condition)
        for event_id, date, title in self.session.execute(stmt.execution_options(yield_per=10_000)):
            key = event_key(date, fold(title))
            found = keys.setdefault(key, event_id)
            if found != event_id:
                keys[key] = (found if isinstance(found, list) else [found]) + [event_id]
        return keys

    def match(self, chunk: Chunk, first: bool) -> Keys:
        """The keys of the recorded events that the chunk's rows may match (`first`: the file's first chunk)."""
        if self.empty:
            return {}
        if self.keys is not None:
            return self.keys
        if first and chunk.last:
            wanted = sorted({row.date.text for row in chunk.rows})
            keys: Keys = {}
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


def slug_base(folded_date: str, folded_title: str) -> str:
    """The slug an event added by the import starts from (before -2, -3… when taken): `write.events.event_slug_base`
    of its date and title, made from their folds, which the import has already (calling `slugify`, which folds
    them again, costs about 2 % of an import)."""
    return slug_of_folded(f"{folded_date} {folded_title}")


def search_fold(folded_title: str, summary: str | None) -> str:
    """`fold(search_index.search_text(row))` for a row with this folded title and summary, made of the parts' folds:
    fold() works character by character and then collapses white space, and the title is folded already
    (folding the whole text again costs about 3 % of an import)."""
    if summary is None:
        return folded_title
    folded = fold(summary)
    return f"{folded_title} {folded}" if folded_title and folded else folded_title or folded  # (" ".join of those)


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

    def add(self, rows: list[CheckedRow]) -> None:
        """New events for `rows`, with their participations, bare citations and search texts."""
        if not rows:
            return
        self._maybe_defer_indexes(len(rows))
        slugs = self._slugs(rows)
        ids = self.bulk.next_ids("events", len(rows))
        event_rows, part_rows, citation_rows, search_rows = [], [], [], []
        for event_id, slug, row in zip(ids, slugs, rows, strict=True):
            date = row.date
            event_rows.append((event_id, slug, "event", date.text, *date.columns, date.precision,
                               date.approximate, date.uncertain, row.title, row.summary, row.type, None,
                               row.place_id))
            part_rows += [(event_id, actor_id, role) for actor_id, role in row.actors]
            citation_rows += [(event_id, source_id, CONFIDENCE_DEFAULT) for source_id in row.source_ids]
            # The search text is the write side's (a row reads as an event with no quotations).
            body = search_text(row)  # type: ignore[arg-type]  # (it reads title, summary, citations: a row has them)
            search_rows.append((event_id, body, search_fold(row.folded_title, row.summary)))
        self.bulk.insert("events", _EVENT_COLUMNS, event_rows)
        self.bulk.insert("participations", ("event_id", "actor_id", "role"), part_rows)
        self.bulk.insert("citations", ("event_id", "source_id", "confidence"), citation_rows)
        self.bulk.insert("event_search", ("event_id", "body", "folded"), search_rows)
        self.report.added += len(rows)

    def _slugs(self, rows: list[CheckedRow]) -> list[str]:
        """A new slug per row: its date-and-title slug, or that with -2, -3… when taken (as `unique_slug`)."""
        bases = [slug_base(row.date.folded, row.folded_title) for row in rows]
        taken = self._taken(set(bases))
        slugs: list[str] = []
        for base in bases:
            slug = base if base not in taken else self._numbered(base, taken)
            taken.add(slug)
            self.given.add(slug)
            slugs.append(slug)
        return slugs

    def _numbered(self, base: str, taken: set[str]) -> str:
        """The first of base-2, base-3… not taken (the database asked 20 at a time; `taken` grows with them)."""
        n = 2
        while True:
            candidates = [f"{base}-{i}" for i in range(n, n + 20)]
            taken |= self._taken(set(candidates))
            slug = next((c for c in candidates if c not in taken), None)
            if slug is not None:
                return slug
            n += 20

    def _taken(self, slugs: set[str]) -> set[str]:
        """Which of `slugs` events already have. The database is asked about every one when it held events
        before the import; else only about those this import may have given out, since no other can be taken."""
        maybe = slugs if self.had else {slug for slug in slugs if slug in self.given}
        return self.bulk.existing("events", "slug", sorted(maybe)) if maybe else set()

    def _maybe_defer_indexes(self, coming: int) -> None:
        if not (self.bulk.sqlite or self.session.info.get(LOCK_TABLES)):
            return
        if self.restore is None and self.report.added + coming >= max(DEFER_INDEXES_AFTER, self.had):
            self.restore = self.bulk.defer_checks(_BULK_TABLES)

    def finish(self) -> None:
        """Make again the indexes (and foreign keys) dropped for the load."""
        if self.restore is not None:
            self.restore()
            self.restore = None

    # matched events

    def update(self, matched: list[tuple[CheckedRow, int]]) -> None:
        """Matched rows written over their events where they differ; the search text of those changed made
        again. Participations are compared as sets: the ones no longer listed go, the new ones are added after
        those that stay (the order `add event` and the ORM path give). Citations are only ever added."""
        if not matched:
            return
        current, parts, cited = self._recorded([event_id for _, event_id in matched])
        changes, drop, part_rows, citation_rows, touched = [], [], [], [], []
        for row, event_id in matched:
            date = row.date
            values = (date.text, *date.columns, date.precision, date.approximate, date.uncertain,
                      row.title, row.type, row.place_id, row.summary)  # in the order of _UPDATED
            changed = current[event_id] != values
            if changed:
                changes.append({"_id": event_id, **{f"new_{k}": v for k, v in zip(_UPDATED, values, strict=True)}})
            gone, added = _participation_changes(parts[event_id], row.actors)
            drop += gone
            part_rows += [(event_id, actor_id, role) for actor_id, role in added]
            known = cited[event_id]
            new_sources = [source_id for source_id in row.source_ids if source_id not in known]
            citation_rows += [(event_id, source_id, CONFIDENCE_DEFAULT) for source_id in new_sources]
            if changed or gone or added or new_sources:
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

    def _recorded(self, ids: list[int]) -> tuple[dict[int, tuple], dict[int, list[tuple[int, Pair]]],
                                                 dict[int, set[int]]]:
        """What the events `ids` hold now: the columns a row sets (in the order of _UPDATED), their
        participations ((id, (actor id, role)), in order) and the ids of the sources they cite."""
        fetch = self.bulk.fetch
        # (SQLite gives the flags as 0 or 1, which equal False and True)
        current = {r[0]: tuple(r[1:]) for r in fetch(
            "SELECT id, date, start_day, end_day, start_kind, end_kind, start_iso, end_iso, precision, approximate, "
            "uncertain, title, type, place_id, summary FROM events", "id", ids)}
        parts: dict[int, list[tuple[int, Pair]]] = defaultdict(list)
        for event_id, part_id, actor_id, role in fetch("SELECT event_id, id, actor_id, role FROM participations",
                                                       "event_id", ids, "ORDER BY id"):
            parts[event_id].append((part_id, (actor_id, role)))
        cited: dict[int, set[int]] = defaultdict(set)
        for event_id, source_id in fetch("SELECT event_id, source_id FROM citations", "event_id", ids):
            cited[event_id].add(source_id)
        return current, parts, cited


def _participation_changes(have: list[tuple[int, Pair]], actors: tuple[Pair, ...]) -> tuple[list[int], list[Pair]]:
    """(ids of the participations to remove, (actor id, role) pairs to add) to turn `have` into `actors`."""
    if [pair for _, pair in have] == list(actors):  # (the same list: nothing to do)
        return [], []
    wanted = set(actors)
    keep = {pair for _, pair in have if pair in wanted}
    gone = [part_id for part_id, pair in have if pair not in wanted]
    if not gone and keep == wanted:
        return [], []
    return gone, [pair for pair in actors if pair not in keep]


class _CsvImport:
    """One import: the chunks checked, sorted into new and matched rows, and written while nothing is wrong."""

    def __init__(self, session: Session, name: str, progress: Progress | None) -> None:
        self.session = session
        self.name = name
        self.progress = progress
        # A row's key → the line it was first seen on; a key of a recorded event is marked in the matcher's keys
        # instead (as minus the line), so that a file matching a million events does not hold a million keys
        # twice.
        self.seen: dict[bytes, int] = {}

    def run(self, lines: Iterable[str]) -> ImportReport:
        started = time.perf_counter()
        session = self.session
        session.flush()
        problems: list[Problem] = []
        # a savepoint: rolled back, with everything written, when any row is bad
        with session.begin_nested():
            names = Names(session)
            matcher = _Matcher(session)
            writer = _Writer(session)
            done = 0
            with writer.bulk.large_cache():
                for number, chunk in enumerate(checked_chunks(lines, names, self.name)):
                    problems += chunk.problems
                    new, matched = self._sort(chunk, matcher.match(chunk, first=number == 0), problems)
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
                backfill_claims(session)  # the new events' own claims, the changed ones' date and place claims
        if writer.report.updated:
            session.expire_all()  # ORM objects loaded before would show the rows as they were
        if self.progress is not None:
            self.progress(done)
        writer.report.seconds = time.perf_counter() - started
        return writer.report

    def _sort(self, chunk: Chunk, keys: Keys, problems: list[Problem]
              ) -> tuple[list[CheckedRow], list[tuple[CheckedRow, int]]]:
        """The chunk's new rows and its rows matching one recorded event (with its id); a row given twice, or
        matching several events, goes to `problems`."""
        new: list[CheckedRow] = []
        matched: list[tuple[CheckedRow, int]] = []
        seen = self.seen
        for row in chunk.rows:
            found = keys.get(row.key)
            if not isinstance(found, int):
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
        return new, matched

    def _several(self, row: CheckedRow, ids: list[int]) -> str:
        slugs = self.session.execute(select(events.c.slug).where(events.c.id.in_(ids)).order_by(events.c.id)).scalars()
        return (f"{row.date.text} {row.title!r} matches several events ({', '.join(slugs)}); "
                "edit one of them first")

    def _progress(self, before: int, after: int) -> None:
        if self.progress is not None:
            for done in range((before // 100 + 1) * 100, after + 1, 100):
                self.progress(done)
