"""Events without SQLAlchemy: `read.events.event_rows` and `event_by_ref` on the compiled statements, for the
shapes `shapes.event_shapes` lists; None for anything else (the caller then asks the SQLAlchemy path)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from relations_db.domain.text import fold
from relations_db.read import assemble, claim_rows, relative_rows, shapes
from relations_db.read.rows import EventDetail, EventRow
from relations_db.read.shapes import Filters
from relations_db.read.sqlite_fast import run

# As `read.tables.BATCH` (which imports SQLAlchemy): rows streamed, and their details read, this many at a time.
BATCH = 500


def _actor_id(conn: sqlite3.Connection, name: str) -> int | None:
    found = run.rows(conn, "names.actor", key=fold(name))
    return found[0][0] if len(found) == 1 else None


def _where_values(conn: sqlite3.Connection, filters: Filters) -> dict[str, Any] | None:
    """The values of the filters of `shapes.WHERE_FILTERS`, resolved as `filters.resolve` does when the names are
    exact; None when one is not (the SQLAlchemy path then finds its near match, or says what is wrong)."""
    values: dict[str, Any] = {}
    if filters.type:
        value = filters.type.strip()
        if run.scalar(conn, "names.type", type=value) is None:
            return None
        values["type"] = value
    if filters.place:
        places = run.rows(conn, "names.place", key=fold(filters.place))
        if len(places) != 1:
            return None
        values["place"] = places[0][0]
    if filters.source:
        source = run.scalar(conn, "names.source", key=filters.source.strip())
        if source is None:
            return None
        values["source"] = source
    if filters.kind:
        values["kind"] = filters.kind
    return values


def _resolve(conn: sqlite3.Connection, filters: Filters) -> tuple[shapes.Span | None, list[int],
                                                                   dict[str, Any]] | None:
    """(span, actor ids, where values) as `filters.resolve` finds them, or None when a name is not an exact
    match or the filters ask for more than is compiled. Checks and errors come first, as there."""
    span = shapes.date_range(filters.year, filters.from_year, filters.to_year)
    if filters.search is not None or filters.within or len(filters.actors) > shapes.FAST_ACTORS_MAX:
        return None
    actor_ids: dict[int, None] = {}
    for name in filters.actors:
        found = _actor_id(conn, name)
        if found is None:
            return None
        actor_ids[found] = None
    values = _where_values(conn, filters)
    if values is None:
        return None
    shapes.check_limit(filters.limit)
    return span, list(actor_ids), values


def _params(span: shapes.Span | None, actor_ids: list[int], values: dict[str, Any]) -> dict[str, Any]:
    return {**shapes.span_params(span), **values, **{shapes.actor_param(i): a for i, a in enumerate(actor_ids)}}


def event_rows(conn: sqlite3.Connection, filters: Filters) -> Iterator[EventRow] | None:
    """The events matching `filters` as `read.events.event_rows` gives them, or None when this shape of listing
    is not compiled."""
    resolved = _resolve(conn, filters)
    if resolved is None:
        return None
    span, actor_ids, values = resolved
    forms = _forms(conn, actor_ids, filters.limit)
    shape = shapes.EventsShape(shapes.span_kind(span), filters.limit is not None,
                               tuple(f"actor:{f}" for f in forms), tuple(values))
    if not run.known(shape.key()):
        return None
    params = _params(span, actor_ids, values)
    if filters.limit is not None:
        params["limit"] = filters.limit
    return stream(conn, shape.key(), params)


def count_events(conn: sqlite3.Connection, filters: Filters) -> int | None:
    """`read.events.count_events` (the limit ignored), or None when this shape is not compiled."""
    resolved = _resolve(conn, filters)
    if resolved is None:
        return None
    span, actor_ids, values = resolved
    shape = shapes.EventsShape(shapes.span_kind(span), False, ("actor:in",) * len(actor_ids), tuple(values),
                               count=True)
    if not run.known(shape.key()):
        return None
    return run.scalar(conn, shape.key(), **_params(span, actor_ids, values)) or 0


def _forms(conn: sqlite3.Connection, actor_ids: list[int], limit: int | None) -> tuple[str, ...]:
    """`filters.subset_forms` on the compiled statements."""
    if not actor_ids:
        return ()
    if limit is None and len(actor_ids) == 1:
        return ("in",)
    most = shapes.enough(limit, run.scalar(conn, "max_id") or 0)
    counts: list[int] = []
    for i, actor_id in enumerate(actor_ids):
        counted = run.scalar(conn, f"count.{shapes.actor_param(i)}", most=min([most, *counts]) + 1,
                             **{shapes.actor_param(i): actor_id})
        counts.append(counted or 0)
    return shapes.subset_forms(counts, limit, most)


def stream(conn: sqlite3.Connection, name: str, params: dict[str, Any],
           each: Callable[[EventRow, Any], None] | None = None) -> Iterator[EventRow]:
    """`read.events.stream` of the compiled statement `name`: the sources are read now, the events when asked;
    `each`, when given, is called with every event and its row (as there)."""
    sources = {row[0]: (row[1], row[2]) for row in run.rows(conn, "sources")}

    def generate() -> Iterator[EventRow]:
        for batch in run.batches(conn, name, BATCH, **params):
            events = [assemble.event_dict(row) for row in batch]
            if each is not None:
                for event, row in zip(events, batch, strict=True):
                    each(event, row)
            by_id = {e["id"]: e for e in events}
            ids = assemble.batch_ids("sqlite", list(by_id))
            assemble.attach_details(by_id, sources, run.rows(conn, "details.actors", ids=ids),
                                    run.rows(conn, "details.citations", ids=ids),
                                    run.rows(conn, "details.invokes", ids=ids),
                                    run.rows(conn, "details.dated", ids=ids))
            yield from events

    return generate()


def with_date_notes(conn: sqlite3.Connection, events: Iterator[EventRow]) -> Iterator[EventRow]:
    """`read.events.with_date_notes` on the compiled statement: one query per batch."""
    return claim_rows.date_notes(events, lambda ids: run.rows(conn, "details.noted",
                                                              ids=assemble.batch_ids("sqlite", ids)), BATCH)


def agreement_rows(conn: sqlite3.Connection, filters: Filters) -> Iterator[EventRow] | None:
    """`read.events.agreement_rows`: the agreements matching `filters`, each with `invoked_by`; None when this
    shape is not compiled."""
    rows = event_rows(conn, dataclasses.replace(filters, kind="agreement"))
    if rows is None:
        return None

    def generate() -> Iterator[EventRow]:
        batch: list[EventRow] = []
        for event in rows:
            batch.append(event)
            if len(batch) == BATCH:
                yield from _with_invoked_by(conn, batch)
                batch = []
        yield from _with_invoked_by(conn, batch)

    return generate()


def _with_invoked_by(conn: sqlite3.Connection, batch: list[EventRow]) -> list[EventRow]:
    if batch:
        ids = [e["id"] for e in batch]
        users = assemble.invoked_by(ids, run.rows(conn, "invoked_by", ids=json.dumps(ids)))
        for event in batch:
            event["invoked_by"] = users[event["id"]]
    return batch


def max_event_id(conn: sqlite3.Connection) -> int:
    """The largest event id (0 when there are none)."""
    return run.scalar(conn, "max_id") or 0


def event_by_ref(conn: sqlite3.Connection, ref: str) -> EventDetail | None:
    """`read.events.event_by_ref`, or None when `ref` names no event (the SQLAlchemy path says so, with
    suggestions)."""
    ref = ref.strip()
    found = None
    if assemble.is_event_id(ref):
        found = run.scalar(conn, "names.event_id", id=int(ref))
    if found is None:
        found = run.scalar(conn, "names.event_slug", slug=ref)
    if found is None:
        return None
    (event,) = list(stream(conn, "one_event", {"id": found}))
    invoked = {}
    if event["invokes"]:
        slugs = json.dumps(event["invokes"], ensure_ascii=False)
        invoked = {r[0]: r for r in run.rows(conn, "invoked", slugs=slugs)}
    detail = assemble.event_detail(event, invoked)
    if event["kind"] == "agreement":
        rows = run.rows(conn, "invoked_by", ids=json.dumps([found]))
        detail["invoked_by"] = assemble.invoked_by([found], rows)[found]
    dated = claim_rows.disputed_dates(run.rows(conn, "claims.dates", id=found)) \
        if run.scalar(conn, "claims.disputed", id=found) else None
    claims = claim_rows.claim_rows(run.rows(conn, "claims.claims", id=found), run.rows(conn, "claims.links", id=found),
                                   detail["citations"])
    claim_rows.with_claims(detail, dated, claims)
    claim_rows.with_derived(detail, _derived(conn, found))
    return detail


def _derived(conn: sqlite3.Connection, event_id: int) -> relative_rows.DerivedBounds | None:
    """`read.relative.derived_of` on the compiled statements: the event's component only."""
    ids = relative_rows.component(event_id, lambda some: run.rows(conn, "relative.links", ids=json.dumps(some)))
    if len(ids) == 1:
        return None
    listed = json.dumps(ids)
    return relative_rows.derived_bounds(event_id, run.rows(conn, "relative.claims", ids=listed),
                                        run.rows(conn, "relative.dates", ids=listed))
