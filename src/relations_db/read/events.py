"""Events as dicts (`rows.EventRow`, the JSON shape of DESIGN §3), streamed in date order with their details.

Every list of events the command line prints comes from here, so that the table, CSV, JSON, Markdown and HTML
writers and the export read one shape. Rows are streamed in batches of `tables.BATCH`; the actors, citations
and invoked agreements of a batch are read with one query each, never one per event.

At scale (a million events) the statements are shaped for the indexes of migration 0004 (the conditions come
from `filters`), and tests/test_query_plans.py checks the plans: a date range is read once per span class and
the streams merged, and a page of a filtered list is found on the date-order index before its rows are joined.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    union_all,
)

from relations_db.read import assemble, names
from relations_db.read.assemble import attach_details, batch_ids, event_detail, event_dict
from relations_db.read.claim_rows import date_notes, with_claims, with_derived
from relations_db.read.claims import claims_of, disputed_dates
from relations_db.read.filters import (
    Filters,
    Resolved,
    date_order,
    max_id_statement,
    resolve,
    span_conditions,
    span_legs,
    subset_forms,
    subset_where,
)
from relations_db.read.relative import derived_of
from relations_db.read.rows import EventDetail, EventRef, EventRow
from relations_db.read.shapes import EventsShape, span_kind
from relations_db.read.tables import (
    AC,
    AG,
    BATCH,
    CI,
    DS,
    ES,
    EV,
    INV,
    ME,
    PA,
    PL,
    SO,
    connection,
    one_of,
    param,
)
from relations_db.store.schema import claim_citations as CC
from relations_db.store.schema import claims as CL

if TYPE_CHECKING:
    from sqlalchemy import FromClause, Subquery
    from sqlalchemy.engine import Connection, Row

    from relations_db.read.tables import Database

# The sort key labelled, so that a UNION of these selects can be ordered by it (`id` alone names places.id too).
_EVENT_COLUMNS = (EV.c.id.label("id"), EV.c.slug, EV.c.kind, EV.c.date, EV.c.start_day.label("start_day"),
                  EV.c.end_day.label("end_day"), EV.c.start_iso, EV.c.end_iso, EV.c.start_kind, EV.c.end_kind,
                  EV.c.precision,
                  EV.c.title, EV.c.summary, EV.c.type, EV.c.tone, EV.c.tone_note, PL.c.name.label("place"),
                  ME.c.format, ME.c.outcome, AG.c.status, AG.c.subject)


def base_select(*extra: ColumnElement[Any], hits: Subquery | None = None) -> Select[Any]:
    """Every column of an event dict (and `extra`); of the events in `hits` (a subquery with their ids) when
    given."""
    source: FromClause = EV if hits is None else hits.join(EV, EV.c.id == hits.c.id)
    return (select(*_EVENT_COLUMNS, *extra)
            .select_from(source.outerjoin(PL, PL.c.id == EV.c.place_id)
                         .outerjoin(ME, ME.c.id == EV.c.id).outerjoin(AG, AG.c.id == EV.c.id)))


def events_statement(conn: Connection, resolved: Resolved, limit: int | None, *, body: bool = False) -> Select[Any]:
    """The events of `resolved` in date order (start, end, id), at most `limit`.

    With a lower date bound the events overlapping [first, last] are asked once per span class
    (`filters.span_legs`), and the four streams merged (`UNION ALL … ORDER BY … LIMIT`, over `events` alone).
    The other columns are then joined to the events found (so for a filtered page too); `body` adds the search
    text (for snippets).
    """
    return build_events(conn.dialect.name, resolved, limit, subset_forms(conn, resolved.subsets, limit), body=body)


def events_shape(resolved: Resolved, limit: int | None, forms: tuple[str, ...], *,
                 body: bool = False) -> EventsShape:
    """The shape of `build_events`' statement: what its text depends on."""
    return EventsShape(span_kind(resolved.span), limit is not None,
                       tuple(f"{s.kind}:{f}" for s, f in zip(resolved.subsets, forms, strict=True)),
                       resolved.where_names, body)


