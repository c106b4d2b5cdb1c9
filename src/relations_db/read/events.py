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

from relations_db.domain import dates
from relations_db.read import names
from relations_db.read.claims import claims_of, disputed_dates, disputed_display
from relations_db.read.filters import (
    Filters,
    Resolved,
    date_order,
    resolve,
    span_conditions,
    span_legs,
    subset_conditions,
)
from relations_db.read.rows import Citation, EventDetail, EventRef, EventRow
from relations_db.read.tables import AC, AG, BATCH, CI, ES, EV, INV, ME, PA, PL, SO, connection

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
    extra = (ES.c.body,) if body else ()
    dialect = conn.dialect.name

    def with_body(stmt: Select[Any]) -> Select[Any]:
        return stmt.join(ES, ES.c.event_id == EV.c.id) if body else stmt

    where = [*subset_conditions(conn, resolved.subsets, limit), *resolved.where]
    legs = span_legs(conn, resolved.span, where)
    if legs is None:
        where += span_conditions(resolved.span)
        if limit is None or not where:
            stmt = with_body(base_select(*extra)).where(*where).order_by(
                *date_order(dialect, EV.c.start_day, EV.c.end_day, EV.c.id))
            return stmt.limit(limit) if limit is not None else stmt
        # A page of a filtered list: the events are found on the date-order index alone (the row of each
        # event checked is not read), then the page's rows joined.
        legs = [select(EV.c.id, EV.c.start_day, EV.c.end_day).where(*where)]
    if limit is not None:
        # Each class's first `limit` from its index in order: PostgreSQL does not merge ordered streams of
        # UNION ALL members that have a WHERE clause, so it sorts at most 4 × `limit` rows instead.
        legs = [select(leg.order_by(*date_order(dialect, EV.c.start_day, EV.c.end_day, EV.c.id)).limit(limit)
                       .subquery())
                for leg in legs]
    merged: Any = union_all(*legs) if len(legs) > 1 else legs[0]  # (Any: mypy 2.4 crashes expanding the union)
    found = merged.subquery("found")
    ordered = select(found).order_by(*date_order(dialect, found.c.start_day, found.c.end_day, found.c.id))
    hits = (ordered.limit(limit) if limit is not None else ordered).subquery("hits")
    return with_body(base_select(*extra, hits=hits)).order_by(*date_order(dialect, hits.c.start_day,
                                                                          hits.c.end_day, hits.c.id))


def _event_dict(row: Row) -> EventRow:
    (id_, slug, kind, date, _, _, start, end, start_kind, end_kind, precision, title, summary, type_, tone,
     tone_note, place, format_, outcome, status, subject) = row[:21]
    # The kind of a missing end only where there is one, so that the events with both days keep their shape.
    kinds = {**({"start_kind": start_kind} if start_kind else {}), **({"end_kind": end_kind} if end_kind else {})}
    event: EventRow = {
        "id": id_, "slug": slug, "kind": kind, "date": date, "start": start, "end": end,
        **kinds,  # type: ignore[typeddict-item]  # (the optional kinds, spread in after the days)
        "precision": precision, "title": title, "summary": summary, "type": type_, "tone": tone,
        "tone_note": tone_note, "place": place,
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
_DETAILS: dict[str, tuple[Select[Any], Select[Any], Select[Any]]] = {}


def _batch_ids(dialect: str) -> Select[Any] | ColumnElement[Any]:
    """A condition's right-hand side: the ids of the batch, bound as one text (`_batch_params`): a select of
    them on SQLite (for `IN`), an `ANY(array)` expression on PostgreSQL (for `=`)."""
    if dialect == "sqlite":
        return select(literal_column("value")).select_from(func.json_each(bindparam("ids", type_=String)))
    from sqlalchemy.dialects.postgresql import ARRAY

    return func.any(cast(bindparam("ids", type_=String), ARRAY(Integer)))


def _batch_params(dialect: str, ids: list[int]) -> dict[str, str]:
    text = ",".join(map(str, ids))
    return {"ids": f"[{text}]" if dialect == "sqlite" else f"{{{text}}}"}


def _details_statements(dialect: str) -> tuple[Select[Any], Select[Any], Select[Any]]:
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
        )
    return _DETAILS[dialect]


def _attach_details(conn: Connection, events: list[EventRow], sources: dict[int, tuple[str, str]]) -> None:
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
    for event_id, citation_id, source_id, locator, quote, cited_as, in_id, in_locator, confidence, note in \
            conn.execute(citations_, ids).all():
        key, short = sources[source_id]
        in_key, in_short = sources[in_id] if in_id is not None else none
        citation: Citation = {
            "id": citation_id, "source": key, "short": short, "locator": locator, "quote": quote, "cited_as": cited_as,
            "cited_in": in_key, "cited_in_short": in_short, "cited_in_locator": in_locator,
            "confidence": confidence, "note": note,
        }
        by_id[event_id]["citations"].append(citation)
    for event_id, slug in conn.execute(invokes, ids).all():
        by_id[event_id]["invokes"].append(slug)


