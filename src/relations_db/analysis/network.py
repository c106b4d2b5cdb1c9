"""Who met whom: pairs of actors who took part in the same events, how often, over which years.

`actor_pairs` reads event dicts (the JSON shape of `queries.event_rows`), so that the filters of `events`
choose which events count. Every two distinct actors of an event make a pair; a pair's years run from the
earliest start to the latest end of its events (open ends are ignored). The DOT and GraphML writers
(`formats.graph`) turn the pairs into a graph file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from relations_db.domain.dates import iso_ymd, year_span

CSV_COLUMNS = ("actor_a", "actor_b", "events", "first_year", "last_year", "slugs")


def span_text(first: int | None, last: int | None) -> str:
    """'1957–1961', '1959', '44 BC – AD 1961', or '' when no event has a closed date (CSV and JSON keep the
    astronomical integers)."""
    if first is None or last is None:
        return ""
    return year_span(first, last)


@dataclass
class Pair:
    """Two actors (in name order) and the events they share."""

    a: str
    b: str
    slugs: list[str] = field(default_factory=list)
    first_year: int | None = None
    last_year: int | None = None

    @property
    def count(self) -> int:
        return len(self.slugs)

    def years(self) -> str:
        return span_text(self.first_year, self.last_year)

    def widen(self, first: int, last: int) -> None:
        """Stretch the pair's years to cover an event's."""
        self.first_year = first if self.first_year is None else min(self.first_year, first)
        self.last_year = last if self.last_year is None else max(self.last_year, last)

    def as_dict(self) -> dict[str, Any]:
        """The pair as `relations --format json` prints it (the keys are CSV_COLUMNS)."""
        return {"actor_a": self.a, "actor_b": self.b, "events": self.count, "first_year": self.first_year,
                "last_year": self.last_year, "slugs": list(self.slugs)}


@dataclass
class Network:
    """The pairs (most frequent first) with what a graph needs to know of the actors in them."""

    pairs: list[Pair]
    kinds: dict[str, str]  # actor name → kind, for every actor in a pair
    events: dict[str, int]  # actor name → number of events (among those read) the actor is in


def _years(event: Mapping[str, Any]) -> tuple[int, int] | None:
    """The first and last year of an event's span, an open end standing for the other (None when both are)."""
    first = iso_ymd(event["start"])[0] if event["start"] is not None else None
    last = iso_ymd(event["end"])[0] if event["end"] is not None else None
    if first is None:
        return None if last is None else (last, last)
    return first, first if last is None else last


def actor_pairs(events: Iterable[Mapping[str, Any]], actor: str | None = None, limit: int | None = None) -> Network:
    """The pairs of actors sharing events, most frequent first; with `actor` (a canonical name), only its pairs;
    with `limit`, only the first `limit` pairs (and the actors in them)."""
    pairs: dict[tuple[str, str], Pair] = {}
    kinds: dict[str, str] = {}
    counts: dict[str, int] = {}
    for event in events:
        names = sorted({a["name"] for a in event["actors"]})
        for a in event["actors"]:
            kinds.setdefault(a["name"], a["kind"])
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        years = _years(event)
        for a, b in combinations(names, 2):
            if actor is not None and actor not in (a, b):
                continue
            pair = pairs.setdefault((a, b), Pair(a, b))
            pair.slugs.append(event["slug"])
            if years is not None:
                pair.widen(*years)
    ordered = sorted(pairs.values(), key=lambda p: (-p.count, p.first_year or 0, p.a, p.b))
    if limit is not None:
        ordered = ordered[:limit]
    in_pairs = {n for p in ordered for n in (p.a, p.b)}
    return Network(ordered, {n: k for n, k in kinds.items() if n in in_pairs},
                   {n: c for n, c in counts.items() if n in in_pairs})