def build_events(dialect: str, resolved: Resolved, limit: int | None, forms: tuple[str, ...], *,
                 body: bool = False) -> Select[Any]:
    """`events_statement` with the form of each subset given ("in" or "exists", `filters.subset_forms`)."""
    extra = (ES.c.body,) if body else ()

    def with_body(stmt: Select[Any]) -> Select[Any]:
        return stmt.join(ES, ES.c.event_id == EV.c.id) if body else stmt

    where = [*subset_where(resolved.subsets, forms), *resolved.where]
    legs = span_legs(dialect, resolved.span, where)
    if legs is None:
        where += span_conditions(resolved.span)
        if limit is None or not where:
            stmt = with_body(base_select(*extra)).where(*where).order_by(
                *date_order(dialect, EV.c.start_day, EV.c.end_day, EV.c.id))
            return stmt.limit(param("limit", limit)) if limit is not None else stmt
        # A page of a filtered list: the events are found on the date-order index alone (the row of each
        # event checked is not read), then the page's rows joined.
        legs = [select(EV.c.id, EV.c.start_day, EV.c.end_day).where(*where)]
    if limit is not None:
        # Each class's first `limit` from its index in order: PostgreSQL does not merge ordered streams of
        # UNION ALL members that have a WHERE clause, so it sorts at most 4 × `limit` rows instead.
        legs = [select(leg.order_by(*date_order(dialect, EV.c.start_day, EV.c.end_day, EV.c.id))
                       .limit(param("limit", limit)).subquery())
                for leg in legs]
    merged: Any = union_all(*legs) if len(legs) > 1 else legs[0]  # (Any: mypy 2.4 crashes expanding the union)
    found = merged.subquery("found")
    ordered = select(found).order_by(*date_order(dialect, found.c.start_day, found.c.end_day, found.c.id))
    hits = (ordered.limit(param("limit", limit)) if limit is not None else ordered).subquery("hits")
    return with_body(base_select(*extra, hits=hits)).order_by(*date_order(dialect, hits.c.start_day,
                                                                          hits.c.end_day, hits.c.id))


# The details of a batch of events, one statement each per backend, built once. The batch's ids are bound as
# one parameter — a JSON array read by `json_each` on SQLite, an array on PostgreSQL — so that running a batch
# costs no statement building: expanding 500 ids into 500 parameters cost more than the queries themselves.
_DETAILS: dict[str, tuple[Select[Any], Select[Any], Select[Any], Select[Any]]] = {}


def _batch_ids(dialect: str) -> Select[Any] | ColumnElement[Any]:
    """A condition's right-hand side: the ids of the batch, bound as one text (`_batch_params`): a select of
    them on SQLite (for `IN`), an `ANY(array)` expression on PostgreSQL (for `=`)."""
    if dialect == "sqlite":
        return select(literal_column("value")).select_from(func.json_each(bindparam("ids", type_=String)))
    from sqlalchemy.dialects.postgresql import ARRAY

    return func.any(cast(bindparam("ids", type_=String), ARRAY(Integer)))


def details_statements(dialect: str) -> tuple[Select[Any], Select[Any], Select[Any], Select[Any]]:
    """The details of a batch of events (the one parameter `ids`): participants, citations, invoked agreements,
    and the best-ranked date claims of its disputed events (read from `disputed_spans`, which holds them only:
    an undisputed batch costs one probe of a small table per event)."""
    if dialect not in _DETAILS:
        def of_batch(column: ColumnElement[int]) -> ColumnElement[bool]:
            ids = _batch_ids(dialect)
            return column.in_(ids) if isinstance(ids, Select) else column == ids

        target = EV.alias("target")
        _DETAILS[dialect] = (
            select(PA.c.event_id, AC.c.name, AC.c.kind, PA.c.role).join(AC, AC.c.id == PA.c.actor_id)
            .where(of_batch(PA.c.event_id)).order_by(PA.c.event_id, PA.c.id),
            select(CI.c.event_id, CI.c.id, CI.c.source_id, CI.c.locator, CI.c.quote, CI.c.cited_as, CI.c.cited_in_id,
                   CI.c.cited_in_locator, CI.c.confidence, CI.c.note)
            .where(of_batch(CI.c.event_id)).order_by(CI.c.event_id, CI.c.id),
            select(INV.c.event_id, target.c.slug).join(target, target.c.id == INV.c.agreement_id)
            .where(of_batch(INV.c.event_id))
            .order_by(INV.c.event_id, *date_order(dialect, target.c.start_day, target.c.end_day, target.c.id)),
            select(DS.c.event_id, CL.c.id, CL.c.date, CL.c.start_day, CL.c.end_day, CL.c.rank)
            .join(CL, CL.c.id == DS.c.claim_id).where(of_batch(DS.c.event_id)).order_by(DS.c.event_id, CL.c.id),
        )
    return _DETAILS[dialect]


_NOTED: dict[str, Select[Any]] = {}


