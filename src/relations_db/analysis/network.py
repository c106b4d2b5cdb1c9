"""Who met whom: pairs of actors who took part in the same events, how often, over which years.

`actor_pairs` reads event dicts (the JSON shape of `queries.event_rows`), so that the filters of `events`
choose which events count. Every two distinct actors of an event make a pair; a pair's years run from the
earliest start to the latest end of its events (open ends are ignored). DOT and GraphML writers turn the
pairs into a graph for Graphviz, Gephi, yEd or networkx: actors are nodes, pairs are edges weighted by count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import TextIO
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

CSV_COLUMNS = ("actor_a", "actor_b", "events", "first_year", "last_year", "slugs")


def span_text(first: int | None, last: int | None) -> str:
    """'1957–1961', '1959', or '' when no event has a closed date."""
    if first is None:
        return ""
    return str(first) if first == last else f"{first}–{last}"


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

    def as_dict(self) -> dict:
        return {"actor_a": self.a, "actor_b": self.b, "events": self.count, "first_year": self.first_year,
                "last_year": self.last_year, "slugs": list(self.slugs)}


@dataclass
class Network:
    pairs: list[Pair]
    kinds: dict[str, str]  # actor name → kind, for every actor in a pair
    events: dict[str, int]  # actor name → number of events (among those read) the actor is in


def _years(event: dict) -> tuple[int | None, int | None]:
    start, end = dt.date.fromisoformat(event["start"]), dt.date.fromisoformat(event["end"])
    first = start.year if start != dt.date.min else None
    last = end.year if end != dt.date.max else None
    return first if first is not None else last, last if last is not None else first


def actor_pairs(events: Iterable[dict], actor: str | None = None) -> Network:
    """The pairs of actors sharing events, most frequent first; with `actor` (a canonical name), only its pairs."""
    pairs: dict[tuple[str, str], Pair] = {}
    kinds: dict[str, str] = {}
    counts: dict[str, int] = {}
    for event in events:
        names = sorted({a["name"] for a in event["actors"]})
        for a in event["actors"]:
            kinds.setdefault(a["name"], a["kind"])
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        first, last = _years(event)
        for a, b in combinations(names, 2):
            if actor is not None and actor not in (a, b):
                continue
            pair = pairs.setdefault((a, b), Pair(a, b))
            pair.slugs.append(event["slug"])
            if first is not None:
                pair.first_year = first if pair.first_year is None else min(pair.first_year, first)
                pair.last_year = last if pair.last_year is None else max(pair.last_year, last)
    ordered = sorted(pairs.values(), key=lambda p: (-p.count, p.first_year or 0, p.a, p.b))
    in_pairs = {n for p in ordered for n in (p.a, p.b)}
    return Network(ordered, {n: k for n, k in kinds.items() if n in in_pairs},
                   {n: c for n, c in counts.items() if n in in_pairs})


# --- graph formats --------------------------------------------------------------------------------------------


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_dot(network: Network, out: TextIO) -> int:
    """An undirected Graphviz graph: `dot -Tsvg relations.dot > relations.svg`. Returns the number of edges."""
    out.write("graph relations {\n  node [shape=box];\n")
    for name in sorted(network.kinds):
        out.write(f"  {_dot_id(name)} [kind={_dot_id(network.kinds[name])}, events={network.events[name]}];\n")
    for pair in network.pairs:
        label = f"{pair.count}" + (f" ({pair.years()})" if pair.years() else "")
        out.write(f"  {_dot_id(pair.a)} -- {_dot_id(pair.b)} [weight={pair.count}, label={_dot_id(label)}];\n")
    out.write("}\n")
    return len(network.pairs)


_GRAPHML_KEYS = (
    ("kind", "node", "string"), ("events", "node", "int"),
    ("weight", "edge", "int"), ("first_year", "edge", "int"), ("last_year", "edge", "int"),
    ("slugs", "edge", "string"),
)


def write_graphml(network: Network, out: TextIO) -> int:
    """GraphML (Gephi, yEd, networkx.read_graphml): actors as nodes, pairs as weighted edges."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for name, target, kind in _GRAPHML_KEYS:
        out.write(f'  <key id="{name}" for="{target}" attr.name="{name}" attr.type="{kind}"/>\n')
    out.write('  <graph id="relations" edgedefault="undirected">\n')
    for name in sorted(network.kinds):
        out.write(f"    <node id={quoteattr(name)}>"
                  f'<data key="kind">{xml_escape(network.kinds[name])}</data>'
                  f'<data key="events">{network.events[name]}</data></node>\n')
    for pair in network.pairs:
        data = f'<data key="weight">{pair.count}</data>'
        if pair.first_year is not None:
            data += f'<data key="first_year">{pair.first_year}</data><data key="last_year">{pair.last_year}</data>'
        data += f'<data key="slugs">{xml_escape(" ".join(pair.slugs))}</data>'
        out.write(f"    <edge source={quoteattr(pair.a)} target={quoteattr(pair.b)}>{data}</edge>\n")
    out.write("  </graph>\n</graphml>\n")
    return len(network.pairs)
