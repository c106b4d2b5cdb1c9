"""The read side: filters → statements → plain dicts, streamed.

Every list the command line prints comes from here as dicts in the JSON shape of DESIGN §3, so that the
table, CSV, JSON and Markdown writers and the export command read one shape. Reading is SQLAlchemy Core only —
`select()`s of the needed columns from `schema`'s tables, names resolved by `names` — so that a query command
never imports the ORM; every function takes a Connection or a Session (whose connection it then uses, inside
the session's transaction). Rows are streamed in batches; the actors, citations and invoked agreements of a
batch of events are loaded with one query each per batch, never one per event.

At scale (a million events) the statements are shaped for the indexes of migration 0002, and a test checks
the plans (tests/test_query_plans.py): a date filter is asked once per span class and the streams merged
(`span_classes`); an actor or word filter is driven either by the matching events or by the date order,
whichever reads fewer rows (`_subset_conditions`); a search ranks its matches only when they are few enough
to rank quickly (`search_rows`).

An event dict: `id`, `slug`, `kind`, `date` (EDTF), `start`, `end` (ISO days), `precision`, `title`,
`summary`, `type`, `tone`, `place`, `actors` [{name, kind, role}], `citations` [{source, short, locator,
quote, cited_as, cited_in, cited_in_short, cited_in_locator, confidence, note}], `invokes` [agreement slugs],
plus `meeting` {format, outcome} on meetings and `agreement` {status, subject} on agreements. `cited_in` is
the key of the reporting source (e.g. "lala-2014") and `cited_in_locator` the page there ("p. 343").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.engine import Connection

from relations_db.domain import dates

from relations_db.read import names
from relations_db.errors import UserError
from relations_db.store.schema import (
    ACTOR_KINDS,
    actor_aliases,
    actors,
    agreement_invocations,
    agreements,
    citations,
    event_search,
    events,
    meetings,
    participations,
    place_aliases,
    places,
    sources,
)
from relations_db.domain.text import fold

BATCH = 500

EV, PL, ME, AG, PA, AC, AA = events, places, meetings, agreements, participations, actors, actor_aliases
CI, SO, INV, ES, PLA = citations, sources, agreement_invocations, event_search, place_aliases
# The SQLite FTS5 index made by the first migration (external content over event_search.body).
FTS = table("events_fts", column("rowid"), column("rank"))

# The span classes of the partial indexes `ix_events_span_*` (migration 0002): an event's span in days, spelled
# per backend exactly as there, so that the planners match the conditions to the indexes.
_SPAN_DAYS = {"sqlite": "julianday(events.end_date) - julianday(events.start_date)",
              "postgresql": "events.end_date - events.start_date"}
SPAN_CLASSES = ((None, 31), (31, 366), (366, 3660), (3660, None))  # (longer than, at most) days


def span_classes(dialect: str) -> list[tuple[Any, int | None]]:
    """(condition, longest span in days or None) for each class of span, on this backend."""
    days = _SPAN_DAYS[dialect]
    found = []
    for above, upto in SPAN_CLASSES:
        terms = ([f"{days} > {above}"] if above is not None else []) + \
                ([f"{days} <= {upto}"] if upto is not None else [])
        found.append((and_(*(literal_column(t) for t in terms)), upto))
    return found


def _connection(db: Any) -> Connection:
    """The Connection to run Core statements on: `db` itself, or a Session's (in its transaction)."""
    return db if isinstance(db, Connection) else db.connection()


@dataclass
class Filters:
    """What `events`, `chronology`, `export` and `timeline` may ask for; every field narrows the result."""

    year: int | None = None
    from_year: int | None = None
    to_year: int | None = None
    actors: list[str] = field(default_factory=list)  # names or aliases: events involving ALL of them
    type: str | None = None
    place: str | None = None
    source: str | None = None  # key or short form ("Duka 2007"); as source or as cited_in
    search: str | None = None  # full-text, accent-insensitive
    limit: int | None = None
    kind: str | None = None  # event | meeting | agreement (the `meetings` and `agreements` lists)

    def is_empty(self, ignore_kind: bool = False) -> bool:
        """True when nothing narrows the events (`limit` aside)."""
        return not (self.year or self.from_year or self.to_year or self.actors or self.type or self.place
                    or self.source or self.search or (self.kind and not ignore_kind))


# --- filters → conditions -------------------------------------------------------------------------------------


def _year(value: Any, option: str) -> int:
    if isinstance(value, str):
        return dates.parse_year(value)
    try:
        dates.year_bounds(value)
    except UserError as exc:
        raise type(exc)(f"{option}: {exc}") from None
    return value


