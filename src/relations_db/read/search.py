"""The `search` command's answer: the events containing some words, best match first when there are few
enough to rank quickly (`shapes.RANK_AT_MOST`), each with a snippet of the matching text (`read.snippets`).

The matching itself (the words, their other spellings, the index conditions on each backend) is `fulltext`'s;
the events are streamed by `events`. The matches are ordered in Python by one rule
(`domain.search_query.rank_key`), so that the SQLite fast path (`read/sqlite_fast/search.py`) orders them alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select

from relations_db.domain.search_query import Query, rank_key
from relations_db.errors import UserError
from relations_db.read import shapes
from relations_db.read.events import base_select, events_statement, stream
from relations_db.read.filters import Filters, Resolved, count_at_most, resolve, search_subset, span_conditions
from relations_db.read.fulltext import fts_match, matches, pg_tsquery, pg_tsvector, search_terms
from relations_db.read.rows import EventRow
from relations_db.read.snippets import snippet
from relations_db.read.tables import ES, EV, FTS, connection, one_of

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

    from relations_db.read.tables import Database



class SearchResults:
    """The events a search found (an iterator of event dicts, each with its `snippet`), and whether they come
    best match first (`ranked`) or, too many to rank, in date order."""

    def __init__(self, events: Iterator[EventRow], ranked: bool) -> None:
        self._events, self.ranked = events, ranked

    def __iter__(self) -> Iterator[EventRow]:
        return self._events

    def __next__(self) -> EventRow:
        return next(self._events)


def _few_matches(conn: Connection, terms: Query) -> bool:
    """Whether at most RANK_AT_MOST events contain the words: counted on SQLite (FTS5 lists its matches
    cheaply), estimated by the planner on PostgreSQL (counting a common phrase there reads its whole posting
    lists and rechecks rows: ~0.2 s in a million events) — counted there too while the table has no
    statistics yet (just after a bulk import, before ANALYZE), as the estimate would then be a fixed guess."""
    found = matches(conn.dialect.name, terms)
    if conn.dialect.name == "sqlite" or not conn.exec_driver_sql(
            "SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'event_search' "
            "AND attname = 'search_vector'").first():
        return count_at_most(conn, found, shapes.RANK_AT_MOST + 1) <= shapes.RANK_AT_MOST
    compiled = found.compile(dialect=conn.dialect)
    # (Any: EXPLAIN's JSON as the driver decodes it, lists and dicts)
    plan: Any = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return plan[0]["Plan"]["Plan Rows"] <= shapes.RANK_AT_MOST


# ts_rank's weights of the D, C, B, A parts of the tsvector: quotations (C) 0.1, summary (B) 0.4, title (A) 1, as
# FTS5's bm25(10, 4, 1) weighs them on SQLite (migration 0006); its normalisation 1 divides by the log of the
# text's length, as bm25 favours a match in a shorter text.
_PG_WEIGHTS: ColumnElement[Any] = literal_column("'{0, 0.1, 0.4, 1.0}'::float4[]")


def candidates_statement(dialect: str, terms: Query, resolved: Resolved) -> Select[Any]:
    """(id, score, start day, title's search form) of every match (few: `RANK_AT_MOST`), for
    `domain.search_query.rank_key` to order; the score is the backend's (bm25 on SQLite, ts_rank on
    PostgreSQL: both weigh the title above the summary above the quotations), lower first."""
    where = [*span_conditions(resolved.span), *(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
    if dialect == "sqlite":
        # bm25(10, 4, 1) over title, summary, quotations: negative, the best first ascending
        return (select(EV.c.id, FTS.c.rank, EV.c.start_day, ES.c.title_terms)
                .select_from(FTS.join(EV, EV.c.id == FTS.c.rowid).join(ES, ES.c.event_id == EV.c.id))
                .where(fts_match(terms), *where))
    tsquery = pg_tsquery(terms)
    return (select(EV.c.id, -func.ts_rank(_PG_WEIGHTS, pg_tsvector(), tsquery, 1), EV.c.start_day,
                   ES.c.title_terms)
            .select_from(ES.join(EV, EV.c.id == ES.c.event_id)).where(pg_tsvector().op("@@")(tsquery), *where))


def ranked_ids(candidates: Iterable[Sequence[Any]], terms: Query, limit: int | None) -> list[int]:
    """The ids of the matches (`candidates_statement`'s rows) best first, at most `limit`: ordered in Python by
    one rule on both backends and both read paths (`domain.search_query.rank_key`)."""
    ordered = sorted(candidates, key=lambda r: rank_key(terms, r[0], r[1], r[2], r[3] or ""))
    return [row[0] for row in (ordered if limit is None else ordered[:limit])]


def in_order(events: Iterable[EventRow], ids: list[int]) -> list[EventRow]:
    """`events` (read in any order) in the order of `ids`."""
    place = {event_id: i for i, event_id in enumerate(ids)}
    return sorted(events, key=lambda e: place[e["id"]])


def search_rows(db: Database, text: str, filters: Filters | None = None) -> SearchResults:
    """Events whose title, summary or quotations contain every word of `text` (any case, any accents),
    best match first — or in date order when more than RANK_AT_MOST match (`.ranked` says which) — each
    event dict with a `snippet` of the matching text. `filters` narrow further."""
    filters = filters or Filters()
    if filters.search:
        raise UserError("give the words to search for once: as the text searched for, not also as a filter",
                        field="search")
    conn = connection(db)
    terms = search_terms(conn, text)
    resolved = resolve(conn, filters)
    ranked = _few_matches(conn, terms)

    def with_snippet(event: EventRow, row: Row) -> None:
        event["snippet"] = snippet(row.body, terms)

    dialect = conn.dialect.name
    if ranked:
        # PostgreSQL decides on the planner's estimate: one candidate more than may be ranked is read, and when
        # it comes (the estimate was low) the matches are listed in date order, as SQLite's exact count has them.
        candidates = conn.execute(candidates_statement(dialect, terms, resolved)
                                  .limit(shapes.RANK_AT_MOST + 1)).all()
        ranked = len(candidates) <= shapes.RANK_AT_MOST
    if not ranked:
        resolved.subsets.append(search_subset(dialect, terms))
        stmt = events_statement(conn, resolved, filters.limit, body=True)
        return SearchResults(stream(conn, stmt, limit=filters.limit, each=with_snippet), ranked)
    ids = ranked_ids(candidates, terms, filters.limit)
    found = stream(conn, by_ids_statement(dialect, ids), limit=len(ids), each=with_snippet)
    return SearchResults(iter(in_order(found, ids)), ranked)


def by_ids_statement(dialect: str, ids: list[int]) -> Select[Any]:
    """The events with these ids, with their search text (for the snippets), in no order."""
    return base_select(ES.c.body).join(ES, ES.c.event_id == EV.c.id).where(one_of(dialect, EV.c.id, "ids", ids))
