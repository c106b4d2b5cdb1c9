"""Relative dating, the pure rule with no database: what `before`, `after` and `during` claims mean on day
numbers, the bounds they derive, and the smallest set of claims that cannot all hold.

Each event is two unknown days, its start and its end (start ≤ end). Its best-ranked date claims bound them (the
hull, as `domain.claims` computes it); an open or unknown end bounds nothing. A relative claim on X naming B:

- `X before B`: X.end ≤ B.start (the same day allowed); `at_least g`: X.end + g ≤ B.start; `at_most h`:
  B.start − X.end ≤ h.
- `X after B`: B.end ≤ X.start, with the gaps likewise.
- `X during B`: B.start ≤ X.start and X.end ≤ B.end.

These are difference constraints (x_v − x_u ≤ w, an edge u → v of weight w) over the day numbers, so they hold
across BC and Y-years alike. Bellman–Ford finds a negative cycle when they cannot all hold: the claims of its
edges are the contradiction. Shortest paths from a zero node give each day's latest possible value, those to it
the earliest. Deprecated claims are left out by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from relations_db.domain.claims import DateClaim, date_outcome
from relations_db.errors import UserError

_DURATION = re.compile(r"\s*([0-9]{1,6})\s*([DWMYdwmy])\s*\Z")
# A duration's unit in days, conservatively: "at least 3 months" is sure to be 84 days, "at most 3 months" may
# be 93, so that a conversion never makes a contradiction the source did not state.
_LEAST = {"D": 1, "W": 7, "M": 28, "Y": 365}
_MOST = {"D": 1, "W": 7, "M": 31, "Y": 366}
_UNIT_NAMES = {"D": "day", "W": "week", "M": "month", "Y": "year"}

ZERO = 0  # the node of day number 0, against which the recorded dates are bounds


def duration(text: str, field: str = "duration") -> tuple[int, str]:
    """A duration as written ('3M', '1Y', '10D', '2W') → (count, unit letter); anything else is refused."""
    match = _DURATION.match(text or "")
    if match is None:
        raise UserError(f"{text!r} is not a duration: give a number and a unit, D (days), W (weeks), M (months) "
                        "or Y (years), e.g. 3M or 10D", field=field)
    return int(match.group(1)), match.group(2).upper()


def normal_duration(text: str, field: str = "duration") -> str:
    """A duration as stored: '3m' → '3M'."""
    count, unit = duration(text, field)
    return f"{count}{unit}"


def least_days(text: str) -> int:
    """The fewest days a duration can mean: a month is 28 days, a year 365."""
    count, unit = duration(text)
    return count * _LEAST[unit]


def most_days(text: str) -> int:
    """The most days a duration can mean: a month is 31 days, a year 366."""
    count, unit = duration(text)
    return count * _MOST[unit]


def duration_label(text: str) -> str:
    """'3M' → '3 months', '1Y' → '1 year'."""
    count, unit = duration(text)
    return f"{count} {_UNIT_NAMES[unit]}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Relative:
    """One relative claim that is not deprecated: claim `id` on `event_id`, of `kind`, naming `other_id`."""

    id: int
    event_id: int
    kind: str  # before, after, during
    other_id: int
    at_least: str | None = None
    at_most: str | None = None


@dataclass(frozen=True)
class Bounds:
    """An event's recorded bounds: the hull of its best-ranked date claims, and the claims that give each end."""

    start_day: int | None
    end_day: int | None
    start_claim: int | None
    end_claim: int | None


@dataclass(frozen=True)
class Edge:
    """x[head] − x[tail] ≤ weight, stated by `claim` (None: an event starts no later than it ends)."""

    tail: int
    head: int
    weight: int
    claim: int | None


def bounds_of(date_claims: Iterable[DateClaim]) -> Bounds | None:
    """The recorded bounds of an event from its date claims (None when every one is deprecated)."""
    outcome = date_outcome(list(date_claims))
    if outcome is None:
        return None
    return Bounds(outcome.start_day, outcome.end_day, outcome.start_from.id, outcome.end_from.id)


def start_node(event_id: int) -> int:
    return 2 * event_id + 1


def end_node(event_id: int) -> int:
    return 2 * event_id + 2


def relative_edges(claim: Relative) -> list[Edge]:
    """The constraints one relative claim states."""
    x_start, x_end = start_node(claim.event_id), end_node(claim.event_id)
    b_start, b_end = start_node(claim.other_id), end_node(claim.other_id)
    if claim.kind == "during":
        return [Edge(x_start, b_start, 0, claim.id), Edge(b_end, x_end, 0, claim.id)]
    # before: first = X.end, then = B.start; after: first = B.end, then = X.start — first + gap ≤ then
    first, then = (x_end, b_start) if claim.kind == "before" else (b_end, x_start)
    gap = least_days(claim.at_least) if claim.at_least else 0
    found = [Edge(then, first, -gap, claim.id)]
    if claim.at_most:
        found.append(Edge(first, then, most_days(claim.at_most), claim.id))
    return found


def bound_edges(event_id: int, bounds: Bounds | None) -> list[Edge]:
    """start ≤ end, and the recorded bounds as constraints against the zero node (an open end: none)."""
    start, end = start_node(event_id), end_node(event_id)
    found = [Edge(end, start, 0, None)]
    if bounds is not None and bounds.start_day is not None:
        found.append(Edge(start, ZERO, -bounds.start_day, bounds.start_claim))
    if bounds is not None and bounds.end_day is not None:
        found.append(Edge(ZERO, end, bounds.end_day, bounds.end_claim))
    return found


