"""Relative claims (before, after, during) on the read path: the statements (which the SQLite fast path runs
compiled, `read/compile.py`) and the bounds they derive for one event, over its component only
(`read.relative_rows`, shared by both paths).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, or_, select

from relations_db.read.relative_rows import DerivedBounds, component, derived_bounds
from relations_db.read.tables import connection, one_of
from relations_db.store.own_claims import all_claims
from relations_db.store.schema import claims as CL

if TYPE_CHECKING:
    from relations_db.read.tables import Database

__all__ = ["DerivedBounds", "derived_of"]

# A relative claim is one that names another event (the schema requires it of before, after and during); the
# index on other_event_id finds them without reading every claim.
_RELATIVE = (CL.c.other_event_id.is_not(None), CL.c.rank != "deprecated")


def links_statement(dialect: str, ids: list[int]) -> Select[Any]:
    """(event id, other event id) of the relative claims that are not deprecated and touch the events `ids`."""
    return (select(CL.c.event_id, CL.c.other_event_id)
            .where(*_RELATIVE, or_(one_of(dialect, CL.c.event_id, "ids", ids),
                                   one_of(dialect, CL.c.other_event_id, "ids", ids))))


def relatives_statement(dialect: str, ids: list[int]) -> Select[Any]:
    """(id, event id, kind, other event id, at_least, at_most) of the relative claims of the events `ids` that are
    not deprecated, in id order."""
    return (select(CL.c.id, CL.c.event_id, CL.c.kind, CL.c.other_event_id, CL.c.at_least, CL.c.at_most)
            .where(*_RELATIVE, one_of(dialect, CL.c.event_id, "ids", ids))
            .order_by(CL.c.id))


def dates_statement(dialect: str, ids: list[int]) -> Select[Any]:
    """(event id, id, date, start_day, end_day, rank) of the date claims of the events `ids` (those without a
    row too)."""
    dated = all_claims(of_events=lambda column: one_of(dialect, column, "ids", ids))
    return (select(dated.c.event_id, dated.c.id, dated.c.date, dated.c.start_day, dated.c.end_day, dated.c.rank)
            .where(dated.c.kind == "date").order_by(dated.c.id))


def derived_of(db: Database, event_id: int) -> DerivedBounds | None:
    """The bounds the relative claims of the event's component derive for it, when they say more than its own
    dates (None otherwise, or when it takes part in no relative claim)."""
    conn = connection(db)
    dialect = conn.dialect.name
    ids = component(event_id, lambda some: conn.execute(links_statement(dialect, some)).all())
    if len(ids) == 1:
        return None
    return derived_bounds(event_id, conn.execute(relatives_statement(dialect, ids)).all(),
                          conn.execute(dates_statement(dialect, ids)).all())
