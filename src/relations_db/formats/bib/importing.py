"""Importing a bibliography (BibTeX, CSL-JSON, RIS) into the sources: all or nothing, then matched, then applied.

1. The whole file is read and every entry checked (syntax, entry type, title, dates, names); every problem is
   reported with its line, and nothing is written while there is one.
2. Each entry is matched to a recorded source by DOI, ISBN, key, or title + year + first author (case and
   accents aside). A match gets the fields it lacks; a field it has with another value is a conflict, reported
   and left as it is unless `update` is given. An entry with no match is a new source.
3. Unless `dry_run`, the new sources are added and the matches filled (or updated) in the caller's
   transaction, and the short forms refreshed once. Only a flush: the caller commits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relations_db.domain.csl import Creator, display_names, year_of
from relations_db.domain.text import control_problem, fold
from relations_db.domain.vocab import SOURCE_CSL_FIELDS, SOURCE_TEXT_FIELDS
from relations_db.formats.bib.entry import Entry, FileProblems, read_text
from relations_db.store.models import Source
from relations_db.write.bibliography import (
    check_creators,
    checked_csl_values,
    creators_of,
    extra_of,
    extra_text,
    set_creators,
)
from relations_db.write.checks import Problems
from relations_db.write.event_cells import refresh_cells_citing
from relations_db.write.records import short_forms

Progress = Callable[[int], None]
_FIELDS = ("title", *(f for f in SOURCE_TEXT_FIELDS if f != "author"), *SOURCE_CSL_FIELDS)
_CHUNK = 2000  # new sources flushed at a time


@dataclass
class BibReport:
    """What an import did, or would do (`dry_run`): sources added, filled, unchanged, and the conflicts."""

    dry_run: bool = False
    added: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        would = "would be " if self.dry_run else ""
        text = (f"sources {len(self.added)} {would}added, {len(self.filled)} {would}filled in, "
                f"{len(self.updated)} {would}updated, {self.unchanged} unchanged; {self.seconds:.1f} s")
        if self.conflicts:
            text += (f"; {len(self.conflicts)} conflicting field{'s' if len(self.conflicts) != 1 else ''} "
                     f"{'would be ' if self.dry_run else ''}{'overwritten' if self.updated else 'kept'}"
                     + ("" if self.updated else " (import with --update to take the file's values)"))
        return text


# --- reading and checking -------------------------------------------------------------------------------------


def read_entries(path: str | Path, format_: str) -> list[Entry]:
    """Every entry of the file, checked; ValidationError listing every problem with its line otherwise."""
    text = read_text(path)
    problems = FileProblems()
    if format_ == "bibtex":
        from relations_db.formats.bib.bibtex import read_bibtex as reader
    elif format_ == "csljson":
        from relations_db.formats.bib.csljson import read_csljson as reader
    else:
        from relations_db.formats.bib.ris import read_ris as reader
    entries = reader(text, problems)
    for entry in entries:
        _check(entry, problems)
    problems.raise_if_any(str(path))
    return entries


def _check(entry: Entry, problems: FileProblems) -> None:
    """Check an entry's values as a write would, and store them as the write will (each problem with its line)."""
    found = Problems()
    csl = checked_csl_values({k: v for k, v in entry.values.items() if k in SOURCE_CSL_FIELDS}, found)
    entry.creators = check_creators(entry.creators, found)
    entry.values.update(csl)
    for error in found.errors:
        problems.add(entry.line, str(error))
    for creator in entry.creators:
        problem = next((p for p in (control_problem(part, one_line=True) for part in
                                    (creator.family, creator.given, creator.suffix, creator.literal) if part) if p),
                       None)
        if problem:
            problems.add(entry.line, f"the name {creator.display()!r} {problem}")


# --- matching -------------------------------------------------------------------------------------------------


def _isbn(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9X]", "", (value or "").upper())
    return digits or None


def _first_name(creators: list[Creator]) -> str:
    first = creators[0] if creators else None
    return fold((first.family or first.literal or "") if first else "")