def edges(relatives: Iterable[Relative], bounds: Mapping[int, Bounds | None]) -> list[Edge]:
    """Every constraint of these relative claims and of the bounds of the events they involve."""
    relatives = list(relatives)
    involved = sorted({r.event_id for r in relatives} | {r.other_id for r in relatives})
    found = [e for r in relatives for e in relative_edges(r)]
    return found + [e for event_id in involved for e in bound_edges(event_id, bounds.get(event_id))]


def _parent_cycle(parent: Mapping[int, Edge]) -> list[Edge] | None:
    """A cycle of the parent edges, in order, or None. In Bellman–Ford a cycle of parent edges is always a
    negative one, and it shows long before the last pass: looking after every pass stops at the first."""
    state: dict[int, int] = {}  # 1: on the current walk, 2: done
    for start in parent:
        walk, node = [], start
        while node in parent and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = parent[node].tail
        if state.get(node) == 1:  # the walk came back to itself
            cycle, at = [], node
            while True:
                cycle.append(parent[at])
                at = parent[at].tail
                if at == node:
                    return cycle[::-1]
        for visited in walk:
            state[visited] = 2
    return None


def negative_cycle(found: list[Edge], distance: dict[int, int] | None = None) -> list[Edge] | None:
    """The edges of a negative cycle (the constraints cannot all hold), or None. Bellman–Ford from every node at
    once (all distances 0: a virtual source), so that a cycle no date reaches is found too. Relaxing from any
    starting distances settles exactly when there is no negative cycle, so a caller may pass (and keep) the
    distances of an earlier search of nearly the same constraints (`conflicts` does)."""
    distance = {} if distance is None else distance
    for e in found:
        distance.setdefault(e.tail, 0)
        distance.setdefault(e.head, 0)
    parent: dict[int, Edge] = {}
    for _ in range(len(distance) + 1):
        changed = False
        for e in found:
            if distance[e.tail] + e.weight < distance[e.head]:
                distance[e.head] = distance[e.tail] + e.weight
                parent[e.head] = e
                changed = True
        if not changed:
            return None
        cycle = _parent_cycle(parent)
        if cycle is not None:
            return cycle
    return _parent_cycle(parent)


def _claims_of(cycle: list[Edge]) -> list[int]:
    return sorted({e.claim for e in cycle if e.claim is not None})


def _event_of(node: int) -> int:
    return (node - 1) // 2


def minimal_conflict(found: list[Edge], distance: dict[int, int] | None = None) -> list[int] | None:
    """The ids of an irreducible set of claims that cannot all hold (None when all can): a negative cycle's
    claims, less each one without which the rest still contradict each other (tried on the constraints of those
    claims and of the events they touch only)."""
    cycle = negative_cycle(found, distance)
    if cycle is None:
        return None
    kept = _claims_of(cycle)
    mine = [e for e in found if e.claim is not None and e.claim in set(kept)]
    touched = {_event_of(n) for e in mine for n in (e.tail, e.head) if n != ZERO}
    own = [e for e in found if e.claim is None and _event_of(e.tail) in touched]
    for claim in list(kept):
        trial = set(kept) - {claim}
        if negative_cycle(own + [e for e in mine if e.claim in trial]) is not None:
            kept.remove(claim)
    return kept


def components(relatives: Iterable[Relative]) -> list[list[Relative]]:
    """The relative claims grouped by the connected sets of events they link (union–find), each in id order."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    relatives = list(relatives)
    for r in relatives:
        parent[root(r.event_id)] = root(r.other_id)
    grouped: dict[int, list[Relative]] = {}
    for r in sorted(relatives, key=lambda r: r.id):
        grouped.setdefault(root(r.event_id), []).append(r)
    return list(grouped.values())


def conflicts(relatives: Iterable[Relative], bounds: Mapping[int, Bounds | None],
              most: int = 20) -> list[list[int]]:
    """Every contradiction among these relative claims and the recorded dates, one component at a time: each an
    irreducible set of claim ids (relative and date claims), in order. After each, its relative claims are set
    aside and the rest searched again, from the distances reached (at most `most` contradictions a component)."""
    found: list[list[int]] = []
    for group in components(relatives):
        left, distance = list(group), dict[int, int]()
        for _ in range(most):
            conflict = minimal_conflict(edges(left, bounds), distance)
            if conflict is None:
                break
            found.append(conflict)
            left = [r for r in left if r.id not in conflict]
    return sorted(found)


@dataclass(frozen=True)
class Derived:
    """What the relative claims say of an event: it started no earlier than `not_before` and ended no later
    than `not_after` (day numbers; None: no bound)."""

    not_before: int | None
    not_after: int | None


def _shortest(found: list[Edge], reverse: bool) -> dict[int, int]:
    """Shortest distances from the zero node (or, `reverse`, to it) of the nodes it reaches: no negative cycle."""
    distance = {ZERO: 0}
    for _ in range(len({n for e in found for n in (e.tail, e.head)}) + 1):
        changed = False
        for e in found:
            tail, head = (e.head, e.tail) if reverse else (e.tail, e.head)
            if tail in distance and (head not in distance or distance[tail] + e.weight < distance[head]):
                distance[head] = distance[tail] + e.weight
                changed = True
        if not changed:
            break
    return distance


def derived(relatives: Iterable[Relative], bounds: Mapping[int, Bounds | None]) -> dict[int, Derived] | None:
    """The bounds every event of these claims must keep for all of them and the recorded dates to hold (None when
    they contradict each other): its earliest start and latest end."""
    found = edges(relatives, bounds)
    if negative_cycle(found) is not None:
        return None
    latest, earliest = _shortest(found, False), _shortest(found, True)
    events = {_event_of(n) for e in found for n in (e.tail, e.head) if n != ZERO}
    return {event_id: Derived(-earliest[start_node(event_id)] if start_node(event_id) in earliest else None,
                              latest.get(end_node(event_id)))
            for event_id in sorted(events)}
