"""The long form of the CSV: one row per citation (`export --format csv --per-citation`), and its import.

Its columns (`header.CITATION_COLUMNS`): the event's slug, date and title; the source's key and short form; the
locator, quotation, the name as printed (`cited_as`), the work that reports it (`cited_in`, a key) and the
locator there, the confidence and the note. With the chronology CSV beside it, it carries every citation whole.

Import: each row finds its event by slug, else by date and title (the event must be recorded: import the
chronology CSV first), and then its citation on that event:

- a citation of the same source with the same locator and quotation: its other fields are set from the row's
  filled cells (an empty cell keeps what is there);
- else a bare citation of the same source (no locator, no quotation: what a chronology CSV row makes) is upgraded
  in place, so that importing the two CSVs in either order gives the same database;
- else the citation is added.

Nothing is removed. Every row is checked before anything is written; any problem, and nothing is.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from relations_db.domain.text import control_problem, fold
from relations_db.domain.vocab import CONFIDENCE_DEFAULT
from relations_db.errors import UserError, ValidationError
from relations_db.formats.csv.changes import shown
from relations_db.formats.csv.claims import ClaimCells, check_claim, write_claims
from relations_db.formats.csv.columns import QUOTED_START, neutralise, unquote, write_row
from relations_db.formats.csv.header import CITATION_COLUMNS, CLAIM_COLUMNS, Layout
from relations_db.formats.csv.report import ImportReport
from relations_db.formats.csv.stream import FORMULA_AFTER_COMMA

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from relations_db.formats.csv.reader import Names
    from relations_db.read.filters import Filters

Progress = Any  # (a callable taking the rows done, or None)

_BATCH = 2000
CHUNK = 2048
# The fields of a citation a row sets, in the order of the columns of the citations table.
_FIELDS = ("locator", "quote", "cited_as", "cited_in_id", "cited_in_locator", "confidence", "note")


class CitationsExport:
    """The long form of the events matching the filters: the filters checked now, the rows written by `write`."""

    def __init__(self, session: Session, filters: Filters) -> None:
        from relations_db.read.filters import conditions

        self.session = session
        self.where = conditions(session, filters)
        self.limit = filters.limit

    def statement(self) -> Select:
        """Every citation of the chosen events as text cells, a row per claim it is linked to, and the rows of
        the own claims the chronology CSV does not state (formats/csv/claims.py): in the events' date order, then
        citation order (the claim rows after), then claim order. While no claim says more than its event's
        columns (`ClaimJoins.any_marked`, the common case), the claim cells are empty, and the statement is the
        plain one over the citations, a third faster."""
        from sqlalchemy import Integer, cast, literal, select, union_all

        from relations_db.formats.csv.claims import ClaimJoins
        from relations_db.store.schema import citations, events

        chosen = select(events.c.id).where(*self.where)
        if self.limit is not None:
            chosen = chosen.order_by(events.c.start_day.nulls_first(), events.c.end_day.nulls_last(),
                                     events.c.id).limit(self.limit)
        narrowed = chosen if self.where or self.limit is not None else None
        joins = ClaimJoins()
        order = [events.c.start_day.nulls_first(), events.c.end_day.nulls_last(), events.c.id, citations.c.id]
        self.tail = 0
        if not joins.any_marked(self.session):
            self.tail = len(CLAIM_COLUMNS)  # (the empty claim cells, added by `write_lines`)
            plain = self._cited(joins, claims=False).order_by(*order)
            return plain.where(citations.c.event_id.in_(narrowed)) if narrowed is not None else plain
        keys = [events.c.start_day.label("o_start"), events.c.end_day.label("o_end"), events.c.id.label("o_event")]
        cited = self._cited(joins, claims=True).add_columns(*keys, citations.c.id.label("o_citation"),
                                                            joins.claims.c.id.label("o_claim"))
        if narrowed is not None:
            cited = cited.where(citations.c.event_id.in_(narrowed))
        unstated = joins.unstated_own(self._event_cells(), 9, narrowed).add_columns(
            *keys, cast(literal(None), Integer).label("o_citation"), joins.claims.c.id.label("o_claim"))
        both = union_all(cited, unstated).subquery()
        width = len(CITATION_COLUMNS)
        return (select(*list(both.c)[:width])
                .order_by(both.c.o_start.nulls_first(), both.c.o_end.nulls_last(), both.c.o_event,
                          both.c.o_citation.nulls_last(), both.c.o_claim.nulls_first()))

    @staticmethod
    def _event_cells() -> list[Any]:
        from relations_db.store.schema import events

        return [events.c.slug, events.c.date, events.c.title]

    def _cited(self, joins: Any, claims: bool) -> Select:
        """The citations with their event's and source's cells, and the cells of the claims each is linked to
        (`claims`), else none."""
        from sqlalchemy import Text, cast, func, select

        from relations_db.store.schema import citations, events, sources

        cited_in = sources.alias("cited_in")
        text = (lambda column: func.coalesce(column, ""))  # noqa: E731
        base = (citations.join(events, events.c.id == citations.c.event_id)
                .join(sources, sources.c.id == citations.c.source_id)
                .outerjoin(cited_in, cited_in.c.id == citations.c.cited_in_id))
        claim_cells = joins.cells(joins.links.c.stance) if claims else []
        return (select(*self._event_cells(), sources.c.key, sources.c.short, text(citations.c.locator),
                       text(citations.c.quote), text(citations.c.cited_as), text(cited_in.c.key),
                       text(citations.c.cited_in_locator), cast(citations.c.confidence, Text),
                       text(citations.c.note), *claim_cells)
                .select_from(joins.joined(base, via_links=True) if claims else base))

    def write(self, out: TextIO, progress: Progress = None) -> int:
        """The header and a row per citation; returns how many citations."""
        out.write(",".join(CITATION_COLUMNS) + "\n")
        connection = self.session.connection().execution_options(stream_results=True, yield_per=_BATCH)
        statement = self.statement()
        return write_lines(connection.execute(statement).partitions(), out, progress, self.tail)


def write_lines(batches: Iterable[Iterable[tuple]], out: TextIO, progress: Progress = None, tail: int = 0) -> int:
    """Rows of text cells as CSV lines, `tail` empty cells added to each: joined as they are when csv.writer and
    `neutralise` would leave them so (no comma, quote or line break inside a cell, no formula character at a
    cell's start), else the careful way."""
    writer = csv.writer(out, lineterminator="\n")
    width = len(CITATION_COLUMNS) - 1 - tail
    empty, blanks = "," * tail, [""] * tail
    formula_inside = FORMULA_AFTER_COMMA.search
    count = 0
    for rows in batches:
        lines: list[str] = []
        for row in rows:
            line = ",".join(row)
            # (as in `stream.write_rows`: a comma inside a cell, or a formula character after one, only sends
            # the row the careful way)
            if (line.count(",") == width and '"' not in line and "\n" not in line and "\r" not in line
                    and not line.startswith(QUOTED_START) and not formula_inside(line)):
                lines.append(line + empty)
                continue
            if lines:
                out.write("\n".join(lines) + "\n")
                lines = []
            write_row(writer, out, [neutralise(cell) for cell in row] + blanks)
        if lines:
            out.write("\n".join(lines) + "\n")
        count += len(rows)  # type: ignore[arg-type]
        if progress is not None:
            progress(count)
    return count


@dataclass(slots=True)
class CitationRow:
    """A checked row of the long form: its event (by slug, or date and folded title) and the citation."""

    line: int
    slug: str | None
    date: str | None
    folded_title: str | None
    source_id: int | None  # (None: a row that ranks a claim, with no citation)
    source_ref: str  # (as the row gives it, for the report)
    values: dict[str, Any]  # of _FIELDS, only those the row fills
    claim: ClaimCells | None  # the claim the row speaks to (formats/csv/claims.py)


def _check(line: int, cells: list[str], layout: Layout, names: Names) -> CitationRow | list[str]:
    """The checked row, or what is wrong with it."""
    if len(cells) != layout.width:
        return [f"{len(cells)} cells where the header has {layout.width} (a stray delimiter or quote?)"]

    def cell(name: str) -> str:
        return unquote(layout.cell(cells, name)).strip()

    errors: list[str] = []
    slug, date, title = cell("slug"), cell("date"), cell("title")
    if not slug and not (date and title):
        errors.append("a row needs its event's slug, or its date and title")
    source_ref = cell("source") or cell("short")
    claim = check_claim(layout, cells, bool(source_ref), names, errors)
    if not source_ref and claim is not None and claim.stance is None:  # (a row that ranks a claim)
        return errors or CitationRow(line, slug or None, date or None, fold(title) if title else None, None, "",
                                     {}, claim)
    source_id = _source(source_ref, names, errors, "the source")
    values: dict[str, Any] = {}
    for name in ("locator", "cited_as", "cited_in_locator"):
        _text(cell(name), name, True, values, errors)
    for name in ("quote", "note"):  # (verbatim: kept as written, line breaks and all)
        _text(unquote(layout.cell(cells, name)), name, False, values, errors)
    if cell("cited_in"):
        values["cited_in_id"] = _source(cell("cited_in"), names, errors, "cited_in")
        if values["cited_in_id"] is not None and values["cited_in_id"] == source_id:
            errors.append("a citation cannot be quoted in its own source: give the work that reports it, or none")
    if cell("confidence"):
        from relations_db.write.checks import check_confidence

        try:
            values["confidence"] = check_confidence(cell("confidence"))
        except UserError as exc:
            errors.append(str(exc))
    if errors or source_id is None:
        return errors
    return CitationRow(line, slug or None, date or None, fold(title) if title else None, source_id, source_ref,
                       values, claim)


def _source(ref: str, names: Names, errors: list[str], what: str) -> int | None:
    if not ref:
        errors.append(f"{what} is empty: give the source's key or short form")
        return None
    found, error = names.source_of(ref)
    if error:
        errors.append(error)
    return found


def _text(value: str, name: str, one_line: bool, values: dict[str, Any], errors: list[str]) -> None:
    if not value.strip():
        return
    problem = control_problem(value, one_line)
    if problem:
        errors.append(f"the {name} {problem}")
    else:
        values[name] = value


def import_citations(session: Session, name: str, layout: Layout, rest: Iterable[str], first: int) -> ImportReport:
    """Check every row of a long-form file, then write them in the caller's transaction (a savepoint: all or
    nothing); see the module's docstring."""
    from relations_db.formats.csv.reader import Names, records

    started = time.perf_counter()
    report = ImportReport()
    session.flush()
    problems: list[tuple[int, str]] = []
    with session.begin_nested():
        names = Names(session)
        rows: list[CitationRow] = []
        for line, cells in records(rest, problems, layout.delimiter, first):
            row = _check(line, cells, layout, names)
            if isinstance(row, list):
                problems += [(line, error) for error in row]
            else:
                rows.append(row)
        found = _events(session, rows, problems)
        if problems:
            raise _refused(name, problems)
        from sqlalchemy import select

        from relations_db.store.schema import sources

        shorts = {source_id: short for source_id, short in session.execute(select(sources.c.id, sources.c.short))}
        cited = [row for row in rows if row.source_id is not None]
        for start in range(0, len(cited), CHUNK):
            _write(session, cited[start:start + CHUNK], found, report, shorts)
        keys = dict(session.execute(select(sources.c.id, sources.c.key)).tuples().all())
        problems = write_claims(session, rows, found, report, keys)
        if problems:
            raise _refused(name, problems)
    session.expire_all()
    report.seconds = time.perf_counter() - started
    return report


def _refused(name: str, problems: list[tuple[int, str]]) -> ValidationError:
    listed = [f"line {ln}: {m}" for ln, m in sorted(problems, key=lambda p: p[0])]
    return ValidationError(f"{name}: {len(listed)} problem{'s' if len(listed) != 1 else ''}, nothing was written:",
                           listed)


def _events(session: Session, rows: list[CitationRow], problems: list[tuple[int, str]]) -> dict[int, tuple[int, str]]:
    """The event (id, slug) of each row (by its line); a row whose event is not recorded goes to `problems`."""
    from sqlalchemy import select

    from relations_db.formats.csv.matching import event_ids_of_slugs
    from relations_db.store.bulk import BulkWriter
    from relations_db.store.schema import events

    slugs = event_ids_of_slugs(BulkWriter(session), sorted({r.slug for r in rows if r.slug}))
    keys: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    dates = sorted({r.date for r in rows if r.date and (r.slug not in slugs)})
    for start in range(0, len(dates), 500):
        for event_id, slug, date, title in session.execute(
                select(events.c.id, events.c.slug, events.c.date, events.c.title)
                .where(events.c.date.in_(dates[start:start + 500]))):
            keys[(date, fold(title))].append((event_id, slug))
    found: dict[int, tuple[int, str]] = {}
    for row in rows:
        if row.slug is not None and row.slug in slugs:
            found[row.line] = (slugs[row.slug], row.slug)
            continue
        matches = keys.get((row.date or "", row.folded_title or ""), [])
        if len(matches) == 1:
            found[row.line] = matches[0]
        elif matches:
            problems.append((row.line, f"the date and title match several events ({', '.join(s for _, s in matches)}"
                                       "): give the slug"))
        else:
            what = f"the slug {row.slug!r}" if row.slug else "this date and title"
            problems.append((row.line, f"no recorded event has {what}: import the chronology CSV first (the long "
                                       "form adds citations to recorded events)"))
    return found


def _write(session: Session, rows: list[CitationRow], found: dict[int, tuple[int, str]], report: ImportReport,
           shorts: dict[int, str]) -> None:
    """The rows of one chunk written: each updates, upgrades or adds its citation (see the module's docstring)."""
    from sqlalchemy import bindparam, update

    from relations_db.store.bulk import BulkWriter
    from relations_db.store.schema import citations
    from relations_db.write.search_index import refresh_search_for

    bulk = BulkWriter(session)
    event_ids = sorted({found[row.line][0] for row in rows})
    have: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in bulk.fetch("SELECT id, event_id, source_id, " + ", ".join(_FIELDS) + " FROM citations",
                             "event_id", event_ids, "ORDER BY id"):
        have[record[1]].append({"id": record[0], "source_id": record[2], **dict(zip(_FIELDS, record[3:],
                                                                                    strict=True))})
    changed: dict[int, dict[str, Any]] = {}
    added: list[tuple] = []
    touched: set[int] = set()
    for row in rows:
        event_id, slug = found[row.line]
        target = _target(have[event_id], row)
        if target is None:
            values = {name: row.values.get(name) for name in _FIELDS}
            values["confidence"] = values["confidence"] if values["confidence"] is not None else CONFIDENCE_DEFAULT
            added.append((event_id, row.source_id, *(values[name] for name in _FIELDS)))
            have[event_id].append({"id": None, "source_id": row.source_id, **values})
            report.detail(row.line, f"updated {slug}: citation added: {row.source_ref} {_describe(row)}")
            touched.add(event_id)
            continue
        differs = {k: (target[k], v) for k, v in row.values.items() if target[k] != v}
        if not differs:
            report.detail(row.line, f"unchanged {slug}: {row.source_ref} {_describe(row)}")
            continue
        target.update({k: v for k, (_, v) in differs.items()})
        touched.add(event_id)
        readable = {k: (shorts.get(old), shorts.get(new)) if k == "cited_in_id" else (old, new)
                    for k, (old, new) in differs.items()}
        report.detail(row.line, f"updated {slug}: citation of {row.source_ref}: " + "; ".join(
            f"{k.removesuffix('_id')}: {shown(old)} → {shown(new)}" for k, (old, new) in readable.items()))
        if target["id"] is not None:
            changed[target["id"]] = {name: target[name] for name in _FIELDS}
    if changed:
        stmt = update(citations).where(citations.c.id == bindparam("_id")).values(
            {name: bindparam(f"new_{name}") for name in _FIELDS})
        session.execute(stmt, [{"_id": i, **{f"new_{k}": v for k, v in values.items()}}
                               for i, values in changed.items()])
    bulk.insert("citations", ("event_id", "source_id", *_FIELDS), added)
    report.citations_added += len(added)
    report.citations_updated += len(changed)
    report.updated += len({found[row.line][0] for row in rows} & touched)
    report.unchanged += len({found[row.line][0] for row in rows} - touched)
    if touched:
        refresh_search_for(session, sorted(touched))


def _target(cited: list[dict[str, Any]], row: CitationRow) -> dict[str, Any] | None:
    """The recorded citation a row sets: the same source, locator and quotation; else a bare one of the same
    source; else None (the row adds a citation)."""
    locator, quote = row.values.get("locator"), row.values.get("quote")
    same = [c for c in cited if c["source_id"] == row.source_id]
    for candidates in ([c for c in same if c["locator"] == locator and c["quote"] == quote],
                       [c for c in same if c["locator"] is None and c["quote"] is None]):
        if candidates:
            return candidates[0]
    return None


def _describe(row: CitationRow) -> str:
    return shown(row.values.get("locator")) if "locator" in row.values else "(no locator)"