def date_range(filters: Filters) -> tuple[dt.date, dt.date] | None:
    """The closed range of days the date filters ask for, or None when there is none."""
    if filters.year is not None and (filters.from_year is not None or filters.to_year is not None):
        raise UserError("give either --year or --from/--to, not both")
    if filters.year is not None:
        return dates.year_bounds(_year(filters.year, "--year"))
    if filters.from_year is None and filters.to_year is None:
        return None
    start = dates.year_bounds(_year(filters.from_year, "--from"))[0] if filters.from_year is not None else dt.date.min
    end = dates.year_bounds(_year(filters.to_year, "--to"))[1] if filters.to_year is not None else dt.date.max
    if start > end:
        raise UserError(f"--from {filters.from_year} is after --to {filters.to_year}: the range is empty "
                        "(did you swap them?)")
    return start, end


def search_terms(db: Any, text: str) -> list[list[str]]:
    """The user's words, folded, each with the other spellings of the actor or place it names.

    Every word must occur; a word that is a name or alias (`vlora`, `hrushov`) also matches the other
    spellings of that place or actor ("Vlorë", "Valona"), since sources print names differently.
    """
    words = [w for w in fold(text).split() if re.search(r"[^\W_]", w)]
    if not words:
        raise UserError(f"nothing to search for in {text!r}: give at least one word")
    others = _other_spellings(_connection(db), {w.strip(".,;:!?\"'()[]") for w in words})
    return [[w, *sorted(others.get(w.strip(".,;:!?\"'()[]"), set()) - {w})] for w in words]


def _other_spellings(conn: Connection, keys: set[str]) -> dict[str, set[str]]:
    """folded word → every folded spelling of the actors and places it is a name or alias of."""
    found: dict[str, set[str]] = defaultdict(set)
    for owner, owner_folded, alias, alias_owner in ((AC, AC.c.name_folded, AA, AA.c.actor_id),
                                                    (PL, PL.c.name_folded, PLA, PLA.c.place_id)):
        hits: dict[int, set[str]] = defaultdict(set)
        for row in conn.execute(select(owner.c.id, owner_folded).where(owner_folded.in_(keys))):
            hits[row[0]].add(row[1])
        for row in conn.execute(select(alias_owner, alias.c.folded).where(alias.c.folded.in_(keys))):
            hits[row[0]].add(row[1])
        if not hits:
            continue
        spellings: dict[int, set[str]] = defaultdict(set)
        for row in conn.execute(select(owner.c.id, owner_folded).where(owner.c.id.in_(hits))):
            spellings[row[0]].add(row[1])
        for row in conn.execute(select(alias_owner, alias.c.folded).where(alias_owner.in_(hits))):
            spellings[row[0]].add(row[1])
        for owner_id, keys_hit in hits.items():
            for key in keys_hit:
                found[key] |= spellings[owner_id]
    return found


def fts_query(terms: list[list[str]]) -> str:
    """An FTS5 query that punctuation cannot break: each spelling a quoted string (a phrase), the spellings
    of one word joined by OR, the words by AND."""
    def quoted(spelling: str) -> str:
        return '"' + spelling.replace('"', '""') + '"'

    groups = [quoted(g[0]) if len(g) == 1 else "(" + " OR ".join(quoted(x) for x in g) + ")" for g in terms]
    return " AND ".join(groups)


def _pg_tsvector():
    # The stored tsvector of the folded text that the GIN index covers (PostgreSQL only, migration 0002).
    return literal_column("event_search.search_vector")


def _pg_tsquery(terms: list[list[str]]):
    """The PostgreSQL twin of `fts_query`: phrases OR-ed (||) within a word, words AND-ed (&&)."""
    def phrase(spelling: str):
        return func.phraseto_tsquery(literal_column("'simple'"), spelling)

    def any_of(group: list[str]):
        return reduce(lambda a, b: a.op("||")(b), (phrase(x) for x in group))

    return reduce(lambda a, b: a.op("&&")(b), (any_of(g) for g in terms))


def _fts_match(terms: list[list[str]]):
    return literal_column("events_fts").match(fts_query(terms))


def _matches(conn: Connection, terms: list[list[str]]):
    """A select of the ids of the events whose search text contains every word of `terms`."""
    if conn.dialect.name == "sqlite":
        return select(FTS.c.rowid).where(_fts_match(terms))
    return select(ES.c.event_id).where(_pg_tsvector().op("@@")(_pg_tsquery(terms)))


def search_condition(db: Any, text: str):
    """A condition on events.id: events whose title, summary or quotations contain every word of `text`."""
    conn = _connection(db)
    return EV.c.id.in_(_matches(conn, search_terms(conn, text)))


@dataclass
class _Subset:
    """A filter that names a set of events (an actor's, those containing some words), in two forms: `IN`,
    which reads the set and sorts it, and `EXISTS`, which checks each event read in date order."""

    ids: Any  # a select of event ids
    exists: Any  # a condition on events, correlated


def _actor_subset(actor_id: int) -> _Subset:
    return _Subset(select(PA.c.event_id).where(PA.c.actor_id == actor_id),
                   select(PA.c.id).where(PA.c.event_id == EV.c.id, PA.c.actor_id == actor_id).exists())


