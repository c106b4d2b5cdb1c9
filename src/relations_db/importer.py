"""Bringing files in: the seed format (YAML) and the chronology CSV that `export --format csv` writes.

Both are validated whole before anything is written — every bad row or entry is reported with its line
number — and then written in the caller's transaction (all or nothing). Importing the same file twice changes
nothing.

A CSV row is matched to an existing event by its date (the EDTF text) and its title, compared case- and
accent-insensitively: a match is updated (title, type, place, actors, summary) or left unchanged; anything else
is added as a new event. A CSV carries no quotation or page, so each source it lists becomes a bare citation
(the source alone, confidence 2); importing never removes a citation. The `start` and `end` columns are
derived from `date` and are ignored.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relations_db import dates
from relations_db.errors import UserError, ValidationError
from relations_db.models import Actor, ActorAlias, Citation, Event, Participation, Place, PlaceAlias, Source
from relations_db.services import (
    CONFIDENCE_DEFAULT,
    _suggest,
    check_all_cited,
    event_slug_base,
    parse_actor_spec,
    refresh_search_many,
)
from relations_db.text import fold

Progress = Callable[[int], None]
FORMATS = ("yaml", "csv")
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}
# The quote `export --format csv` puts before a cell a spreadsheet would run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    from relations_db import seed

    if file_format(path, format) == "yaml":
        return seed.load_seed_file(session, path, progress=progress)
    return import_csv_file(session, path, progress=progress)


def import_csv_file(session: Session, path: str | Path, progress: Progress | None = None) -> ImportReport:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # -sig: spreadsheets often add a BOM
            text = handle.read()
    except FileNotFoundError:
        raise UserError(f"cannot read {str(path)!r}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start}); save the spreadsheet as "
                              "'CSV UTF-8'") from None
    except OSError as exc:
        raise UserError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    return import_csv_text(session, text, str(path), progress=progress)


# --- reading and checking ------------------------------------------------------------------------------------


def unescape_cell(cell: str) -> str:
    """Undo the quote that the CSV export puts before a formula-looking cell ("'=x" → "=x")."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1] in _FORMULA_START else cell


@dataclass
class _Row:
    line: int
    date: str
    start: object
    end: object
    precision: str
    approximate: bool
    uncertain: bool
    title: str
    type: str
    place_id: int | None
    actors: list[tuple[int, str | None]]
    source_ids: list[int]
    summary: str | None
    match: Event | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.date, fold(self.title)