def stream(db: Database, stmt: Select[Any], *, limit: int | None = None,
           each: Callable[[EventRow, Row], None] | None = None) -> Iterator[EventRow]:
    """Run `stmt` (over `base_select`) streamed, and yield complete event dicts, batch by batch.

    `each`, when given, is called with every event and its row before the batch's details are read (to copy a
    further selected column, e.g. the search text a snippet is cut from). A `limit` that fits in one batch (the
    statement's own) fetches the rows at once instead of through a server-side cursor, which costs PostgreSQL
    two more round trips.
    """
    conn = connection(db)
    sources = {row[0]: (row[1], row[2]) for row in conn.execute(select(SO.c.id, SO.c.key, SO.c.short))}
    one_batch = limit is not None and limit <= BATCH
    result = conn.execute(stmt, execution_options={} if one_batch else {"yield_per": BATCH})
    for rows in result.partitions(BATCH):
        events = []
        for row in rows:
            event = _event_dict(row)
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
    return connection(db).execute(select(func.max(EV.c.id))).scalar() or 0


def count_events(db: Database, filters: Filters) -> int:
    """How many events match `filters` (ignoring `limit`)."""
    conn = connection(db)
    resolved = resolve(conn, filters)
    where = [*(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
    legs = span_legs(conn, resolved.span, where)  # a date range is counted per span class, like it is read
    counted = (select(func.count()).select_from(EV).where(*span_conditions(resolved.span), *where) if legs is None
               else select(func.count()).select_from(union_all(*legs).subquery()))
    return conn.execute(counted).scalar() or 0


# --- one event, agreements ------------------------------------------------------------------------------------


def event_by_ref(db: Database, ref: str) -> EventDetail:
    """Everything about one event (id or slug): the event dict plus `approximate`, `uncertain`, `display`
    (the date as a reader writes it), `invoked_by` (for agreements) and each invoked agreement's title."""
    conn = connection(db)
    event_id = names.event_id(conn, ref)
    (event,) = list(stream(conn, base_select().where(EV.c.id == event_id)))
    parsed = dates.parse(event["date"])
    invoked = {}  # slug → (slug, date, title) of each agreement the event invokes
    if event["invokes"]:
        stmt = select(EV.c.slug, EV.c.date, EV.c.title).where(EV.c.slug.in_(event["invokes"]))
        invoked = {r.slug: r for r in conn.execute(stmt)}
    # (the keys in the order the JSON output has always shown them: the event's, then how its date reads)
    detail: EventDetail = {
        **event,  # type: ignore[typeddict-unknown-key]  # EventRow may carry keys of other listings: not this one
        "invokes": [{"slug": s, "date": invoked[s].date, "title": invoked[s].title} for s in event["invokes"]],
        "display": dates.display(parsed), "approximate": parsed.approximate, "uncertain": parsed.uncertain,
        "claims": [],
    }
    if event["kind"] == "agreement":
        detail["invoked_by"] = invoked_by(conn, [event_id])[event_id]
    _with_claims(conn, detail, event_id)
    return detail


def _with_claims(conn: Connection, detail: EventDetail, event_id: int) -> None:
    """Add the event's claims (issue 16) and, when its sources disagree on the date, `disputed` and `dates`."""
    found = disputed_dates(conn, event_id)
    if found is not None:
        detail["disputed"], detail["dates"] = True, found
        detail["display"] = disputed_display(found)
    detail["claims"] = claims_of(conn, event_id, detail["citations"])


def invoked_by(db: Database, agreement_ids: list[int]) -> dict[int, list[EventRef]]:
    """For each agreement id: the events that invoke it, in date order, as {id, slug, date, title}."""
    found: dict[int, list[EventRef]] = {i: [] for i in agreement_ids}
    stmt = (select(INV.c.agreement_id, EV.c.id, EV.c.slug, EV.c.date, EV.c.title)
            .join(EV, EV.c.id == INV.c.event_id).where(INV.c.agreement_id.in_(agreement_ids))
            .order_by(*date_order(connection(db).dialect.name, EV.c.start_day, EV.c.end_day, EV.c.id)))
    for row in connection(db).execute(stmt):
        found[row.agreement_id].append({"id": row.id, "slug": row.slug, "date": row.date, "title": row.title})
    return found


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
