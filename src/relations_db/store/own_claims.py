"""Every claim, with the own claims that have no row: one selectable that reads like the `claims` table.

An event's own claims — its date, its place, one per participant — are stated by its columns and participations
already; while one says nothing more (no rank, reason or link of its own, the only claim of its kind), it has no
row (migration 0013), so that an import of a million events writes no four million claim rows. Such a claim
still has an id, `vocab.own_claim_id`, and keeps it when a command writes its row (`write.claims.write_own_rows`):
then the row is read instead. An event has its date claim without a row while it has no date claim row at all,
its place claim while it has a place and no place claim row, and a participation its claim while no claim row
names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.types import TypeEngine

from relations_db.domain import vocab
from relations_db.store.schema import claims, events, participations

if TYPE_CHECKING:  # (the read path imports this module: it never loads the ORM)
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

COLUMNS = ("id", "event_id", "kind", "date", "start_day", "end_day", "participation_id", "place_id", "rank",
           "reason", "own", "other_event_id", "at_least", "at_most")


def _id(kind: str, owner: ColumnElement[Any]) -> ColumnElement[Any]:
    """`vocab.own_claim_id`, in SQL."""
    return -(owner * vocab.OWN_CLAIM_STRIDE + vocab.OWN_CLAIM_SLOTS[kind])


def _arm(id_: ColumnElement[Any], event_id: ColumnElement[Any], kind: str, **given: ColumnElement[Any]
         ) -> Select[Any]:
    """One kind of claim without a row, in the columns of `claims` (None where the kind says nothing)."""
    types: dict[str, TypeEngine[Any]] = {
        "date": String(60), "start_day": BigInteger(), "end_day": BigInteger(), "participation_id": Integer(),
        "place_id": Integer(), "reason": Text(), "other_event_id": Integer(), "at_least": String(20),
        "at_most": String(20)}
    values = {"id": id_, "event_id": event_id, "kind": literal(kind, String(20)),
              "rank": literal(vocab.CLAIM_RANK_DEFAULT, String(12)), "own": cast(true(), Boolean)}
    values |= {name: given.get(name, cast(null(), kind_of)) for name, kind_of in types.items()}
    return select(*(values[name].label(name) for name in COLUMNS))


# Which events a statement reads: a condition on an `event_id` column (`lambda column: column.in_(ids)`), put in
# every arm of the union, since SQLite pushes a condition of the outer query into a compound subquery only when
# it is a plain comparison (an `IN (SELECT …)` outside would read every event).
OfEvents = Callable[[ColumnElement[Any]], ColumnElement[bool]]


def missing(of_events: OfEvents | None = None) -> list[Select[Any]]:
    """The own claims that have no row (of the events `of_events` chooses, when given): a select per kind, in the
    columns of `claims`."""
    e, p, c = events, participations, claims
    of = (lambda column: [of_events(column)] if of_events is not None else [])  # noqa: E731
    no_row = (lambda kind: ~exists().where(c.c.event_id == e.c.id, c.c.kind == kind))  # noqa: E731
    return [
        _arm(_id("date", e.c.id), e.c.id, "date", date=e.c.date, start_day=e.c.start_day, end_day=e.c.end_day)
        .where(no_row("date"), *of(e.c.id)),
        _arm(_id("place", e.c.id), e.c.id, "place", place_id=e.c.place_id)
        .where(e.c.place_id.is_not(None), no_row("place"), *of(e.c.id)),
        _arm(_id("participant", p.c.id), p.c.event_id, "participant", participation_id=p.c.id)
        .where(~exists().where(c.c.participation_id == p.c.id), *of(p.c.event_id)),
    ]


def write_rows(connection: Connection | Session, event_ids: list[int]) -> None:
    """Write the rows of these events' own claims that have none, each under the id it is known by (500 events a
    statement). The write side's `write.claims.write_own_rows` calls it; so does bench/claims.py."""
    for i in range(0, len(event_ids), 500):
        chunk = event_ids[i:i + 500]
        connection.execute(insert(claims).from_select(list(COLUMNS), union_all(*missing(_among(chunk)))))


def _among(ids: list[int]) -> OfEvents:
    return lambda column: column.in_(ids)


def all_claims(name: str = "claims", of_events: OfEvents | None = None, rows_too: bool = True) -> Subquery:
    """Every claim, the rows and the own claims without one — of the events `of_events` chooses, when given (the
    rows of every event when not `rows_too`) —, as a subquery with the columns of `claims`."""
    rows = select(*(claims.c[n] for n in COLUMNS))
    if of_events is not None and rows_too:
        rows = rows.where(of_events(claims.c.event_id))
    return union_all(rows, *missing(of_events)).subquery(name)


def listing_order(cl: Any) -> list[ColumnElement[Any]]:
    """How an event's claims are listed (`cl`: `claims` or `all_claims()`): its own date, place and participants,
    in that order, then every other claim in the order it was numbered (`vocab.claim_order`)."""
    slot = case(*((cl.c.kind == kind, n) for kind, n in vocab.OWN_CLAIM_SLOTS.items()),
                else_=len(vocab.OWN_CLAIM_SLOTS))
    return [case((cl.c.own, 0), else_=1), case((cl.c.own, slot), else_=0), func.abs(cl.c.id)]