class _Names:
    """Every spelling of the actors, places and sources, read once, so that checking a row asks no query."""

    def __init__(self, session: Session) -> None:
        self.actors: dict[str, set[int]] = defaultdict(set)
        self.actor_names: list[str] = []
        for actor_id, name, folded in session.execute(select(Actor.id, Actor.name, Actor.name_folded)):
            self.actors[folded].add(actor_id)
            self.actor_names.append(name)
        for actor_id, name, folded in session.execute(select(ActorAlias.actor_id, ActorAlias.name,
                                                             ActorAlias.folded)):
            self.actors[folded].add(actor_id)
            self.actor_names.append(name)
        self.places: dict[str, set[int]] = defaultdict(set)
        self.place_names: list[str] = []
        for place_id, name, folded in session.execute(select(Place.id, Place.name, Place.name_folded)):
            self.places[folded].add(place_id)
            self.place_names.append(name)
        for place_id, name, folded in session.execute(select(PlaceAlias.place_id, PlaceAlias.name,
                                                             PlaceAlias.folded)):
            self.places[folded].add(place_id)
            self.place_names.append(name)
        self.source_keys: dict[str, int] = {}
        self.source_shorts: dict[str, set[int]] = defaultdict(set)
        self.source_names: list[str] = []
        for source_id, key, short in session.execute(select(Source.id, Source.key, Source.short)):
            self.source_keys[key] = source_id
            self.source_shorts[fold(short)].add(source_id)
            self.source_names += [short, key]

    @staticmethod
    def _one(table: dict[str, set[int]], name: str, names: list[str], what: str) -> int:
        found = table.get(fold(name), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise UserError(f"{name!r} names several {what}s; use the full name")
        raise UserError(_suggest(name, names, what))

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
        raise UserError(_suggest(ref, self.source_names, "source")
                        + " (a source must be in the database before a CSV can cite it: "
                          "`relations-db add source`, or import a YAML file that defines it)")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _records(text: str, problems: list[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells) for every non-empty record after the header."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if cells and any(c.strip() for c in cells):
                yield start, cells
    except csv.Error as exc:
        problems.append((line, f"not valid CSV: {exc}"))


def _check_row(line: int, cells: list[str], names: _Names, columns: tuple[str, ...]) -> tuple[_Row | None, list[str]]:
    errors: list[str] = []
    if len(cells) != len(columns):
        return None, [f"{len(cells)} cells where the header has {len(columns)} (a stray comma or quote?)"]
    value = dict(zip(columns, (unescape_cell(c) for c in cells)))

    def check(fn, *args):
        try:
            return fn(*args)
        except UserError as exc:
            errors.append(str(exc))
            return None

    parsed = check(dates.parse, value["date"]) if value["date"].strip() else None
    if not value["date"].strip():
        errors.append("the date is empty")
    title, type_ = value["title"].strip(), value["type"].strip()
    if not title:
        errors.append("the title is empty")
    if not type_:
        errors.append("the type is empty")
    place_id = check(names.place, value["place"].strip()) if value["place"].strip() else None
    actors: list[tuple[int, str | None]] = []
    for spec in _split(value["actors"]):
        name, role = parse_actor_spec(spec)
        actor_id = check(names.actor, name)
        if actor_id is not None and (actor_id, role) not in actors:
            actors.append((actor_id, role))
    refs = _split(value["sources"])
    if not refs:
        errors.append("no source: every event needs at least one (give the source's key or short form, "
                      "e.g. 'Duka 2007')")
    source_ids = list(dict.fromkeys(s for s in (check(names.source, r) for r in refs) if s is not None))
    if errors:
        return None, errors
    return _Row(line=line, date=parsed.text, start=parsed.start, end=parsed.end, precision=parsed.precision,
                approximate=parsed.approximate, uncertain=parsed.uncertain, title=title, type=type_,
                place_id=place_id, actors=actors, source_ids=source_ids,
                summary=value["summary"] if value["summary"].strip() else None), []


def _match_existing(session: Session, rows: list[_Row], problems: list[tuple[int, str]]) -> None:
    """Find each row's event by date and folded title (at most one may match)."""
    wanted = sorted({r.date for r in rows})
    existing: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for i in range(0, len(wanted), 500):
        stmt = (select(Event).where(Event.date.in_(wanted[i:i + 500]))
                .options(selectinload(Event.participations), selectinload(Event.citations)))
        for event in session.scalars(stmt):
            existing[(event.date, fold(event.title))].append(event)
    for row in rows:
        found = existing.get(row.key, [])
        if len(found) > 1:
            problems.append((row.line, f"{row.date} {row.title!r} matches several events "
                                       f"({', '.join(e.slug for e in found)}); edit one of them first"))
        elif found:
            row.match = found[0]


def read_csv(session: Session, text: str, name: str = "<csv>") -> list[_Row]:
    """Parse and check a chronology CSV against the database; ValidationError lists every problem by line."""
    from relations_db.export import CSV_COLUMNS

    problems: list[tuple[int, str]] = []
    records = _records(text, problems)
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
    names = _Names(session)
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in records:
        row, errors = _check_row(line, cells, names, CSV_COLUMNS)
        problems.extend((line, e) for e in errors)
        if row is None:
            continue
        if row.key in seen:
            problems.append((line, f"the same event ({row.date}, {row.title!r}) is already on line {seen[row.key]}"))
            continue
        seen[row.key] = line
        rows.append(row)
    _match_existing(session, rows, problems)
    if problems:
        listed = [f"line {ln}: {m}" for ln, m in sorted(problems, key=lambda p: p[0])]
        raise ValidationError(f"{name}: {len(listed)} problem{'s' if len(listed) != 1 else ''}, nothing was "
                              "written:", listed)
    return rows


# --- writing ---------------------------------------------------------------------------------------------------


def _apply_row(session: Session, row: _Row, slugs: set[str]) -> str:
    """Add or update one event from a checked row; 'added', 'updated' or 'unchanged'.

    The event stays `row.match` (set here for an added one); the caller refreshes the search text."""
    values = {"date": row.date, "start_date": row.start, "end_date": row.end, "precision": row.precision,
              "approximate": row.approximate, "uncertain": row.uncertain, "title": row.title, "type": row.type,
              "place_id": row.place_id, "summary": row.summary}
    event = row.match
    if event is None:
        base = event_slug_base(row.date, row.title)
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        event = row.match = Event(slug=slug, **values)
        event.participations = [Participation(actor_id=a, role=r) for a, r in row.actors]
        event.citations = [Citation(source_id=s, confidence=CONFIDENCE_DEFAULT) for s in row.source_ids]
        session.add(event)
        return "added"
    changed = False
    for key, value in values.items():
        if getattr(event, key) != value:
            setattr(event, key, value)
            changed = True
    # Participations are compared as sets and changed one by one: replacing the list would insert the rows
    # that stay before deleting the old ones, against the unique (event, actor, role) constraint.
    wanted = set(row.actors)
    keep = [p for p in event.participations if (p.actor_id, p.role) in wanted]
    have = {(p.actor_id, p.role) for p in keep}
    if len(keep) != len(event.participations) or have != wanted:
        event.participations = keep + [Participation(actor_id=a, role=r) for a, r in row.actors if (a, r) not in have]
        changed = True
    cited = {c.source_id for c in event.citations}
    for source_id in row.source_ids:
        if source_id not in cited:
            event.citations.append(Citation(source_id=source_id, confidence=CONFIDENCE_DEFAULT))
            changed = True
    return "updated" if changed else "unchanged"


def import_csv_text(session: Session, text: str, name: str = "<csv>", progress: Progress | None = None) -> ImportReport:
    """Check the whole CSV, then add or update its events in the caller's transaction."""
    started = time.perf_counter()
    rows = read_csv(session, text, name)
    report = ImportReport()
    slugs = set(session.scalars(select(Event.slug)))
    touched: list[Event] = []
    for done, row in enumerate(rows, 1):
        outcome = _apply_row(session, row, slugs)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            touched.append(row.match)
        if len(touched) >= 500:  # the search text is written in batches: one flush per batch, not per event
            refresh_search_many(session, touched)
            touched = []
        if progress is not None and done % 100 == 0:
            progress(done)
    refresh_search_many(session, touched)
    check_all_cited(session)
    if progress is not None:
        progress(len(rows))
    report.seconds = time.perf_counter() - started
    return report
