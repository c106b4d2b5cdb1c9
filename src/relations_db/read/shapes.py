"""The shape of a read statement, chosen in plain Python: shared by the SQLAlchemy builders (`filters`, `events`)
and by the SQLite fast path (`read/sqlite_fast`), which looks the shape up in its generated module.

A statement's text depends only on its shape — which date bounds a listing has, whether it has a limit, which
filters it names, and for each actor filter whether it drives the query (`IN`) or is checked event by event
(`EXISTS`) — never on the values, which are bound by name (`span_params`, the `*_PARAM` names below). Lists
of values are bound as one JSON text (`json_each` on SQLite), so that the shapes are finite and can be
enumerated (`event_shapes`) and compiled ahead of time (`python -m relations_db.read.compile`).

Nothing here imports SQLAlchemy: the fast path imports this module (an import-linter contract checks it).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from relations_db.domain import dates, vocab
from relations_db.errors import UserError

Span = tuple[int | None, int | None]  # a closed range of day numbers; None: no limit on that side

# The span classes of the partial indexes `ix_events_span_*` (migration 0004): (longer than, at most) days.
SPAN_CLASSES = ((None, 31), (31, 366), (366, 3660), (3660, None))

# The filters of a listing that are one condition each, in the order their conditions are written.
WHERE_FILTERS = ("type", "place", "source", "kind")


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
    within: bool = False  # only events wholly inside the year or range (not those that overlap its edges)

    def is_empty(self, ignore_kind: bool = False) -> bool:
        """True when nothing narrows the events (`limit` aside)."""
        return not (self.year or self.from_year or self.to_year or self.actors or self.type or self.place
                    or self.source or self.search or (self.kind and not ignore_kind))


# --- checked values ---------------------------------------------------------------------------------------------


def checked_year(value: int | str, field_name: str) -> int:
    """A year filter's value checked (an int, astronomical, or text as `dates.parse_year` reads it: 1956, -43,
    44BC); errors name the field."""
    try:
        if isinstance(value, str):
            return dates.parse_year(value)
        dates.year_days(value)
    except UserError as exc:
        raise type(exc)(str(exc), field=field_name) from None
    return value


def date_range(year: int | str | None, from_year: int | str | None, to_year: int | str | None) -> Span | None:
    """The closed range of days the date filters ask for, or None when there is none."""
    if year is not None and (from_year is not None or to_year is not None):
        raise UserError("give either a year or a range of years, not both", field="year")
    if year is not None:
        return dates.year_days(checked_year(year, "year"))
    if from_year is None and to_year is None:
        return None
    first = checked_year(from_year, "from_year") if from_year is not None else None
    last = checked_year(to_year, "to_year") if to_year is not None else None
    if first is not None and last is not None and first > last:
        raise UserError(f"the start year {dates.era_year(first)} is after the end year {dates.era_year(last)}: "
                        "the range is empty (did you swap them?)", field="from_year")
    start = dates.year_days(first)[0] if first is not None else None
    end = dates.year_days(last)[1] if last is not None else None
    return start, end


def check_limit(limit: int | None) -> None:
    """Refuse a limit below 0 or above what the databases take."""
    if limit is not None and limit < 0:
        raise UserError(f"the limit must be 0 or more (got {limit})", field="limit")
    if limit is not None and limit > vocab.LIMIT_MAX:
        raise UserError(f"the limit must be at most {vocab.LIMIT_MAX} (got {limit})", field="limit")


# --- the date range ---------------------------------------------------------------------------------------------


def span_kind(span: Span | None) -> str:
    """'none', 'from' (a lower bound only), 'to' (an upper bound only) or 'both'."""
    if span is None:
        return "none"
    return {(True, True): "both", (True, False): "from", (False, True): "to"}[(span[0] is not None,
                                                                                span[1] is not None)]


def reach_param(longest: int) -> str:
    """The name of the bound parameter holding `first - longest`: the earliest start of an event of at most
    `longest` days that still reaches the first day asked for."""
    return f"reach_{longest}"


def span_params(span: Span | None) -> dict[str, int]:
    """The bound values of a date range: `first`, `last` and each span class's `reach_*`."""
    if span is None:
        return {}
    first, last = span
    params: dict[str, int] = {}
    if first is not None:
        params["first"] = first
        params.update({reach_param(upto): first - upto for _, upto in SPAN_CLASSES if upto is not None})
    if last is not None:
        params["last"] = last
    return params