def _search_subset(conn: Connection, terms: list[list[str]]) -> _Subset:
    if conn.dialect.name == "sqlite":
        exists = select(FTS.c.rowid).where(_fts_match(terms), FTS.c.rowid == EV.c.id).exists()
    else:
        exists = select(ES.c.event_id).where(ES.c.event_id == EV.c.id,
                                             _pg_tsvector().op("@@")(_pg_tsquery(terms))).exists()
    return _Subset(_matches(conn, terms), exists)


@dataclass
class _Resolved:
    """Filters checked and names resolved to ids: what the statements are built from."""

    span: tuple[dt.date, dt.date] | None  # open ends as date.min / date.max
    subsets: list[_Subset]  # each actor's events, the events with the words
    where: list  # every other condition (type, place, source, kind)


def _resolve(conn: Connection, filters: Filters) -> _Resolved:
    span = date_range(filters)
    actor_ids = dict.fromkeys(names.actor(conn, name).id for name in filters.actors or [])
    subsets = [_actor_subset(a) for a in actor_ids]
    where = []
    if filters.type:
        where.append(EV.c.type == names.event_type(conn, filters.type))
    if filters.place:
        where.append(EV.c.place_id == names.place(conn, filters.place).id)
    if filters.source:
        source_id = names.source(conn, filters.source).id
        where.append(select(CI.c.id).where(CI.c.event_id == EV.c.id,
                                           or_(CI.c.source_id == source_id, CI.c.cited_in_id == source_id)).exists())
    if filters.search:
        subsets.append(_search_subset(conn, search_terms(conn, filters.search)))
    if filters.kind:
        where.append(EV.c.kind == filters.kind)
    if filters.limit is not None and filters.limit < 0:
        raise UserError(f"--limit must be 0 or more (got {filters.limit})")
    return _Resolved(span, subsets, where)


def _count_at_most(conn: Connection, ids, most: int) -> int:
    """How many rows `ids` selects, counting no further than `most` (so that a common word costs little)."""
    return conn.execute(select(func.count()).select_from(ids.limit(most).subquery())).scalar() or 0