class _Index:
    """The recorded sources by DOI, ISBN, key, and (title, year, first author)."""

    def __init__(self, session: Session) -> None:
        self.by: dict[str, dict[Any, Source]] = {"doi": {}, "isbn": {}, "key": {}, "work": {}}
        for source in session.scalars(select(Source).options(selectinload(Source.creators))):
            self.add(source, creators_of(source))

    def add(self, source: Any, creators: list[Creator]) -> None:
        if source.doi:
            self.by["doi"].setdefault(source.doi.lower(), source)
        if _isbn(source.isbn):
            self.by["isbn"].setdefault(_isbn(source.isbn), source)
        self.by["key"].setdefault(source.key, source)
        self.by["work"].setdefault((fold(source.title), source.year, _first_name(creators)), source)

    def match(self, entry: Entry) -> Source | None:
        values = entry.values
        candidates = (("doi", (values.get("doi") or "").lower() or None), ("isbn", _isbn(values.get("isbn"))),
                      ("key", entry.key),
                      ("work", (fold(values["title"] or ""), year_of(values.get("issued")),
                                _first_name(entry.creators))))
        return next((self.by[name][value] for name, value in candidates if value in self.by[name]), None)


# --- applying -------------------------------------------------------------------------------------------------


def _merge(source: Source, entry: Entry, update: bool, report: BibReport) -> None:
    """Fill the fields `source` lacks from `entry`; note (and with `update` take) the ones that differ."""
    changes: dict[str, Any] = {}
    conflicts = []
    for name in _FIELDS:
        new, old = entry.values.get(name), getattr(source, name)
        if new is None or new == old:
            continue
        if old is None:
            changes[name] = new
        else:
            conflicts.append(f"{source.key}: {name} is {old!r} here, {new!r} in the file ({entry.label})")
            if update:
                changes[name] = new
    old_names = creators_of(source)
    names = None
    if entry.creators and entry.creators != old_names:
        if not old_names or update:
            names = entry.creators
        if old_names:
            conflicts.append(f"{source.key}: the names are {'; '.join(c.display() for c in old_names)!r} here, "
                             f"{'; '.join(c.display() for c in entry.creators)!r} in the file ({entry.label})")
    extra = extra_of(source.extra)
    merged = {**entry.extra, **extra} if not update else {**extra, **entry.extra}
    if merged != extra:
        changes["extra"] = extra_text(merged)
    if entry.kind != source.kind and update:
        changes["kind"] = entry.kind
    report.conflicts += conflicts
    if not changes and names is None:
        report.unchanged += 1
        return
    (report.updated if update and conflicts else report.filled).append(source.key)
    if report.dry_run:
        return
    for name, value in changes.items():
        setattr(source, name, value)
    if "issued" in changes:
        source.year = year_of(source.issued)
    if names is not None:
        set_creators(source, names)


