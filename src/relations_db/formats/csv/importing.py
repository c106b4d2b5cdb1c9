"""Importing a chronology CSV (as `export --format csv` writes it): its checked rows (`reader.py`) matched
with the recorded events and written, in the caller's transaction, all or nothing. Importing the same file
twice changes nothing.

A row is matched to an existing event by its slug, else by its date (the EDTF text) and its title, compared case-
and accent-insensitively. An import never erases: in a matched row an empty cell keeps what the event has, a
filled one replaces it (date, title, type, place, summary); the participants and sources it lists are added to
those the event has, never replacing them (an actor listed without a role whom the event already has is not
added again). Clearing a field is a deliberate `edit`. Anything else is added as a new event (with the row's
slug when it gives a free one); it needs a date, a title and a source (an empty type leaves it unclassified).
A chronology CSV carries no quotation or page, so each source it lists that the event does not cite yet becomes
a bare citation (the source alone, confidence 2); the long form (`citations.py`) brings the quotations and pages.

`ImportReport` says what was (or, with a dry run, would be) added, updated — field by field, before → after — and
left unchanged.

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
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from relations_db.domain.citing import evidence_cells
from relations_db.domain.dates import slug_date
from relations_db.domain.text import fold, slug_of_folded
from relations_db.domain.vocab import CONFIDENCE_DEFAULT
from relations_db.domain.words import search_form
from relations_db.errors import UserError, ValidationError
from relations_db.formats.csv.changes import SHOWN_FIELDS, UPDATED, Pair, new_participants, shown, updated_values
from relations_db.formats.csv.matching import GivenSlugs, event_ids_of_slugs
from relations_db.formats.csv.reader import (
    CHUNK,
    CheckedRow,
    Chunk,
    Names,
    Problem,
    event_key,
    first_bad_byte,
    header,
    rows_of,
)
from relations_db.formats.csv.report import ImportReport
from relations_db.store.bulk import BulkWriter
from relations_db.store.schema import events
from relations_db.write.claims import follow_import
from relations_db.write.search_index import SEARCH_COLUMNS, refresh_search_for

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
            raise ValidationError(not_utf8(path)) from None
        except OSError as exc:
            raise UserError(f"cannot read {str(path)!r}: {exc.strerror}") from None


def not_utf8(path: str | Path) -> str:
    """The message for a file that is not UTF-8: where, and how to save it again."""
    offset = first_bad_byte(path)
    with open(path, "rb") as handle:
        line = handle.read(offset).count(b"\n") + 1
    return (f"{path}, line {line}: not UTF-8 text (byte {offset}); save it again as UTF-8 — in Excel 'Save As' "
            "'CSV UTF-8 (Comma delimited)', in LibreOffice 'Save As' CSV with 'Edit filter settings' and the "
            "character set 'Unicode (UTF-8)'")


def import_csv_text(session: Session, text: str, name: str = "<csv>", progress: Progress | None = None) -> ImportReport:
    """Check the whole CSV, then add or update its events in the caller's transaction."""
    return _CsvImport(session, name, progress).run(io.StringIO(text, newline=""))


_EVENT_COLUMNS = ("id", "slug", "kind", "date", "start_day", "end_day", "start_kind", "end_kind", "start_iso",
                  "end_iso", "precision", "approximate", "uncertain",
                  "title", "summary", "type", "tone", "place_id", "date_display", "sources_cell", "notes_cell")
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
            wanted = sorted({row.date.text for row in chunk.rows if row.date is not None})
            keys: Keys = {}
            for i in range(0, len(wanted), 500):
                keys.update(self._index(events.c.date.in_(wanted[i:i + 500])))
            return keys
        self.keys = self._index()
        return self.keys

    def by_slug(self, chunk: Chunk) -> dict[str, int]:
        """The ids of the recorded events whose slugs the chunk's rows give."""
        wanted = sorted({row.slug for row in chunk.rows if row.slug is not None})
        if self.empty or not wanted:
            return {}
        return event_ids_of_slugs(BulkWriter(self.session), wanted)


def slug_base(folded_date: str, folded_title: str) -> str:
    """The slug an event added by the import starts from (before -2, -3… when taken): `write.events.event_slug_base`
    of its date and title, made from their folds, which the import has already (calling `slugify`, which folds
    them again, costs about 2 % of an import)."""
    return slug_of_folded(f"{slug_date(folded_date)} {folded_title}")


