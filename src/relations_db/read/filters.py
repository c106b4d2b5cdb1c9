"""Filters → WHERE conditions: what a listing may ask for, checked and resolved (names → ids) before anything
is read, and spelled for the indexes of migration 0004 (tests/test_query_plans.py checks the plans).

Dates are day numbers (`domain.dates`; NULL for an open or unknown end, which reaches any day). A date
filter is asked once per span class and once for each missing end, and the streams merged (`span_classes`,
`span_legs`); an actor or word filter is driven either by the matching events or by the date order,
whichever reads fewer rows (`subset_conditions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Exists, Select, and_, false, func, literal_column, or_, select

from relations_db.domain.search_query import Query
from relations_db.errors import UserError
from relations_db.read import names, shapes
from relations_db.read.fulltext import contains_words, matches, search_terms
from relations_db.read.shapes import SPAN_CLASSES, Filters, Span, actor_param, reach_param, span_params
from relations_db.read.tables import CI, DS, EV, PA, connection, param

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from relations_db.read.tables import Database


# --- dates ----------------------------------------------------------------------------------------------------

# The span classes of the partial indexes `ix_events_span_*` (migration 0004): an event's span in days, spelled
# exactly as there, so that the planners match the conditions to the indexes.
_SPAN_DAYS = {"sqlite": "events.end_day - events.start_day", "postgresql": "events.end_day - events.start_day"}


def span_classes(dialect: str) -> list[tuple[ColumnElement[bool], int | None]]:
    """(condition, longest span in days or None) for each class of span, on this backend."""
    days = _SPAN_DAYS[dialect]
    found = []
    for above, upto in SPAN_CLASSES:
        terms = ([f"{days} > {above}"] if above is not None else []) + \
                ([f"{days} <= {upto}"] if upto is not None else [])
        found.append((and_(*(literal_column(t) for t in terms)), upto))
    return found


def date_order(dialect: str, start: ColumnElement[Any], end: ColumnElement[Any],
               id_: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The chronological order (start, end, id) with an open or unknown start first and end last, spelled as the
    indexes of migration 0004 are declared: PostgreSQL's indexes carry NULLS FIRST/LAST; SQLite's cannot, and
    its NULLS LAST cannot use an index, so there the last end is `end IS NULL, end` (an indexed expression)."""
    if dialect == "sqlite":
        return [start.nulls_first(), end.is_(None), end, id_]
    return [start.nulls_first(), end.nulls_last(), id_]


def date_range(filters: Filters) -> Span | None:
    """The closed range of days the date filters ask for, or None when there is none."""
    return shapes.date_range(filters.year, filters.from_year, filters.to_year)


def undisputed_or_within(span: Span) -> ColumnElement[bool]:
    """An event's days are the hull of its claimed dates: a disputed event (1959 or 1961) is in the range only
    when one of its claimed spans is, not when only the hull reaches it (1960). Undisputed events pass at once,
    so the condition rides on whatever index a leg reads (`disputed_spans`: few rows, read by event)."""
    first, last = span
    within = [DS.c.event_id == EV.c.id]
    if first is not None:
        within.append(or_(DS.c.end_day >= param("first", first), DS.c.end_day.is_(None)))
    if last is not None:
        within.append(or_(DS.c.start_day <= param("last", last), DS.c.start_day.is_(None)))
    return or_(EV.c.disputed.is_(false()), select(DS.c.claim_id).where(*within).exists())


def span_conditions(span: Span | None) -> list[ColumnElement[bool]]:
    """The plain conditions for events overlapping `span`: an open or unknown end reaches any day."""
    if span is None:
        return []
    first, last = span
    return ([or_(EV.c.end_day >= param("first", first), EV.c.end_day.is_(None))] if first is not None else []) + \
           ([or_(EV.c.start_day <= param("last", last), EV.c.start_day.is_(None))] if last is not None else []) + \
           [undisputed_or_within(span)]