def noted_statement(dialect: str) -> Select[Any]:
    """The date claims a batch of events (the one parameter `ids`) does not show — deprecated, or outranked by a
    preferred one — with the sources of their supporting citations: (event id, claim id, date, rank, own, the
    source's short form), then (event id, NULL…, the id of a citation linked to any claim) for each event with an
    own claim among them, whose implicit support is the event's unlinked citations (`claim_rows.date_notes`). Few
    events have any: an undisputed batch costs one probe of the claims per event, in one statement."""
    if dialect not in _NOTED:
        ids = _batch_ids(dialect)

        def of_batch(column: ColumnElement[int]) -> ColumnElement[bool]:
            return column.in_(ids) if isinstance(ids, Select) else column == ids

        def hidden_date(claim: Any) -> ColumnElement[bool]:
            """A date claim the event does not show: deprecated, or normal with a preferred one beside it."""
            better = CL.alias("better")
            outranked = select(better.c.id).where(better.c.event_id == claim.c.event_id, better.c.kind == "date",
                                                  better.c.rank == "preferred").exists()
            return (claim.c.kind == "date") & ((claim.c.rank == "deprecated")
                                               | ((claim.c.rank == "normal") & outranked))

        supports = CC.join(CI, CI.c.id == CC.c.citation_id).join(SO, SO.c.id == CI.c.source_id)
        claimed = (select(CL.c.event_id, CL.c.id.label("claim_id"), CL.c.date, CL.c.rank, CL.c.own,
                          SO.c.short, literal_column("NULL").label("linked"))
                   .select_from(CL.outerjoin(supports, (CC.c.claim_id == CL.c.id) & (CC.c.stance == "supports")))
                   .where(of_batch(CL.c.event_id), hidden_date(CL)))
        own = CL.alias("own")
        has_own = select(own.c.id).where(own.c.event_id == CL.c.event_id, own.c.own.is_(True), hidden_date(own))
        linked = (select(CL.c.event_id, literal_column("NULL"), literal_column("NULL"), literal_column("NULL"),
                         literal_column("NULL"), literal_column("NULL"), CC.c.citation_id)
                  .select_from(CC.join(CL, CL.c.id == CC.c.claim_id))
                  .where(of_batch(CL.c.event_id), has_own.exists()))
        union = union_all(claimed, linked).subquery()
        _NOTED[dialect] = select(*union.c).order_by(union.c.event_id, union.c.claim_id)
    return _NOTED[dialect]


def with_date_notes(db: Database, events: Iterator[EventRow]) -> Iterator[EventRow]:
    """`events`, each with `date_notes` when it has date claims it does not show ("Fixture 2022 gives 1959
    (normal)."): for the readable chronologies, one query per batch."""
    conn = connection(db)
    stmt = noted_statement(conn.dialect.name)
    return date_notes(events, lambda ids: conn.execute(stmt, {"ids": batch_ids(conn.dialect.name, ids)}).all(),
                      BATCH)


def _attach_details(conn: Connection, events: list[EventRow], sources: dict[int, tuple[str, str]]) -> None:
    """Fill `actors`, `citations` and `invokes` of a batch of events: three queries for the whole batch.

    `sources` maps a source id to its (key, short form): sources are few, so they are read once per listing
    instead of being joined twice into every citation row.
    """
    by_id = {e["id"]: e for e in events}
    dialect = conn.dialect.name
    participants, citations_, invokes, dated = details_statements(dialect)
    ids = {"ids": batch_ids(dialect, list(by_id))}
    # (`.all()`: one fetch for the batch's rows, not one call per row)
    attach_details(by_id, sources, conn.execute(participants, ids).all(), conn.execute(citations_, ids).all(),
                   conn.execute(invokes, ids).all(), conn.execute(dated, ids).all())


def sources_statement() -> Select[Any]:
    """Every source's id, key and short form (read once per listing)."""
    return select(SO.c.id, SO.c.key, SO.c.short)


def stream(db: Database, stmt: Select[Any], *, limit: int | None = None,
           each: Callable[[EventRow, Row], None] | None = None) -> Iterator[EventRow]:
    """Run `stmt` (over `base_select`) streamed, and yield complete event dicts, batch by batch.

    `each`, when given, is called with every event and its row before the batch's details are read (to copy a
    further selected column, e.g. the search text a snippet is cut from). A `limit` that fits in one batch (the
    statement's own) fetches the rows at once instead of through a server-side cursor, which costs PostgreSQL
    two more round trips.
    """
    conn = connection(db)
    sources = {row[0]: (row[1], row[2]) for row in conn.execute(sources_statement())}
    one_batch = limit is not None and limit <= BATCH
    result = conn.execute(stmt, execution_options={} if one_batch else {"yield_per": BATCH})
    for rows in result.partitions(BATCH):
        events = []
        for row in rows:
            event = event_dict(row)
            if each is not None:
                each(event, row)
            events.append(event)
        _attach_details(conn, events, sources)
        yield from events


def event_rows(db: Database, filters: Filters) -> Iterator[EventRow]:
    """The events matching `filters`, in date order (start, end, id), as dicts in the JSON shape.

    The filters are checked and names resolved before this returns (a bad filter fails before anything is
    written); errors are UserError (bad years, empty range), NotFound (with suggestions) or Ambiguous.
    """
    conn = connection(db)
    stmt = events_statement(conn, resolve(conn, filters), filters.limit)
    return stream(conn, stmt, limit=filters.limit)