class _Writer:
    """Adds and updates the events of checked chunks with bulk statements."""

    def __init__(self, session: Session, shorts: dict[int, str]) -> None:
        self.session = session
        self.bulk = BulkWriter(session)
        self.report = ImportReport()
        self.had = session.execute(select(func.count()).select_from(events)).scalar_one()
        self.restore: Callable[[], None] | None = None
        self.given = GivenSlugs()  # the slugs this import gave out
        self.shorts = shorts  # (each source's short form: an import adds no source)
        self.cited: dict[tuple[int, ...], tuple[str, str]] = {}  # the cells of a row's sources, a few thousand

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
            assert date is not None and row.title is not None  # (checked by _CsvImport._new)
            self.report.detail(row.line, f"added {slug}: {date.text} {row.title}")
            cells = self.cited.get(row.source_ids) or self._cells(row.source_ids)
            event_rows.append((event_id, slug, "event", date.text, *date.columns, date.precision,
                               date.approximate, date.uncertain, row.title, row.summary, row.type, None,
                               row.place_id, date.shown, *cells))
            part_rows += [(event_id, actor_id, role) for actor_id, role in row.actors]
            citation_rows += [(event_id, source_id, CONFIDENCE_DEFAULT) for source_id in row.source_ids]
            # The search text is the write side's (a row reads as an event with no quotations).
            search_rows.append((event_id, row.title if row.summary is None else f"{row.title}\n{row.summary}",
                                search_form(row.title), search_form(row.summary), ""))
        self.bulk.insert("events", _EVENT_COLUMNS, event_rows)
        self.bulk.insert("participations", ("event_id", "actor_id", "role"), part_rows)
        self.bulk.insert("citations", ("event_id", "source_id", "confidence"), citation_rows)
        self.bulk.insert("event_search", SEARCH_COLUMNS, search_rows)
        self.report.added += len(rows)

    def _cells(self, source_ids: tuple[int, ...]) -> tuple[str, str]:
        """The sources and notes cells of a new event citing these sources bare (`write.event_cells`' rule)."""
        if len(self.cited) >= 5_000:  # (rows come in any order: a bounded memory of the recent ones)
            self.cited.clear()
        found = self.cited[source_ids] = evidence_cells((self.shorts[i], None, None, None) for i in source_ids)
        return found

    def _slugs(self, rows: list[CheckedRow]) -> list[str]:
        """A new slug per row: its date-and-title slug, or that with -2, -3… when taken (as `unique_slug`)."""
        bases = [row.slug or slug_base(row.date.folded, row.folded_title) for row in rows]  # type: ignore[union-attr]
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
        """Which of `slugs` events have, or had before a merge. The database is asked about every one when it held
        events before the import; else only about those this import may have given out, since no other can be
        taken."""
        if not self.had:
            maybe = sorted(slug for slug in slugs if slug in self.given)
            return self.bulk.existing("events", "slug", maybe) if maybe else set()
        # (a former slug of a merged event still names it: never given to another, as `add event` does)
        asked = sorted(slugs)
        return self.bulk.existing("events", "slug", asked) | self.bulk.existing("retired_slugs", "slug", asked)

    def _maybe_defer_indexes(self, coming: int) -> None:
        if not (self.bulk.sqlite or self.session.info.get(LOCK_TABLES)):
            return
        if self.restore is None and self.report.added + coming >= max(DEFER_INDEXES_AFTER, self.had):
            self.restore = self.bulk.defer_checks(_BULK_TABLES)

    def finish(self) -> None:
        """Make again the indexes (and foreign keys) dropped for the load; on PostgreSQL, after a large load that
        kept them, refresh the planner's statistics of the tables as the restore does."""
        if self.restore is not None:
            self.restore()
            self.restore = None
        elif not self.bulk.sqlite and self.report.added >= max(DEFER_INDEXES_AFTER, self.had):
            # Without it, the planner takes the grown tables for what they were until autovacuum gets to them: a
            # year query just after 100,000 events took 1.07 s instead of 0.28 s. ANALYZE takes a lock that
            # neither readers nor writers wait for.
            self.bulk.analyze(_BULK_TABLES)

    # matched events

    def update(self, matched: list[tuple[CheckedRow, int]], problems: list[Problem]) -> None:
        """Matched rows written over their events where they give a different value (an empty cell keeps the
        event's); the participants and sources they list that the event lacks added; the search text of the
        events changed made again. A row that would change the date of an event with several date claims
        (sources that disagree) goes to `problems`: an import does not choose between sources."""
        if not matched:
            return
        current, parts, cited = self._recorded([event_id for _, event_id in matched])
        several = self._several_dates([event_id for _, event_id in matched])
        changes, part_rows, citation_rows, touched = [], [], [], []
        for row, event_id in matched:
            slug, values = current[event_id]
            after = updated_values(row, values)
            if event_id in several and after[0] != values[0]:
                problems.append((row.line, f"{slug} has several date claims (its sources disagree): an import "
                                           f"does not choose between them; change one with `edit claim`"))
                continue
            if after != values:
                changes.append({"_id": event_id, **{f"new_{k}": v for k, v in zip(UPDATED, after, strict=True)}})
                self._describe(row.line, slug, values, after)
            added = new_participants(parts[event_id], row.actors)
            part_rows += [(event_id, actor_id, role) for actor_id, role in added]
            known = cited[event_id]
            new_sources = [source_id for source_id in row.source_ids if source_id not in known]
            citation_rows += [(event_id, source_id, CONFIDENCE_DEFAULT) for source_id in new_sources]
            if added:
                names = self._labels("actors", "name", [actor_id for actor_id, _ in added])
                self.report.detail(row.line, f"updated {slug}: actors: + " + "; ".join(
                    names[actor_id] + (f":{role}" if role else "") for actor_id, role in added))
            if new_sources:
                shorts = self._labels("sources", "short", new_sources)
                self.report.detail(row.line, f"updated {slug}: sources: + " + "; ".join(shorts[i] for i in new_sources))
            if after != values or added or new_sources:
                touched.append(event_id)
            else:
                self.report.detail(row.line, f"unchanged {slug}")
        if changes:
            # (bound parameters may not take the names of the columns they set)
            stmt = update(events).where(events.c.id == bindparam("_id")).values(
                {c: bindparam(f"new_{c}") for c in UPDATED})
            self.session.execute(stmt, changes)
        self.bulk.insert("participations", ("event_id", "actor_id", "role"), part_rows)
        self.bulk.insert("citations", ("event_id", "source_id", "confidence"), citation_rows)
        self.report.citations_added += len(citation_rows)
        if touched:
            refresh_search_for(self.session, touched)
            follow_import(self.session, touched)  # the one date (place) claim with a row follows
        self.report.updated += len(touched)
        self.report.unchanged += len(matched) - len(touched)

    def _several_dates(self, ids: list[int]) -> set[int]:
        """Which of the events `ids` have more than one date claim."""
        found = self.bulk.fetch("SELECT event_id FROM claims", "event_id", ids,
                                "AND kind = 'date' GROUP BY event_id HAVING count(*) > 1")
        return {row[0] for row in found}

    def _describe(self, line: int, slug: str, before: tuple, after: tuple) -> None:
        """A detail line per field the update changes: 'updated slug: place: 'Moscow' → 'Bucharest''."""
        for name, at in SHOWN_FIELDS:
            if before[at] != after[at]:
                old, new = before[at], after[at]
                if name == "place":
                    places = self._labels("places", "name", [i for i in (old, new) if i is not None])
                    old, new = places.get(old), places.get(new)
                self.report.detail(line, f"updated {slug}: {name}: {shown(old)} → {shown(new)}")

    def _labels(self, table: str, column: str, ids: list[int]) -> dict[int, str]:
        """The `column` (a name, a short form) of the records `ids` of `table`."""
        return dict(self.bulk.fetch(f"SELECT id, {column} FROM {table}", "id", sorted(set(ids))))

    def _recorded(self, ids: list[int]) -> tuple[dict[int, tuple[str, tuple]], dict[int, list[Pair]],
                                                 dict[int, set[int]]]:
        """What the events `ids` hold now: their slug and the columns a row sets (in the order of UPDATED),
        their participations ((actor id, role), in order) and the ids of the sources they cite."""
        fetch = self.bulk.fetch
        # (SQLite gives the flags as 0 or 1, which equal False and True)
        current = {r[0]: (r[1], tuple(r[2:])) for r in fetch(
            "SELECT id, slug, date, start_day, end_day, start_kind, end_kind, start_iso, end_iso, precision, "
            "approximate, uncertain, title, type, place_id, summary FROM events", "id", ids)}
        parts: dict[int, list[Pair]] = defaultdict(list)
        for event_id, actor_id, role in fetch("SELECT event_id, actor_id, role FROM participations",
                                              "event_id", ids, "ORDER BY id"):
            parts[event_id].append((actor_id, role))
        cited: dict[int, set[int]] = defaultdict(set)
        for event_id, source_id in fetch("SELECT event_id, source_id FROM citations", "event_id", ids):
            cited[event_id].add(source_id)
        return current, parts, cited


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
        self.claimed: dict[int, int] = {}  # a recorded event matched by a row's slug → the row's line
        self.new_slugs: dict[str, int] = {}  # a slug a new row gives → its line

    def run(self, lines: Iterable[str]) -> ImportReport:
        layout, rest, first_line = header(lines, self.name)
        if layout.form == "citations":
            from relations_db.formats.csv.citations import import_citations

            return import_citations(self.session, self.name, layout, rest, first_line)
        started = time.perf_counter()
        session = self.session
        session.flush()
        problems: list[Problem] = []
        # a savepoint: rolled back, with everything written, when any row is bad
        with session.begin_nested():
            names = Names(session)
            matcher = _Matcher(session)
            writer = _Writer(session, names.short_of)
            done = 0
            with writer.bulk.large_cache():
                for number, chunk in enumerate(rows_of(layout, rest, first_line, names)):
                    problems += chunk.problems
                    new, matched = self._sort(chunk, matcher.match(chunk, first=number == 0),
                                              matcher.by_slug(chunk), problems)
                    if not problems:
                        writer.add(new)
                        writer.update(matched, problems)
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

    def _sort(self, chunk: Chunk, keys: Keys, slugs: dict[str, int], problems: list[Problem]
              ) -> tuple[list[CheckedRow], list[tuple[CheckedRow, int]]]:
        """The chunk's new rows and its rows matching one recorded event (with its id) — by slug, else by date
        and title; a row given twice, matching several events, or new without what an event needs, goes to
        `problems`."""
        new: list[CheckedRow] = []
        matched: list[tuple[CheckedRow, int]] = []
        for row in chunk.rows:
            by_slug = slugs.get(row.slug) if row.slug is not None else None
            if by_slug is not None:
                first = self.claimed.setdefault(by_slug, row.line)
                if first != row.line:
                    problems.append((row.line, f"the same event ({row.slug}) is already on line {first}"))
                else:
                    matched.append((row, by_slug))
                continue
            if row.key is None:
                problems.append((row.line, f"no event has the slug {row.slug!r}: to add one, give its date, title "
                                           "and sources"))
                continue
            self._by_key(row, keys, new, matched, problems)
        return new, matched

    def _by_key(self, row: CheckedRow, keys: Keys, new: list[CheckedRow], matched: list[tuple[CheckedRow, int]],
                problems: list[Problem]) -> None:
        """`row` (which has a date and a title) sorted by its key into `new` or `matched`, or its problem."""
        assert row.key is not None and row.date is not None
        found = keys.get(row.key)
        if not isinstance(found, int):
            first = self.seen.setdefault(row.key, row.line)
        else:
            first = -found if found < 0 else self.claimed.get(found, row.line)
        if first != row.line:
            problems.append((row.line, f"the same event ({row.date.text}, {row.title!r}) is already "
                                       f"on line {first}"))
        elif found is None:
            missing = self._missing(row)
            if missing:
                problems.append((row.line, missing))
            else:
                new.append(row)
        elif isinstance(found, list):
            problems.append((row.line, self._several(row, found)))
        else:
            matched.append((row, found))
            keys[row.key] = -row.line

    def _missing(self, row: CheckedRow) -> str | None:
        """Why a row that adds an event cannot (no source, a slug given twice), or None. (No type is no
        problem: the new event is unclassified.)"""
        if not row.source_ids:
            return (f"a new event (no recorded event has this {'slug' if row.slug else 'date and title'}) needs "
                    "sources: every event needs at least one source (give the source's key or short form, "
                    "e.g. 'Duka 2007')")
        if row.slug is not None:
            first = self.new_slugs.setdefault(row.slug, row.line)
            if first != row.line:
                return f"the slug {row.slug!r} is already given on line {first}"
        return None

    def _several(self, row: CheckedRow, ids: list[int]) -> str:
        slugs = self.session.execute(select(events.c.slug).where(events.c.id.in_(ids)).order_by(events.c.id)).scalars()
        date = row.date.text if row.date is not None else ""
        return (f"{date} {row.title!r} matches several events ({', '.join(slugs)}); give the slug of the one "
                "it means, or edit one of them first")

    def _progress(self, before: int, after: int) -> None:
        if self.progress is not None:
            for done in range((before // 100 + 1) * 100, after + 1, 100):
                self.progress(done)
