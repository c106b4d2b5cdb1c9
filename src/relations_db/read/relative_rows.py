"""Rows → what relative claims derive for one event, in plain Python: shared by the SQLAlchemy read path
(`read.relative`) and the SQLite fast path (`read/sqlite_fast`), so that `show` says the same either way.
Nothing here imports SQLAlchemy.

One event's `show` does no whole-graph work: `component` walks the links of relative claims out from the event,
one set-based query a step, and stops at `WALK_EVENTS` events (a bound derived from part of a larger component is
still true, only possibly looser). The rule itself is `domain.relative`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypedDict

from relations_db.domain import claims as date_rule
from relations_db.domain import relative
from relations_db.domain.edtf_calendar import iso_day

Row = Sequence[Any]
WALK_EVENTS = 2000  # the most events `show` reads for the derived bounds of one event
WALK_STEPS = 200


class DerivedBounds(TypedDict):
    """What `show` says of an event's relative claims: the bounds they derive (ISO days, None: no bound), or
    that they contradict each other or the recorded dates (`contradiction`; `check` names the claims)."""

    not_before: str | None
    not_after: str | None
    contradiction: bool


def component(event_id: int, links: Callable[[list[int]], Iterable[Row]]) -> list[int]:
    """The events linked to `event_id` by relative claims, breadth first (`links(ids)`: the (event, other event)
    rows of the relative claims that touch `ids`); at most `WALK_EVENTS` of them."""
    seen, frontier = {event_id}, [event_id]
    for _ in range(WALK_STEPS):
        if not frontier or len(seen) >= WALK_EVENTS:
            break
        found = {n for pair in links(frontier) for n in pair} - seen
        frontier = sorted(found)[:WALK_EVENTS - len(seen)]
        seen.update(frontier)
    return sorted(seen)


def relatives(rows: Iterable[Row]) -> list[relative.Relative]:
    """`domain.relative.Relative`s from (id, event id, kind, other event id, at_least, at_most) rows."""
    return [relative.Relative(i, e, k, o, least, most) for i, e, k, o, least, most in rows]


def bounds(rows: Iterable[Row]) -> dict[int, relative.Bounds | None]:
    """Each event's recorded bounds from its date claims' (event id, id, date, start_day, end_day, rank) rows."""
    by_event: dict[int, list[date_rule.DateClaim]] = {}
    for event_id, id_, date, start, end, rank in rows:
        by_event.setdefault(event_id, []).append(date_rule.DateClaim(id_, date, start, end, rank))
    return {event_id: relative.bounds_of(found) for event_id, found in by_event.items()}


def derived_bounds(event_id: int, claims: Iterable[Row], dated: Iterable[Row]) -> DerivedBounds | None:
    """What the relative claims of the event's component (`claims`: rows as `relatives` takes them; `dated`: as
    `bounds` takes them) derive for it, when it says more than its recorded days (or that they contradict)."""
    found = relatives(claims)
    if not found:
        return None
    recorded = bounds(dated)
    result = relative.derived(found, recorded)
    if result is None:
        return {"not_before": None, "not_after": None, "contradiction": True}
    mine, own = result.get(event_id), recorded.get(event_id)
    if mine is None:
        return None
    start, end = (own.start_day, own.end_day) if own is not None else (None, None)
    earliest = mine.not_before if mine.not_before is not None and (start is None or mine.not_before > start) \
        else None
    latest = mine.not_after if mine.not_after is not None and (end is None or mine.not_after < end) else None
    if earliest is None and latest is None:
        return None
    return {"not_before": iso_day(earliest) if earliest is not None else None,
            "not_after": iso_day(latest) if latest is not None else None, "contradiction": False}