def event_rows_where(db: Database, condition: ColumnElement[bool]) -> Iterator[EventRow]:
    """The events meeting `condition` (a Core expression over the events table, e.g. `events.c.id.in_(…)`),
    in date order, as dicts in the JSON shape (what the YAML export reads)."""
    dialect = connection(db).dialect.name
    return stream(db, base_select().where(condition).order_by(*date_order(dialect, EV.c.start_day, EV.c.end_day,
                                                                          EV.c.id)))


def max_event_id(db: Database) -> int:
    """The largest event id (0 when there are none): how wide an ID column must be."""
    return connection(db).execute(max_id_statement()).scalar() or 0


def count_events(db: Database, filters: Filters) -> int:
    """How many events match `filters` (ignoring `limit`)."""
    conn = connection(db)
    return conn.execute(count_statement_of(conn.dialect.name, resolve(conn, filters))).scalar() or 0


def count_statement_of(dialect: str, resolved: Resolved) -> Select[Any]:
    """How many events `resolved` selects: a date range is counted per span class, as it is read."""
    where = [*(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
    legs = span_legs(dialect, resolved.span, where)
    return (select(func.count()).select_from(EV).where(*span_conditions(resolved.span), *where) if legs is None
            else select(func.count()).select_from(union_all(*legs).subquery()))


# --- one event, agreements ------------------------------------------------------------------------------------


def event_by_ref(db: Database, ref: str) -> EventDetail:
    """Everything about one event (id or slug): the event dict plus `approximate`, `uncertain`, `display`
    (the date as a reader writes it), `invoked_by` (for agreements) and each invoked agreement's title."""
    conn = connection(db)
    event_id = names.event_id(conn, ref)
    (event,) = list(stream(conn, one_event_statement(event_id)))
    invoked = {}  # slug → (slug, date, title) of each agreement the event invokes
    if event["invokes"]:
        invoked = {r.slug: r for r in conn.execute(invoked_statement(conn.dialect.name, event["invokes"]))}
    detail = event_detail(event, invoked)
    if event["kind"] == "agreement":
        detail["invoked_by"] = invoked_by(conn, [event_id])[event_id]
    # the event's claims (issue 16) and, when its sources disagree on the date, `disputed` and `dates`
    with_claims(detail, disputed_dates(conn, event_id), claims_of(conn, event_id, detail["citations"]))
    with_derived(detail, derived_of(conn, event_id))
    return detail


def one_event_statement(event_id: int) -> Select[Any]:
    """One event's row (`base_select`), by id."""
    return base_select().where(EV.c.id == param("id", event_id))


def invoked_statement(dialect: str, slugs: list[str]) -> Select[Any]:
    """(slug, date, title) of the events with these slugs (the agreements an event invokes)."""
    return select(EV.c.slug, EV.c.date, EV.c.title).where(one_of(dialect, EV.c.slug, "slugs", slugs))


def invoked_by_statement(dialect: str, agreement_ids: list[int]) -> Select[Any]:
    """(agreement id, id, slug, date, title) of the events invoking these agreements, in date order."""
    return (select(INV.c.agreement_id, EV.c.id, EV.c.slug, EV.c.date, EV.c.title)
            .join(EV, EV.c.id == INV.c.event_id).where(one_of(dialect, INV.c.agreement_id, "ids", agreement_ids))
            .order_by(*date_order(dialect, EV.c.start_day, EV.c.end_day, EV.c.id)))


def invoked_by(db: Database, agreement_ids: list[int]) -> dict[int, list[EventRef]]:
    """For each agreement id: the events that invoke it, in date order, as {id, slug, date, title}."""
    stmt = invoked_by_statement(connection(db).dialect.name, agreement_ids)
    return assemble.invoked_by(agreement_ids, connection(db).execute(stmt))


def agreement_rows(db: Database, filters: Filters) -> Iterator[EventRow]:
    """Agreements matching `filters` (kind forced), each with `invoked_by`: the events that invoke it."""
    filters = dataclasses.replace(filters, kind="agreement")
    conn = connection(db)
    rows = event_rows(conn, filters)

    def generate() -> Iterator[EventRow]:
        batch: list[EventRow] = []
        for event in rows:
            batch.append(event)
            if len(batch) == BATCH:
                yield from _with_invoked_by(conn, batch)
                batch = []
        yield from _with_invoked_by(conn, batch)

    return generate()


def _with_invoked_by(conn: Connection, batch: list[EventRow]) -> list[EventRow]:
    if batch:
        users = invoked_by(conn, [e["id"] for e in batch])
        for event in batch:
            event["invoked_by"] = users[event["id"]]
    return batch
