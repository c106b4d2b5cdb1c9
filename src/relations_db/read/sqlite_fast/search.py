"""`search` without SQLAlchemy: `read.search.search_rows` on the compiled statements, for a search with no filter
but a limit (the common question); None for anything else (the caller then asks the SQLAlchemy path).

The same steps as there, and the same rules, shared: the other spellings of names
(`domain.search_query.with_spellings`), whether few enough match to rank them (`read.shapes.RANK_AT_MOST`), the
order of the ranked matches (`domain.search_query.rank_key`), the listing in date order of many, the snippets
(`read.snippets`).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from relations_db.domain.search_query import Query, fts_query, name_keys, parse, rank_key, with_spellings
from relations_db.read import shapes
from relations_db.read.rows import EventRow
from relations_db.read.shapes import Filters
from relations_db.read.snippets import snippet
from relations_db.read.sqlite_fast import run
from relations_db.read.sqlite_fast.events import stream


def search_terms(conn: sqlite3.Connection, text: str) -> Query:
    """`read.fulltext.search_terms`: the parsed search with the other spellings of the names in it."""
    query = parse(text)
    keys = json.dumps(sorted({key for term in query.terms() for key in name_keys(term)}), ensure_ascii=False)
    others: dict[str, set[str]] = defaultdict(set)
    for owner in ("actors", "places"):
        for key, spelling in run.rows(conn, f"search.spellings.{owner}", keys=keys):
            others[key].add(spelling)
    return with_spellings(query, others)


def search_rows(conn: sqlite3.Connection, text: str, filters: Filters) -> tuple[Iterator[EventRow], bool] | None:
    """The events `read.search.search_rows` finds, and whether they are ranked; None when `filters` hold more
    than a limit."""
    if _narrowed(filters):
        return None
    shapes.check_limit(filters.limit)
    terms = search_terms(conn, text)
    match = fts_query(terms)
    ranked = (run.scalar(conn, "search.count", match=match, most=shapes.RANK_AT_MOST + 1) or 0) <= shapes.RANK_AT_MOST

    def with_snippet(event: EventRow, row: Any) -> None:
        event["snippet"] = snippet(row[-1], terms)  # (the statement's last column: the search text)

    if not ranked:
        return _dated(conn, match, filters.limit, with_snippet), False
    candidates = run.rows(conn, "search.candidates", match=match)
    ordered = sorted(candidates, key=lambda r: rank_key(terms, r[0], r[1], r[2], r[3] or ""))
    ids = [row[0] for row in (ordered if filters.limit is None else ordered[:filters.limit])]
    place = {event_id: i for i, event_id in enumerate(ids)}
    found = stream(conn, "search.by_ids", {"ids": json.dumps(ids)}, with_snippet)
    return iter(sorted(found, key=lambda e: place[e["id"]])), True


def _narrowed(filters: Filters) -> bool:
    """Whether `filters` ask for more than a limit (the SQLAlchemy path then answers, and checks them)."""
    return (any(value is not None for value in (filters.year, filters.from_year, filters.to_year, filters.type,
                                                filters.place, filters.source, filters.search, filters.kind))
            or bool(filters.actors) or filters.within)


def _dated(conn: sqlite3.Connection, match: str, limit: int | None,
           each: Callable[[EventRow, Any], None]) -> Iterator[EventRow]:
    """Many matches, in date order (`read.filters.subset_forms` choosing how the matches are read)."""
    form = "in"
    if limit is not None:
        most = shapes.enough(limit, run.scalar(conn, "max_id") or 0)
        counted = run.scalar(conn, "search.count", match=match, most=most + 1) or 0
        form = shapes.subset_forms([counted], limit, most)[0]
    shape = shapes.EventsShape("none", limit is not None, (f"search:{form}",), (), True)
    params: dict[str, object] = {"match": match}
    if limit is not None:
        params["limit"] = limit
    return stream(conn, shape.key(), params, each)