def _new_row(entry: Entry, taken: set[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The `sources` row of an entry with no match (its key made free if a recorded source has it)."""
    key = entry.key
    if key in taken:  # (a key of the file taken by a recorded source that it did not match)
        key = next(f"{key}-{n}" for n in range(2, 100_000) if f"{key}-{n}" not in taken)
    taken.add(key)
    row: dict[str, Any] = {name: entry.values.get(name) for name in _FIELDS}
    row.update(key=key, kind=entry.kind, year=year_of(row.get("issued")), short="", extra=extra_text(entry.extra),
               author=display_names(entry.creators))
    rows.append(row)
    return row


def _insert_new(session: Session, rows: list[dict[str, Any]], names: list[list[Creator]]) -> None:
    """Add the new sources and their names with Core statements (the ORM costs ~1 ms a source and its names;
    a library of 10,000 entries is a common size); their values were checked as a write checks them."""
    from sqlalchemy import insert

    from relations_db.store.schema import source_creators, sources

    conn = session.connection()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        ids = conn.execute(insert(sources).returning(sources.c.id, sort_by_parameter_order=True), chunk).scalars()
        creators = [{"source_id": id_, "position": position, "role": c.role, "family": c.family, "given": c.given,
                     "suffix": c.suffix, "literal": c.literal}
                    for id_, entry_names in zip(ids, names[start:start + _CHUNK], strict=True)
                    for position, c in enumerate(entry_names)]
        if creators:
            conn.execute(insert(source_creators), creators)


def apply_entries(session: Session, entries: list[Entry], *, dry_run: bool = False, update: bool = False,
                  progress: Progress | None = None) -> BibReport:
    """Match each entry to a recorded source and merge it, or add it (see the module's docstring)."""
    report = BibReport(dry_run=dry_run)
    index = _Index(session)
    taken = set(index.by["key"])
    rows: list[dict[str, Any]] = []
    pending: dict[str, dict[str, Any]] = {}  # key → row of the new sources
    names: list[list[Creator]] = []
    for done, entry in enumerate(entries, 1):
        match = index.match(entry)
        if match is not None and match.id is None:  # (an earlier entry of the same file: fill its gaps)
            row = pending[match.key]
            row.update({k: v for k, v in entry.values.items() if k in _FIELDS and v and not row.get(k)})
            report.unchanged += 1
        elif match is not None:
            _merge(match, entry, update, report)
        else:
            row = _new_row(entry, taken, rows)
            pending[row["key"]] = row
            # (a later entry of the file may match it; a plain record, not an ORM object: 0.2 ms each)
            index.add(SimpleNamespace(id=None, **row), entry.creators)
            report.added.append(row["key"])
            names.append(entry.creators)
        if progress is not None and done % 500 == 0:
            progress(done)
    if not dry_run:
        session.flush()
        _insert_new(session, rows, names)
        refresh_short_forms_core(session)
    return report


def refresh_short_forms_core(session: Session) -> None:
    """`records.refresh_short_forms` with Core statements, for imports of thousands of sources: the same forms
    (`records.short_forms`), written where they changed; the session's sources are expired to read them."""
    from typing import cast

    from sqlalchemy import bindparam, update

    from relations_db.store.schema import sources

    conn = session.connection()
    rows = [SimpleNamespace(**r._mapping) for r in conn.execute(
        select(sources.c.id, sources.c.key, sources.c.author, sources.c.archive, sources.c.title, sources.c.year,
               sources.c.short))]
    forms = short_forms(cast(list[Source], rows))
    changed = [{"row_id": r.id, "new_short": forms[r.id]} for r in rows if r.short != forms[r.id]]
    if changed:
        conn.execute(update(sources).where(sources.c.id == bindparam("row_id"))
                     .values(short=bindparam("new_short")), changed)
    session.expire_all()
    refresh_cells_citing(session, [row["row_id"] for row in changed])  # (the events' CSV cells name them)


def import_bib_file(session: Session, path: str | Path, progress: Progress | None = None, *, format_: str,
                    dry_run: bool = False, update: bool = False) -> BibReport:
    """Check and import a bibliography file (`format_`: bibtex, csljson or ris); see the module's docstring."""
    started = time.perf_counter()
    entries = read_entries(path, format_)
    report = apply_entries(session, entries, dry_run=dry_run, update=update, progress=progress)
    report.seconds = time.perf_counter() - started
    return report


def import_bibtex(session: Session, path: str | Path, progress: Progress | None = None, **options: bool
                  ) -> BibReport:
    """Import a BibTeX or BibLaTeX file (.bib)."""
    return import_bib_file(session, path, progress, format_="bibtex", **options)


def import_csljson(session: Session, path: str | Path, progress: Progress | None = None, **options: bool
                   ) -> BibReport:
    """Import a CSL-JSON file (.json, as Zotero exports it)."""
    return import_bib_file(session, path, progress, format_="csljson", **options)


def import_ris(session: Session, path: str | Path, progress: Progress | None = None, **options: bool
               ) -> BibReport:
    """Import a RIS file (.ris)."""
    return import_bib_file(session, path, progress, format_="ris", **options)