def _subset_conditions(conn: Connection, subsets: list[_Subset], limit: int | None) -> list:
    """The conditions for events in every one of `subsets`, each in the form of the cheaper plan.

    Either the events come from the smallest subset (`IN`: read and sorted), or the events are read in date
    order and each is checked (`EXISTS`), which stops after `limit`. For an actor in 57,000 of a million
    events the first 100 are found after ~1,700 checks (1 ms), while reading and sorting all 57,000 took
    130 ms; for an actor in 120 events it is the other way round: 0.3 ms against 0.5 s. PostgreSQL plans both
    forms alike, from its statistics; SQLite keeps the form it is given, so there the subsets are counted
    (from an index, and no further than needed) and the form chosen: checking in date order costs about
    `limit × events / count` lookups, reading a subset `count` lookups and a sort.
    """
    if not subsets:
        return []
    if conn.dialect.name != "sqlite" or (limit is None and len(subsets) == 1):
        return [EV.c.id.in_(s.ids) for s in subsets]
    if limit is None:  # everything is read: the smallest subset drives
        enough = conn.execute(select(func.max(EV.c.id))).scalar() or 0
    else:  # beyond this many, checking in date order is the cheaper plan
        enough = math.isqrt(limit * (conn.execute(select(func.max(EV.c.id))).scalar() or 0) // 2)
    counts = []
    for subset in subsets:
        counts.append(_count_at_most(conn, subset.ids, min([enough, *counts]) + 1))
    smallest = min(range(len(subsets)), key=counts.__getitem__)
    driving = smallest if limit is None or counts[smallest] <= enough else None
    return [EV.c.id.in_(s.ids) if i == driving else s.exists for i, s in enumerate(subsets)]


def conditions(db: Any, filters: Filters) -> list:
    """The WHERE conditions on `events` for `filters`, after checking and resolving every value (names → ids)."""
    conn = _connection(db)
    resolved = _resolve(conn, filters)
    return [*_span_conditions(resolved.span), *(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]


def _span_conditions(span: tuple[dt.date, dt.date] | None) -> list:
    if span is None:
        return []
    first, last = span
    return ([EV.c.end_date >= first] if first > dt.date.min else []) + \
           ([EV.c.start_date <= last] if last < dt.date.max else [])


# --- rows → event dicts ---------------------------------------------------------------------------------------

# The sort key labelled, so that a UNION of these selects can be ordered by it (`id` alone names places.id too).
_EVENT_COLUMNS = (EV.c.id.label("id"), EV.c.slug, EV.c.kind, EV.c.date, EV.c.start_date.label("start_date"),
                  EV.c.end_date.label("end_date"), EV.c.precision,
                  EV.c.title, EV.c.summary, EV.c.type, EV.c.tone, PL.c.name.label("place"),
                  ME.c.format, ME.c.outcome, AG.c.status, AG.c.subject)


def _base_select(*extra, hits=None):
    """Every column of an event dict; of the events in `hits` (a subquery with their ids) when given."""
    source = EV if hits is None else hits.join(EV, EV.c.id == hits.c.id)
    return (select(*_EVENT_COLUMNS, *extra)
            .select_from(source.outerjoin(PL, PL.c.id == EV.c.place_id)
                         .outerjoin(ME, ME.c.id == EV.c.id).outerjoin(AG, AG.c.id == EV.c.id)))


def _events_statement(conn: Connection, resolved: _Resolved, limit: int | None, *, body: bool = False):
    """The events of `resolved` in date order (start, end, id), at most `limit`.

    With a lower date bound the events overlapping [first, last] are asked once per span class, each with a
    lower bound on its start (an event of at most 31 days that reaches `first` began at most 31 days before
    it), and the four streams merged (`UNION ALL … ORDER BY … LIMIT`, over `events` alone): the partial
    indexes `ix_events_span_*` are read over a few weeks, a year, ten years, and only for the rare longer
    events from the beginning — instead of every event that began before `last`. The other columns are then
    joined to the events found (so for a filtered page too); `body` adds the search text (for snippets).
    """
    extra = (ES.c.body,) if body else ()

    def with_body(stmt):
        return stmt.join(ES, ES.c.event_id == EV.c.id) if body else stmt

    where = [*_subset_conditions(conn, resolved.subsets, limit), *resolved.where]
    legs = _span_legs(conn, resolved.span, where)
    if legs is None:
        where += _span_conditions(resolved.span)
        if limit is None or not where:
            stmt = with_body(_base_select(*extra)).where(*where).order_by(EV.c.start_date, EV.c.end_date, EV.c.id)
            return stmt.limit(limit) if limit is not None else stmt
        # A page of a filtered list: the events are found on the date-order index alone (the row of each
        # event checked is not read), then the page's rows joined.
        legs = [select(EV.c.id, EV.c.start_date, EV.c.end_date).where(*where)]
    if limit is not None:
        # Each class's first `limit` from its index in order: PostgreSQL does not merge ordered streams of
        # UNION ALL members that have a WHERE clause, so it sorts at most 4 × `limit` rows instead.
        legs = [select(leg.order_by(EV.c.start_date, EV.c.end_date, EV.c.id).limit(limit).subquery())
                for leg in legs]
    merged: Any = union_all(*legs) if len(legs) > 1 else legs[0]  # (Any: mypy 2.4 crashes expanding the union)
    found = merged.subquery("found")
    ordered = select(found).order_by(found.c.start_date, found.c.end_date, found.c.id)
    hits = (ordered.limit(limit) if limit is not None else ordered).subquery("hits")
    return with_body(_base_select(*extra, hits=hits)).order_by(hits.c.start_date, hits.c.end_date, hits.c.id)


def _span_legs(conn: Connection, span: tuple[dt.date, dt.date] | None, where: list) -> list | None:
    """For a date range with a lower bound: one select of (id, start_date, end_date) per span class, of the
    events in the range that meet `where`; None when the range has no lower bound (nothing to gain)."""
    if span is None or span[0] == dt.date.min or conn.dialect.name not in _SPAN_DAYS:
        return None
    first, last = span
    legs = []
    for in_class, longest in span_classes(conn.dialect.name):
        bounds = [in_class, EV.c.end_date >= first]
        if longest is not None and first - dt.date.min > dt.timedelta(days=longest):
            bounds.append(EV.c.start_date >= first - dt.timedelta(days=longest))
        if last < dt.date.max:
            bounds.append(EV.c.start_date <= last)
        legs.append(select(EV.c.id, EV.c.start_date, EV.c.end_date).where(*bounds, *where))
    return legs


def _event_dict(row) -> dict:
    (id_, slug, kind, date, start, end, precision, title, summary, type_, tone, place,
     format_, outcome, status, subject) = row[:16]
    event = {
        "id": id_, "slug": slug, "kind": kind, "date": date, "start": start.isoformat(), "end": end.isoformat(),
        "precision": precision, "title": title, "summary": summary, "type": type_, "tone": tone, "place": place,
        "actors": [], "citations": [], "invokes": [],
    }
    if kind == "meeting":
        event["meeting"] = {"format": format_, "outcome": outcome}
    elif kind == "agreement":
        event["agreement"] = {"status": status, "subject": subject}
    return event


# The details of a batch of events, one statement each per backend, built once. The batch's ids are bound as
# one parameter — a JSON array read by `json_each` on SQLite, an array on PostgreSQL — so that running a batch
# costs no statement building: expanding 500 ids into 500 parameters cost more than the queries themselves.
_DETAILS: dict[str, tuple] = {}


def _batch_ids(dialect: str):
    """A condition's right-hand side: the ids of the batch, bound as one text (`_batch_params`)."""
    if dialect == "sqlite":
        return select(literal_column("value")).select_from(func.json_each(bindparam("ids", type_=String)))
    from sqlalchemy.dialects.postgresql import ARRAY

    return func.any(cast(bindparam("ids", type_=String), ARRAY(Integer)))


def _batch_params(dialect: str, ids: list[int]) -> dict:
    text = ",".join(map(str, ids))
    return {"ids": f"[{text}]" if dialect == "sqlite" else f"{{{text}}}"}


def _details_statements(dialect: str) -> tuple:
    if dialect not in _DETAILS:
        def of_batch(column):
            ids = _batch_ids(dialect)
            return column.in_(ids) if dialect == "sqlite" else column == ids

        target = EV.alias("target")
        _DETAILS[dialect] = (
            select(PA.c.event_id, AC.c.name, AC.c.kind, PA.c.role).join(AC, AC.c.id == PA.c.actor_id)
            .where(of_batch(PA.c.event_id)).order_by(PA.c.event_id, PA.c.id),
            select(CI.c.event_id, CI.c.source_id, CI.c.locator, CI.c.quote, CI.c.cited_as, CI.c.cited_in_id,
                   CI.c.cited_in_locator, CI.c.confidence, CI.c.note)
            .where(of_batch(CI.c.event_id)).order_by(CI.c.event_id, CI.c.id),
            select(INV.c.event_id, target.c.slug).join(target, target.c.id == INV.c.agreement_id)
            .where(of_batch(INV.c.event_id)).order_by(INV.c.event_id, target.c.start_date, target.c.id),
        )
    return _DETAILS[dialect]


def _attach_details(conn: Connection, events: list[dict], sources: dict[int, tuple[str, str]]) -> None:
    """Fill `actors`, `citations` and `invokes` of a batch of events: three queries for the whole batch.

    `sources` maps a source id to its (key, short form): sources are few, so they are read once per listing
    instead of being joined twice into every citation row.
    """
    by_id = {e["id"]: e for e in events}
    dialect = conn.dialect.name
    participants, citations_, invokes = _details_statements(dialect)
    ids = _batch_params(dialect, list(by_id))
    # (`.all()`: one fetch for the batch's rows, not one call per row)
    for event_id, name, kind, role in conn.execute(participants, ids).all():
        by_id[event_id]["actors"].append({"name": name, "kind": kind, "role": role})
    none = (None, None)
    for event_id, source_id, locator, quote, cited_as, in_id, in_locator, confidence, note in \
            conn.execute(citations_, ids).all():
        key, short = sources[source_id]
        in_key, in_short = sources[in_id] if in_id is not None else none
        by_id[event_id]["citations"].append({
            "source": key, "short": short, "locator": locator, "quote": quote, "cited_as": cited_as,
            "cited_in": in_key, "cited_in_short": in_short, "cited_in_locator": in_locator,
            "confidence": confidence, "note": note,
        })
    for event_id, slug in conn.execute(invokes, ids).all():
        by_id[event_id]["invokes"].append(slug)


def _stream(db: Any, stmt, extra: Iterable[str] = (), limit: int | None = None) -> Iterator[dict]:
    """Run `stmt` (over `_base_select`) streamed, and yield complete event dicts, batch by batch.

    `extra` names further selected columns copied into each dict (e.g. the search snippet's body). A
    `limit` that fits in one batch (the statement's own) fetches the rows at once instead of through a
    server-side cursor, which costs PostgreSQL two more round trips.
    """
    conn = _connection(db)
    sources = {row[0]: (row[1], row[2]) for row in conn.execute(select(SO.c.id, SO.c.key, SO.c.short))}
    one_batch = limit is not None and limit <= BATCH
    result = conn.execute(stmt, execution_options={} if one_batch else {"yield_per": BATCH})
    for rows in result.partitions(BATCH):
        events = []
        for row in rows:
            event = _event_dict(row)
            for name in extra:
                event[name] = getattr(row, name)
            events.append(event)
        _attach_details(conn, events, sources)
        yield from events


def event_rows(db: Any, filters: Filters) -> Iterator[dict]:
    """The events matching `filters`, in date order (start, end, id), as dicts in the JSON shape.

    The filters are checked and names resolved before this returns (a bad filter fails before anything is
    written); errors are UserError (bad years, empty range), NotFound (with suggestions) or Ambiguous.
    """
    conn = _connection(db)
    stmt = _events_statement(conn, _resolve(conn, filters), filters.limit)
    return _stream(conn, stmt, limit=filters.limit)


def event_rows_where(db: Any, condition) -> Iterator[dict]:
    """The events meeting `condition` (a Core expression over the events table, e.g. `events.c.id.in_(…)`),
    in date order, as dicts in the JSON shape (what the YAML export reads)."""
    return _stream(db, _base_select().where(condition).order_by(EV.c.start_date, EV.c.end_date, EV.c.id))


def max_event_id(db: Any) -> int:
    """The largest event id (0 when there are none): how wide an ID column must be."""
    return _connection(db).execute(select(func.max(EV.c.id))).scalar() or 0


def count_events(db: Any, filters: Filters) -> int:
    """How many events match `filters` (ignoring `limit`)."""
    conn = _connection(db)
    resolved = _resolve(conn, filters)
    where = [*(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
    legs = _span_legs(conn, resolved.span, where)  # a date range is counted per span class, like it is read
    counted = (select(func.count()).select_from(EV).where(*_span_conditions(resolved.span), *where) if legs is None
               else select(func.count()).select_from(union_all(*legs).subquery()))
    return conn.execute(counted).scalar() or 0


# --- one event ------------------------------------------------------------------------------------------------


def event_by_ref(db: Any, ref: str) -> dict:
    """Everything about one event (id or slug): the event dict plus `approximate`, `uncertain`, `display`
    (the date as a reader writes it), `invoked_by` (for agreements) and each invoked agreement's title."""
    conn = _connection(db)
    event_id = names.event_id(conn, ref)
    (event,) = list(_stream(conn, _base_select().where(EV.c.id == event_id)))
    parsed = dates.parse(event["date"])
    event["display"] = dates.display(parsed)
    event["approximate"], event["uncertain"] = parsed.approximate, parsed.uncertain
    if event["invokes"]:
        rows = conn.execute(select(EV.c.slug, EV.c.date, EV.c.title).where(EV.c.slug.in_(event["invokes"])))
        info = {r.slug: r for r in rows}
        event["invokes"] = [{"slug": s, "date": info[s].date, "title": info[s].title} for s in event["invokes"]]
    if event["kind"] == "agreement":
        event["invoked_by"] = invoked_by(conn, [event_id])[event_id]
    return event


def invoked_by(db: Any, agreement_ids: list[int]) -> dict[int, list[dict]]:
    """For each agreement id: the events that invoke it, in date order, as {id, slug, date, title}."""
    found: dict[int, list[dict]] = {i: [] for i in agreement_ids}
    stmt = (select(INV.c.agreement_id, EV.c.id, EV.c.slug, EV.c.date, EV.c.title)
            .join(EV, EV.c.id == INV.c.event_id).where(INV.c.agreement_id.in_(agreement_ids))
            .order_by(EV.c.start_date, EV.c.end_date, EV.c.id))
    for row in _connection(db).execute(stmt):
        found[row.agreement_id].append({"id": row.id, "slug": row.slug, "date": row.date, "title": row.title})
    return found


def agreement_rows(db: Any, filters: Filters) -> Iterator[dict]:
    """Agreements matching `filters` (kind forced), each with `invoked_by`: the events that invoke it."""
    filters = Filters(**{**filters.__dict__, "kind": "agreement"})
    conn = _connection(db)
    rows = event_rows(conn, filters)

    def generate() -> Iterator[dict]:
        batch: list[dict] = []
        for event in rows:
            batch.append(event)
            if len(batch) == BATCH:
                yield from _with_invoked_by(conn, batch)
                batch = []
        yield from _with_invoked_by(conn, batch)

    return generate()


def _with_invoked_by(conn: Connection, batch: list[dict]) -> list[dict]:
    if batch:
        users = invoked_by(conn, [e["id"] for e in batch])
        for event in batch:
            event["invoked_by"] = users[event["id"]]
    return batch


# --- search ---------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def snippet(body: str, text: str | Iterable[str], width: int = 160) -> str:
    """The line of `body` (title, summary or a quotation) holding most words of `text` (a text, or the
    spellings of `search_terms`), cut to about
    `width` characters around it, the matching words in [brackets] and '…' where cut.

    Made here rather than by FTS5 `snippet()` / PostgreSQL `ts_headline`, so that both backends show the
    same snippet, and PostgreSQL's (which matches on folded text) still shows the words with their accents.
    """
    words = [text] if isinstance(text, str) else list(text)
    wanted = {w for spelling in words for w in _WORD.findall(fold(spelling))}
    if any(len(w) > 1 for w in wanted):  # the "s" of "Khrushchev's" would mark every lone s
        wanted = {w for w in wanted if len(w) > 1}
    lines = [" ".join(line.split()) for line in body.splitlines() if line.strip()] or [""]
    line, hits, best = lines[0], [], 0
    for candidate in lines:  # the line with the most of the words, the first of equals
        found = [m for m in _WORD.finditer(candidate) if fold(m.group()) in wanted]
        distinct = len({fold(m.group()) for m in found})
        if distinct > best:
            line, hits, best = candidate, found, distinct
    start = 0
    if hits and hits[0].start() > width // 3:
        # Start at a word boundary about a third of the width before the first hit.
        start = line.find(" ", hits[0].start() - width // 3) + 1
    end = len(line)
    if end - start > width:
        end = line.rfind(" ", start, start + width)
        end = start + width if end <= (hits[0].end() if hits else start) else end
    pieces, pos = [], start
    for match in hits:
        if match.start() >= start and match.end() <= end:
            pieces += [line[pos:match.start()], "[", match.group(), "]"]
            pos = match.end()
    pieces.append(line[pos:end])
    return ("… " if start else "") + "".join(pieces) + (" …" if end < len(line) else "")


# A search ranks its matches (bm25 on SQLite, ts_rank on PostgreSQL) when there are at most this many: ranking
# scores every match, 5–20 µs each (measured on a million events: 2,000 matches of three words, 35 ms), and a
# phrase common in a million events ("naval base") has 170,000. Beyond it the matches come in date order (as
# `events --search` gives them), which stops after the first page.
RANK_AT_MOST = 5_000


class SearchResults:
    """The events a search found (an iterator of event dicts, each with its `snippet`), and whether they come
    best match first (`ranked`) or, too many to rank, in date order."""

    def __init__(self, events: Iterator[dict], ranked: bool) -> None:
        self._events, self.ranked = events, ranked

    def __iter__(self) -> Iterator[dict]:
        return self._events

    def __next__(self) -> dict:
        return next(self._events)


def _few_matches(conn: Connection, terms: list[list[str]]) -> bool:
    """Whether at most RANK_AT_MOST events contain the words: counted on SQLite (FTS5 lists its matches
    cheaply), estimated by the planner on PostgreSQL (counting a common phrase there reads its whole posting
    lists and rechecks rows: ~0.2 s in a million events) — counted there too while the table has no
    statistics yet (just after a bulk import, before ANALYZE), as the estimate would then be a fixed guess."""
    matches = _matches(conn, terms)
    if conn.dialect.name == "sqlite" or not conn.exec_driver_sql(
            "SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'event_search' "
            "AND attname = 'search_vector'").first():
        return _count_at_most(conn, matches, RANK_AT_MOST + 1) <= RANK_AT_MOST
    compiled = matches.compile(dialect=conn.dialect)
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return plan[0]["Plan"]["Plan Rows"] <= RANK_AT_MOST


def search_rows(db: Any, text: str, filters: Filters | None = None) -> SearchResults:
    """Events whose title, summary or quotations contain every word of `text` (any case, any accents),
    best match first — or in date order when more than RANK_AT_MOST match (`.ranked` says which) — each
    event dict with a `snippet` of the matching text. `filters` narrow further."""
    filters = filters or Filters()
    if filters.search:
        raise UserError("give the search words once (as the argument of `search`)")
    conn = _connection(db)
    terms = search_terms(conn, text)
    resolved = _resolve(conn, filters)
    ranked = _few_matches(conn, terms)
    if ranked:
        # The matches ranked with only what the order needs (score, start, id), then the page's events joined.
        where = [*_span_conditions(resolved.span), *(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
        if conn.dialect.name == "sqlite":
            score = FTS.c.rank  # bm25, negative: the best first when ascending
            found = select(EV.c.id, score.label("score"), EV.c.start_date).select_from(
                FTS.join(EV, EV.c.id == FTS.c.rowid)).where(_fts_match(terms), *where)
        else:
            tsquery = _pg_tsquery(terms)
            score = -func.ts_rank(_pg_tsvector(), tsquery)
            found = select(EV.c.id, score.label("score"), EV.c.start_date).select_from(
                ES.join(EV, EV.c.id == ES.c.event_id)).where(_pg_tsvector().op("@@")(tsquery), *where)
        found = found.order_by(score, EV.c.start_date, EV.c.id)
        hits = (found.limit(filters.limit) if filters.limit is not None else found).subquery("hits")
        stmt = (_base_select(ES.c.body, hits=hits).join(ES, ES.c.event_id == EV.c.id)
                .order_by(hits.c.score, hits.c.start_date, hits.c.id))
    else:
        resolved.subsets.append(_search_subset(conn, terms))
        stmt = _events_statement(conn, resolved, filters.limit, body=True)
    spellings = [x for group in terms for x in group]

    def generate() -> Iterator[dict]:
        for event in _stream(conn, stmt, extra=("body",), limit=filters.limit):
            event["snippet"] = snippet(event.pop("body"), spellings)
            yield event

    return SearchResults(generate(), ranked)


# --- actors, places, sources ------------------------------------------------------------------------------------


def actor_rows(db: Any, kind: str | None = None, search: str | None = None) -> list[dict]:
    """Actors by name, each {name, kind, description, aliases, events}; `search` matches any part of a name
    or alias, case- and accent-insensitively; `kind` one of the actor kinds."""
    conn = _connection(db)
    stmt = select(AC.c.id, AC.c.name, AC.c.kind, AC.c.description).order_by(AC.c.name)
    if kind:
        if kind not in ACTOR_KINDS:
            raise UserError(f"--kind must be one of {', '.join(ACTOR_KINDS)} (got {kind!r})")
        stmt = stmt.where(AC.c.kind == kind)
    if search:
        pattern = "%" + _escape_like(fold(search)) + "%"
        by_alias = select(AA.c.actor_id).where(AA.c.folded.like(pattern, escape="\\"))
        stmt = stmt.where(or_(AC.c.name_folded.like(pattern, escape="\\"), AC.c.id.in_(by_alias)))
    actors = [{"id": r.id, "name": r.name, "kind": r.kind, "description": r.description, "aliases": [],
               "events": 0} for r in conn.execute(stmt)]
    by_id = {a["id"]: a for a in actors}
    for chunk in _chunks(list(by_id)):
        for row in conn.execute(select(AA.c.actor_id, AA.c.name).where(AA.c.actor_id.in_(chunk))
                                .order_by(AA.c.id)):
            by_id[row.actor_id]["aliases"].append(row.name)
        counts = (select(PA.c.actor_id, func.count(PA.c.event_id.distinct()))
                  .where(PA.c.actor_id.in_(chunk)).group_by(PA.c.actor_id))
        for actor_id, n in conn.execute(counts):
            by_id[actor_id]["events"] = n
    for actor in actors:
        del actor["id"]
    return actors


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i:i + BATCH]


def actor_profile(db: Any, name: str) -> dict:
    """One actor (any alias): {name, kind, description, aliases, events}, `events` being the actor's own
    chronology — a lazy iterator of event dicts, each with `roles`, the actor's roles in it."""
    conn = _connection(db)
    actor = names.actor(conn, name)
    aliases = list(conn.execute(select(AA.c.name).where(AA.c.actor_id == actor.id).order_by(AA.c.id)).scalars())
    stmt = _events_statement(conn, _Resolved(None, [_actor_subset(actor.id)], []), None)

    def chronology() -> Iterator[dict]:
        for event in _stream(conn, stmt):
            event["roles"] = [a["role"] for a in event["actors"] if a["name"] == actor.name]
            yield event

    return {"name": actor.name, "kind": actor.kind, "description": actor.description, "aliases": aliases,
            "events": chronology()}


_SOURCE_FIELDS = ("key", "kind", "author", "title", "year", "publisher", "url", "short", "container", "volume",
                  "issue", "pages", "place", "doi", "fund", "file", "note")


def _source_dict(row) -> dict:
    return {name: getattr(row, name) for name in _SOURCE_FIELDS}


def source_rows(db: Any) -> list[dict]:
    """Every source, in bibliography order (short form, then key), with `citations`: how many citations
    name it as their source or as the work that reports them (`cited_in`)."""
    conn = _connection(db)
    rows = conn.execute(select(*(SO.c[n] for n in _SOURCE_FIELDS), SO.c.id)
                        .order_by(func.lower(SO.c.short), SO.c.key)).all()
    counts: dict[int, int] = defaultdict(int)
    for column_ in (CI.c.source_id, CI.c.cited_in_id):
        for source_id, n in conn.execute(select(column_, func.count()).where(column_.is_not(None))
                                         .group_by(column_)):
            counts[source_id] += n
    return [{**_source_dict(r), "citations": counts[r.id]} for r in rows]


def source_profile(db: Any, ref: str) -> dict:
    """One source (key or short form): its bibliography fields and `citations`, a lazy iterator over every
    citation that names it as source or as `cited_in`, in date order, each with its event {id, slug, date,
    title} and `as` ("source" or "cited_in")."""
    conn = _connection(db)
    source = names.source(conn, ref)
    row = conn.execute(select(*(SO.c[n] for n in _SOURCE_FIELDS)).where(SO.c.id == source.id)).one()
    src, cited_in = SO.alias("src"), SO.alias("cited_in")
    stmt = (select(EV.c.id, EV.c.slug, EV.c.date, EV.c.title, src.c.key, src.c.short, CI.c.locator, CI.c.quote,
                   CI.c.cited_as, cited_in.c.key.label("in_key"), cited_in.c.short.label("in_short"),
                   CI.c.cited_in_locator, CI.c.confidence, CI.c.note, CI.c.source_id)
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id).join(src, src.c.id == CI.c.source_id)
                         .outerjoin(cited_in, cited_in.c.id == CI.c.cited_in_id))
            .where(or_(CI.c.source_id == source.id, CI.c.cited_in_id == source.id))
            .order_by(EV.c.start_date, EV.c.end_date, EV.c.id, CI.c.id))

    def citations() -> Iterator[dict]:
        for r in conn.execute(stmt, execution_options={"yield_per": BATCH}):
            yield {"event": {"id": r.id, "slug": r.slug, "date": r.date, "title": r.title},
                   "as": "source" if r.source_id == source.id else "cited_in",
                   "source": r.key, "short": r.short, "locator": r.locator, "quote": r.quote,
                   "cited_as": r.cited_as, "cited_in": r.in_key, "cited_in_short": r.in_short,
                   "cited_in_locator": r.cited_in_locator, "confidence": r.confidence, "note": r.note}

    return {**_source_dict(row), "citations": citations()}


__all__ = [
    "Filters", "actor_profile", "actor_rows", "agreement_rows", "count_events", "max_event_id", "date_range", "event_by_ref",
    "event_rows", "fts_query", "search_terms", "invoked_by", "search_rows", "snippet", "source_profile", "source_rows",
]
