"""What an event shows from its date claims: the pure rule, with no database (write.claims applies it).

The best rank wins, as in Wikidata: the preferred claims, else the normal ones, never the deprecated. Two
best-ranked date claims whose spans are disjoint make the event *disputed* ("1961 or 1959 — sources
disagree"); nested spans (1961 and 1961-12-03) are no dispute and the narrowest is shown. Either way the
event's bounds are the hull of the best-ranked spans, so that a date filter reaches every day a source gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from relations_db.domain.vocab import rank_order

# A day number, or None for an open or unknown end (which reaches any day).
Day = int | None


@dataclass(frozen=True)
class DateClaim:
    """One date claim as the rule needs it: its id, EDTF text, bounds (day numbers) and rank."""

    id: int
    date: str
    start_day: Day
    end_day: Day
    rank: str


@dataclass(frozen=True)
class DateOutcome:
    """What the event shows: `shown` is the claim whose text is the event's `date`; `start_day`/`end_day` the
    hull of `best`, given by the claims `start_from`/`end_from` (whose kind of end an open hull keeps);
    `disputed` when two of `best` are disjoint (`best`: the best-ranked claims, by id)."""

    shown: DateClaim
    best: tuple[DateClaim, ...]
    start_from: DateClaim
    end_from: DateClaim
    disputed: bool

    @property
    def start_day(self) -> Day:
        return self.start_from.start_day

    @property
    def end_day(self) -> Day:
        return self.end_from.end_day


def best_claims(claims: list[DateClaim]) -> list[DateClaim]:
    """The claims of the best rank present, by id; none when every claim is deprecated."""
    shown = [c for c in claims if c.rank != "deprecated"]
    if not shown:
        return []
    top = min(rank_order(c.rank) for c in shown)
    return sorted((c for c in shown if rank_order(c.rank) == top), key=lambda c: c.id)


def disjoint(a: DateClaim, b: DateClaim) -> bool:
    """Whether two spans share no day (an open or unknown end reaches every day on its side)."""
    return ((a.end_day is not None and b.start_day is not None and a.end_day < b.start_day)
            or (b.end_day is not None and a.start_day is not None and b.end_day < a.start_day))


def disjoint_pairs(claims: list[DateClaim]) -> list[tuple[DateClaim, DateClaim]]:
    """Every pair of `claims` with disjoint spans, in id order."""
    ordered = sorted(claims, key=lambda c: c.id)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:] if disjoint(a, b)]


def _width(c: DateClaim) -> float:
    if c.start_day is None or c.end_day is None:
        return float("inf")
    return c.end_day - c.start_day


def _earliest_start(c: DateClaim) -> tuple[float, int]:
    return (float("-inf") if c.start_day is None else c.start_day, c.id)


def _latest_end(c: DateClaim) -> tuple[float, int]:
    return (float("inf") if c.end_day is None else c.end_day, -c.id)


def date_outcome(claims: list[DateClaim]) -> DateOutcome | None:
    """What an event shows from its date claims, or None when no claim is shown (all deprecated, or none).

    Disputed: the shown claim is the lowest-id best-ranked one (a preferred claim when there is one, since
    then only preferred claims are best-ranked). Not disputed: the narrowest (lowest id among equals).
    """
    best = best_claims(claims)
    if not best:
        return None
    disputed = bool(disjoint_pairs(best))
    shown = best[0] if disputed else min(best, key=lambda c: (_width(c), c.id))
    return DateOutcome(shown, tuple(best), min(best, key=_earliest_start), max(best, key=_latest_end), disputed)


@dataclass(frozen=True)
class PlaceClaim:
    """One place claim as the rule needs it: its id, the place it names and its rank."""

    id: int
    place_id: int | None
    rank: str


# What `shown_place` answers for an event with no place claim: its place is left as it is.
KEEP = object()


def shown_place(claims: list[PlaceClaim]) -> int | None | object:
    """The place an event shows from its place claims: the lowest-id claim of the best rank present (one place is
    shown); None when every claim is deprecated; `KEEP` when there is no place claim (the event keeps its place)."""
    shown = [c for c in claims if c.rank != "deprecated"]
    if not shown:
        return None if claims else KEEP
    top = min(rank_order(c.rank) for c in shown)
    return min((c for c in shown if rank_order(c.rank) == top), key=lambda c: c.id).place_id
