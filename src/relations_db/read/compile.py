"""Compile every statement the SQLite fast path runs, with SQLAlchemy, into `read/sqlite_fast/statements.py`.

    python -m relations_db.read.compile          # write the module again (after changing a read statement)
    python -m relations_db.read.compile --check  # exit 1 when the module is not what it would write

The read statements are defined once, by the SQLAlchemy builders of `read/` (`events.build_events`,
`names.*_statement`, `catalog.*_statement`…). This module builds each of them for every shape the fast path
takes (`shapes.event_shapes`) and writes, for each, its SQL text, the names of its bound parameters in order,
the constants SQLAlchemy bound on its own (a LIMIT 1's 1, an OFFSET's 0), and how each result column is
converted (`raw`: as `sqlite3` returns it; `bool`: SQLAlchemy's Boolean). tests/test_sqlite_fast.py fails when
the module differs from what this writes, naming this command.

Each statement is built twice with different values: a parameter whose value is the same both times is one
SQLAlchemy bound on its own (a constant), kept with its value; any other must be one of `BOUND_NAMES`, which
the fast path gives at run time. A value bound anonymously by a builder (a literal where `tables.param` was
meant) makes the compile fail rather than the fast path answer with the wrong value.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Select, create_engine
from sqlalchemy.engine import Dialect

from relations_db.domain.search_query import parse
from relations_db.read import bibliography, catalog, claims, filters, fulltext, names, relative, search
from relations_db.read.events import (
    build_events,
    count_statement_of,
    details_statements,
    invoked_by_statement,
    invoked_statement,
    noted_statement,
    one_event_statement,
    sources_statement,
)
from relations_db.read.filters import (
    Resolved,
    actor_subset,
    count_statement,
    max_id_statement,
    where_condition,
)
from relations_db.read.shapes import (
    FAST_ACTORS_MAX,
    SPAN_CLASSES,
    EventsShape,
    actor_param,
    event_shapes,
    reach_param,
    search_shapes,
)

TARGET = Path(__file__).parent / "sqlite_fast" / "statements.py"
COMMAND = "python -m relations_db.read.compile"

# The parameters the fast path binds by name (everything else a statement binds must be a constant).
BOUND_NAMES = frozenset({
    "first", "last", "limit", "most", "type", "place", "source", "kind", "ids", "slugs", "key", "id", "slug",
    "pattern", "match", "keys", *(reach_param(upto) for _, upto in SPAN_CLASSES if upto is not None),
    *(actor_param(i) for i in range(FAST_ACTORS_MAX)),
})

Statement = tuple[str, tuple[str, ...], tuple[str, ...], dict[str, Any]]


def _events(shape: EventsShape, v: int) -> Select[Any]:
    """The listing statement of `shape`, built with the `v`-th set of stand-in values."""
    span = {"none": None, "from": (700_000 + v, None), "to": (None, 700_365 + v),
            "both": (700_000 + v, 700_365 + v)}[shape.span]
    values = {"type": f"type{v}", "place": 10 + v, "source": 20 + v, "kind": f"kind{v}"}
    subsets = [actor_subset(30 + v, i) for i, _ in enumerate(shape.subsets)]
    resolved = Resolved(span, subsets, [where_condition(w, values[w]) for w in shape.where], shape.where)
    forms = tuple(s.split(":")[1] for s in shape.subsets)
    if shape.count:
        return count_statement_of("sqlite", resolved)
    return build_events("sqlite", resolved, 40 + v if shape.limit else None, forms, body=shape.body)


def statements(v: int) -> dict[str, Select[Any]]:
    """Every statement of the fast path, by name, built with the `v`-th set of stand-in values (0 or 1)."""
    actors_, citations_, invokes_, dated_ = details_statements("sqlite")
    found: dict[str, Select[Any]] = {
        "sources": sources_statement(),
        "max_id": max_id_statement(),
        "details.actors": actors_, "details.citations": citations_, "details.invokes": invokes_,
        "details.dated": dated_, "details.noted": noted_statement("sqlite"),
        "one_event": one_event_statement(50 + v),
        "invoked": invoked_statement("sqlite", [f"slug{v}"]),
        "invoked_by": invoked_by_statement("sqlite", [60 + v]),
        "names.actor": names.find_actors_statement(f"key{v}"),
        "names.place": names.find_places_statement(f"key{v}"),
        "names.source": names.source_by_key_statement(f"key{v}"),
        "names.event_id": names.event_by_id_statement(70 + v),
        "names.event_slug": names.event_by_slug_statement(f"slug{v}"),
        "names.type": names.type_used_statement(f"type{v}"),
        "actors.aliases": catalog.aliases_statement("sqlite", [80 + v]),
        "actors.counts": catalog.event_counts_statement("sqlite", [80 + v]),
        "sources.list": catalog.sources_list_statement(),
        "sources.cited": catalog.citation_counts_statements()[0],
        "sources.cited_in": catalog.citation_counts_statements()[1],
        "sources.records": bibliography.records_statement(),
        "sources.creators": bibliography.creators_statement(),
        "claims.claims": claims.claims_statement(110 + v),
        "claims.links": claims.links_statement(110 + v),
        "claims.disputed": claims.disputed_statement(110 + v),
        "claims.dates": claims.date_claims_statement(110 + v),
        "relative.links": relative.links_statement("sqlite", [120 + v]),
        "relative.claims": relative.relatives_statement("sqlite", [120 + v]),
        "relative.dates": relative.dates_statement("sqlite", [120 + v]),
    }
    for i in range(FAST_ACTORS_MAX):
        found[f"count.{actor_param(i)}"] = count_statement(actor_subset(90 + v, i).ids, 100 + v)
    found.update(_search_statements(v))
    for kind in (None, f"kind{v}"):
        for pattern in (None, f"%pattern{v}%"):
            found[actors_key(kind is not None, pattern is not None)] = catalog.actors_statement(kind, pattern)
    for shape in event_shapes():
        found[shape.key()] = _events(shape, v)
    return found


def _search_statements(v: int) -> dict[str, Select[Any]]:
    """What `search` runs on the fast path (no filters but a limit): the other spellings of names, the count of
    matches, the matches to rank and the page's events, and the listing in date order of many matches."""
    words = parse(f"word{v}")
    matched = filters.search_subset("sqlite", words)
    found: dict[str, Select[Any]] = {
        "search.spellings.actors": fulltext.spellings_statement("sqlite", "actors", [f"key{v}"]),
        "search.spellings.places": fulltext.spellings_statement("sqlite", "places", [f"key{v}"]),
        "search.count": count_statement(matched.ids, 100 + v),
        "search.candidates": search.candidates_statement("sqlite", words, Resolved(None, [], [])),
        "search.by_ids": search.by_ids_statement("sqlite", [120 + v]),
    }
    for shape in search_shapes():
        form = shape.subsets[0].split(":")[1]
        found[shape.key()] = build_events("sqlite", Resolved(None, [matched], []), 40 + v if shape.limit else None,
                                          (form,), body=True)
    return found