def span_legs(dialect: str, span: Span | None, where: list[ColumnElement[bool]]) -> list[Select[Any]] | None:
    """For a date range with a lower bound: one select of (id, start_day, end_day) per span class, and one each
    for the events without an end and without a start (their own partial indexes), of the events in the range
    that meet `where`; None when the range has no lower bound (nothing to gain).

    Within a class an event of at most `longest` days that reaches `first` began at most `longest` days before
    it, so each leg reads its partial index over a few weeks, a year, ten years — and only the rare longer
    events from the beginning — instead of every event that began before `last`.
    """
    if span is None or span[0] is None or dialect not in _SPAN_DAYS:
        return None
    values = span_params(span)
    first, last = param("first", values["first"]), param("last", values["last"]) if "last" in values else None
    where = [*where, undisputed_or_within(span)]
    legs = []
    for in_class, longest in span_classes(dialect):
        bounds = [in_class, EV.c.end_day >= first]
        if longest is not None:
            bounds.append(EV.c.start_day >= param(reach_param(longest), values[reach_param(longest)]))
        if last is not None:
            bounds.append(EV.c.start_day <= last)
        legs.append(select(EV.c.id, EV.c.start_day, EV.c.end_day).where(*bounds, *where))
    # (never both ends missing: domain.dates refuses "../..", so no event is in both legs)
    no_end = [EV.c.end_day.is_(None)] + ([EV.c.start_day <= last] if last is not None else [])
    legs.append(select(EV.c.id, EV.c.start_day, EV.c.end_day).where(*no_end, *where))
    legs.append(select(EV.c.id, EV.c.start_day, EV.c.end_day).where(EV.c.start_day.is_(None), EV.c.end_day >= first,
                                                                      *where))
    return legs


# --- sets of events: an actor's, those containing some words --------------------------------------------------


@dataclass
class Subset:
    """A filter that names a set of events (an actor's, those containing some words), in two forms: `IN`,
    which reads the set and sorts it, and `EXISTS`, which checks each event read in date order."""

    ids: Select[Any]  # a select of event ids
    exists: Exists  # a condition on events, correlated
    kind: str = "actor"  # "actor" or "search": its part of the statement's shape (`shapes.EventsShape`)


def actor_subset(actor_id: int, index: int = 0) -> Subset:
    """The events `actor_id` takes part in (the `index`-th actor asked for: the name its id is bound by)."""
    actor = param(actor_param(index), actor_id)
    return Subset(select(PA.c.event_id).where(PA.c.actor_id == actor),
                  select(PA.c.id).where(PA.c.event_id == EV.c.id, PA.c.actor_id == actor).exists())


def search_subset(dialect: str, terms: Query) -> Subset:
    """The events whose search text contains every word of `terms` (`fulltext.search_terms`)."""
    return Subset(matches(dialect, terms), contains_words(dialect, terms), "search")


def max_id_statement() -> Select[Any]:
    """The largest event id (how many events there are, about)."""
    return select(func.max(EV.c.id))


def count_statement(ids: Select[Any], most: int) -> Select[Any]:
    """How many rows `ids` selects, counting no further than `most`."""
    return select(func.count()).select_from(ids.limit(param("most", most)).subquery())


def count_at_most(conn: Connection, ids: Select[Any], most: int) -> int:
    """How many rows `ids` selects, counting no further than `most` (so that a common word costs little)."""
    return conn.execute(count_statement(ids, most)).scalar() or 0


def subset_conditions(conn: Connection, subsets: list[Subset], limit: int | None) -> list[ColumnElement[bool]]:
    """The conditions for events in every one of `subsets`, each in the form of the cheaper plan.

    Either the events come from the smallest subset (`IN`: read and sorted), or the events are read in date
    order and each is checked (`EXISTS`), which stops after `limit`. For an actor in 57,000 of a million
    events the first 100 are found after ~1,700 checks (1 ms), while reading and sorting all 57,000 took
    130 ms; for an actor in 120 events it is the other way round: 0.3 ms against 0.5 s. PostgreSQL plans both
    forms alike, from its statistics; SQLite keeps the form it is given, so there the subsets are counted
    (from an index, and no further than needed) and the form chosen: checking in date order costs about
    `limit × events / count` lookups, reading a subset `count` lookups and a sort.
    """
    return subset_where(subsets, subset_forms(conn, subsets, limit))