# --- actor and word filters: which drives -----------------------------------------------------------------------


def actor_param(index: int) -> str:
    """The name of the bound parameter holding the id of the `index`-th actor asked for."""
    return f"actor_{index}"


def enough(limit: int | None, max_id: int) -> int:
    """How many events a subset may have before checking events in date order is the cheaper plan (see
    `filters.subset_conditions`): everything when all is read."""
    return max_id if limit is None else math.isqrt(limit * max_id // 2)


def subset_forms(counts: list[int], limit: int | None, most: int) -> tuple[str, ...]:
    """'in' for the subset that drives the query, 'exists' for the others, from their `counts` (each counted
    no further than needed) and `most` (`enough`)."""
    smallest = min(range(len(counts)), key=counts.__getitem__)
    driving = smallest if limit is None or counts[smallest] <= most else None
    return tuple("in" if i == driving else "exists" for i in range(len(counts)))


# --- the shape of a listing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventsShape:
    """What the text of a listing's statement depends on (`events.events_statement`)."""

    span: str  # span_kind
    limit: bool
    subsets: tuple[str, ...]  # per actor or word filter: "actor:in", "actor:exists", "search:in"…
    where: tuple[str, ...]  # the WHERE_FILTERS given, in that order
    body: bool = False  # with the search text (for snippets)
    count: bool = False  # how many events match (`events.count_statement_of`), not the events

    def key(self) -> str:
        return (f"{'count' if self.count else 'events'}:{self.span}:{'limit' if self.limit else 'all'}"
                f":{','.join(self.subsets) or '-'}:{','.join(self.where) or '-'}{':body' if self.body else ''}")


# How far the generated module goes (widen here; `python -m relations_db.read.compile` then writes it again).
FAST_ACTORS_MAX = 1
FAST_WHERE_MAX = 2


# A search ranks its matches (bm25 on SQLite, ts_rank on PostgreSQL) when there are at most this many: ranking
# scores every match, 5–20 µs each (measured on a million events: 2,000 matches of three words, 35 ms), and a
# phrase common in a million events ("naval base") has 170,000. Beyond it the matches come in date order (as
# `events --search` gives them), which stops after the first page.
RANK_AT_MOST = 5_000


def search_shapes() -> list[EventsShape]:
    """The listings of `search` (no filters but a limit) when too many events match to rank them: in date
    order, with the search text, the matches read as a set ("in") or checked in date order ("exists")."""
    return [EventsShape("none", True, ("search:exists",), (), True),
            EventsShape("none", True, ("search:in",), (), True), EventsShape("none", False, ("search:in",), (), True)]


def event_shapes() -> list[EventsShape]:
    """Every listing shape the SQLite fast path runs: any date range, with or without a limit, at most
    FAST_ACTORS_MAX actors (no words) and FAST_WHERE_MAX other filters."""
    wheres = [w for n in range(FAST_WHERE_MAX + 1) for w in itertools.combinations(WHERE_FILTERS, n)]
    found = []
    for span in ("none", "from", "to", "both"):
        for limit in (False, True):
            for actors in range(FAST_ACTORS_MAX + 1):
                for forms in _forms(actors, limit):
                    for where in wheres:
                        found.append(EventsShape(span, limit, tuple(f"actor:{f}" for f in forms), where))
        for actors in range(FAST_ACTORS_MAX + 1):  # (a count reads every actor's events: `IN`, no limit)
            for where in wheres:
                found.append(EventsShape(span, False, ("actor:in",) * actors, where, count=True))
    return found


def _forms(subsets: int, limit: bool) -> list[tuple[str, ...]]:
    """The forms `subset_forms` can choose for `subsets` subsets (without a limit, one always drives)."""
    if subsets == 0:
        return [()]
    if subsets == 1 and not limit:
        return [("in",)]
    choices = [tuple("in" if i == d else "exists" for i in range(subsets)) for d in range(subsets)]
    return choices + ([("exists",) * subsets] if limit else [])