def actors_key(kind: bool, pattern: bool) -> str:
    return f"actors:{'kind' if kind else '-'}:{'pattern' if pattern else '-'}"


def _dialect() -> Dialect:
    """SQLite's dialect as an engine sets it up on its first connection (what the SQLAlchemy path compiles for)."""
    engine = create_engine("sqlite://")
    with engine.connect():
        pass
    return engine.dialect


def _kinds(compiled: Any, name: str) -> tuple[str, ...]:
    kinds = []
    for column in compiled._result_columns:
        type_ = column.type
        if isinstance(type_, Boolean):
            kinds.append("bool")
        elif type_._cached_result_processor(compiled.dialect, None) is None:
            kinds.append("raw")
        else:
            raise SystemExit(f"{name}: column {column.keyname!r} ({type_!r}) is converted by SQLAlchemy in a way "
                             "the fast path does not know: teach read/sqlite_fast/run.py its kind")
    return tuple(kinds)


def compile_all() -> dict[str, Statement]:
    """name → (SQL, bound names in order, result column kinds, constants), for every fast-path statement."""
    dialect = _dialect()
    first, second = statements(0), statements(1)
    found: dict[str, Statement] = {}
    for name, stmt in first.items():
        compiled, again = stmt.compile(dialect=dialect), second[name].compile(dialect=dialect)
        sql = str(compiled)
        if sql != str(again) or compiled.positiontup != again.positiontup:
            raise SystemExit(f"{name}: the SQL depends on the values, not only on the shape")
        constants = {}
        for bound in compiled.positiontup or ():
            if bound in BOUND_NAMES:
                continue
            if compiled.params[bound] != again.params[bound]:
                raise SystemExit(f"{name}: the value {bound!r} is bound without a name the fast path knows "
                                 f"({', '.join(sorted(BOUND_NAMES))}): bind it with read.tables.param")
            constants[bound] = compiled.params[bound]
        found[name] = (sql, tuple(compiled.positiontup or ()), _kinds(compiled, name), constants)
    return found


def render(found: dict[str, Statement]) -> str:
    """The text of the generated module."""
    lines = [
        f'"""Every statement of the SQLite fast path, compiled by SQLAlchemy: written by `{COMMAND}`, do not edit.',
        "",
        "name → (SQL, bound parameter names in order, result column kinds, constants bound by SQLAlchemy).",
        '"""',
        "",
        "from typing import Any",
        "",
        "Statement = tuple[str, tuple[str, ...], tuple[str, ...], dict[str, Any]]",
        "",
        "STATEMENTS: dict[str, Statement] = {",
    ]
    for name in sorted(found):
        sql, bound, kinds, constants = found[name]
        lines.append(f"    {name!r}: ({sql!r}, {bound!r}, {kinds!r}, {constants!r}),")
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None, write: Callable[[str], None] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 when the module is out of date; write nothing")
    args = parser.parse_args(argv)
    text = render(compile_all())
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
    if args.check:
        if text != current:
            print(f"{TARGET} is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if text != current:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
