"""The actor network as a graph file, for Graphviz (DOT) and for Gephi, yEd or networkx (GraphML).

Actors are nodes (with their kind and their number of events), pairs of actors who took part in the same
events are undirected edges weighted by how many (with the span of years and the events' slugs).
The network itself is computed by `analysis.network.actor_pairs`.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from relations_db.analysis.network import Network


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