def subset_forms(conn: Connection, subsets: list[Subset], limit: int | None) -> tuple[str, ...]:
    """For each subset, "in" (it drives) or "exists" (checked in date order): see `subset_conditions`."""
    if not subsets:
        return ()
    if conn.dialect.name != "sqlite" or (limit is None and len(subsets) == 1):
        return ("in",) * len(subsets)
    # (limit None: everything is read, the smallest subset drives; else beyond this many, checking in date
    # order is the cheaper plan)
    most = shapes.enough(limit, conn.execute(max_id_statement()).scalar() or 0)
    counts: list[int] = []
    for subset in subsets:
        counts.append(count_at_most(conn, subset.ids, min([most, *counts]) + 1))
    return shapes.subset_forms(counts, limit, most)


def subset_where(subsets: list[Subset], forms: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """The condition of each subset in its form ("in" or "exists")."""
    return [EV.c.id.in_(s.ids) if form == "in" else s.exists for s, form in zip(subsets, forms, strict=True)]


# --- filters resolved -------------------------------------------------------------------------------------------


@dataclass
class Resolved:
    """Filters checked and names resolved to ids: what the statements are built from."""

    span: Span | None
    subsets: list[Subset]  # each actor's events, the events with the words
    where: list[ColumnElement[bool]]  # every other condition (type, place, source, kind)
    where_names: tuple[str, ...] = ()  # which of `shapes.WHERE_FILTERS` they are, in order


def resolve(db: Database, filters: Filters) -> Resolved:
    """`filters` checked and every name resolved: errors are UserError (bad years, empty range, negative
    limit), NotFound (with suggestions) or Ambiguous, raised before anything is read."""
    conn = connection(db)
    span = date_range(filters)
    actor_ids = dict.fromkeys(names.actor(conn, name).id for name in filters.actors or [])
    subsets = [actor_subset(a, i) for i, a in enumerate(actor_ids)]
    values: dict[str, Any] = {}
    if filters.type:
        values["type"] = names.event_type(conn, filters.type)
    if filters.place:
        values["place"] = names.place(conn, filters.place).id
    if filters.source:
        values["source"] = names.source(conn, filters.source).id
    if filters.search is not None:  # "" is refused like "   " (search_terms), not read as no search at all
        subsets.append(search_subset(conn.dialect.name, search_terms(conn, filters.search)))
    if filters.kind:
        values["kind"] = filters.kind
    shapes.check_limit(filters.limit)
    where = [where_condition(name, value) for name, value in values.items()]
    if filters.within:  # (not one of the fast path's shapes: `sqlite_fast` leaves it to this path)
        where += _within(span)
    return Resolved(span, subsets, where, tuple(values))


def where_condition(name: str, value: Any) -> ColumnElement[bool]:
    """The condition of one of `shapes.WHERE_FILTERS`, its value (a type, an id, a kind) bound by its name."""
    if name == "type":
        return EV.c.type == param("type", value)
    if name == "place":
        return EV.c.place_id == param("place", value)
    if name == "source":
        source_id = param("source", value)
        return select(CI.c.id).where(CI.c.event_id == EV.c.id,
                                     or_(CI.c.source_id == source_id, CI.c.cited_in_id == source_id)).exists()
    assert name == "kind", name
    return EV.c.kind == param("kind", value)


def _within(span: Span | None) -> list[ColumnElement[bool]]:
    """The conditions for events wholly inside `span`: begun on or after its first day, ended by its last (an open
    or unknown end is NULL, so it is never inside a range that ends)."""
    if span is None:
        raise UserError("'within' keeps the events wholly inside a selection of years: give a year or a range",
                        field="within")
    first, last = span
    return ([EV.c.start_day >= first] if first is not None else []) + \
           ([EV.c.end_day <= last] if last is not None else [])


def conditions(db: Database, filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE conditions on `events` for `filters`, after checking and resolving every value (names → ids)."""
    resolved = resolve(db, filters)
    return [*span_conditions(resolved.span), *(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
