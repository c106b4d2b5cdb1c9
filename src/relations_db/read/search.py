"""The `search` command's answer: the events containing some words, best match first when there are few
enough to rank quickly (`RANK_AT_MOST`), each with a snippet of the matching text.

The matching itself (the words, their other spellings, the index conditions on each backend) is `fulltext`'s;
the events are streamed by `events`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select

from relations_db.domain.search_query import Query, Term
from relations_db.domain.words import stem, word_list
from relations_db.errors import UserError
from relations_db.read.events import base_select, events_statement, stream
from relations_db.read.filters import Filters, Resolved, count_at_most, resolve, search_subset, span_conditions
from relations_db.read.fulltext import fts_match, matches, pg_tsquery, pg_tsvector, search_terms
from relations_db.read.rows import EventRow
from relations_db.read.tables import ES, EV, FTS, connection

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row

    from relations_db.read.tables import Database

_WORD = re.compile(r"[^\W_]+")


def snippet(body: str, text: str | Query, width: int = 160) -> str:
    """The line of `body` (title, summary or a quotation) holding most words of `text` (a text, or a parsed
    search with its other spellings, `fulltext.search_terms`), cut to about `width` characters around it, the
    matching words (any word with the same stem, or the prefix) in [brackets] and '…' where cut.

    Made here rather than by FTS5 `snippet()` / PostgreSQL `ts_headline`, so that both backends show the
    same snippet, and PostgreSQL's (which matches on folded text) still shows the words with their accents.
    """
    line, hits = _best_line(body, _Wanted(text))
    start = 0
    if hits and hits[0].start() > width // 3:
        # Start at a word boundary about a third of the width before the first hit.
        start = line.find(" ", hits[0].start() - width // 3) + 1
    end = len(line)
    if end - start > width:
        end = line.rfind(" ", start, start + width)
        end = start + width if end <= (hits[0].end() if hits else start) else end
    pieces, pos = [], start
    for match in hits:
        if match.start() >= start and match.end() <= end:
            pieces += [line[pos:match.start()], "[", match.group(), "]"]
            pos = match.end()
    pieces.append(line[pos:end])
    return ("… " if start else "") + "".join(pieces) + (" …" if end < len(line) else "")


class _Wanted:
    """The stems (and prefixes) to mark: those of `text`'s words, or of every wanted term of a parsed search."""

    def __init__(self, text: str | Query) -> None:
        terms = [t for g in text.groups for t in g] if isinstance(text, Query) else \
            [Term(tuple(stem(w) for w in word_list(text)))]
        self.stems = {s for t in terms for s in (t.stems[:-1] if t.prefix else t.stems)}
        self.prefixes = tuple(t.stems[-1] for t in terms if t.prefix)
        if any(len(w) > 1 for w in self.stems):  # the "s" of "Khrushchev's" would mark every lone s
            self.stems = {w for w in self.stems if len(w) > 1}

    def key(self, word: str) -> str | None:
        """The stem by which a word of the text is wanted, or None."""
        for found in word_list(word):
            stemmed = stem(found)
            if stemmed in self.stems or (self.prefixes and stemmed.startswith(self.prefixes)):
                return stemmed
        return None


def _best_line(body: str, wanted: _Wanted) -> tuple[str, list[re.Match[str]]]:
    """The line with the most of the `wanted` words (the first of equals), and the matches of them in it."""
    lines = [" ".join(line.split()) for line in body.splitlines() if line.strip()] or [""]
    line, hits, best = lines[0], [], 0
    for candidate in lines:
        keyed = [(m, wanted.key(m.group())) for m in _WORD.finditer(candidate)]
        found = [m for m, key in keyed if key is not None]
        distinct = len({key for _, key in keyed if key is not None})
        if distinct > best:
            line, hits, best = candidate, found, distinct
    return line, hits


# A search ranks its matches (bm25 on SQLite, ts_rank on PostgreSQL) when there are at most this many: ranking
# scores every match, 5–20 µs each (measured on a million events: 2,000 matches of three words, 35 ms), and a
# phrase common in a million events ("naval base") has 170,000. Beyond it the matches come in date order (as
# `events --search` gives them), which stops after the first page.
RANK_AT_MOST = 5_000


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
    found = matches(conn, terms)
    if conn.dialect.name == "sqlite" or not conn.exec_driver_sql(
            "SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'event_search' "
            "AND attname = 'search_vector'").first():
        return count_at_most(conn, found, RANK_AT_MOST + 1) <= RANK_AT_MOST
    compiled = found.compile(dialect=conn.dialect)
    # (Any: EXPLAIN's JSON as the driver decodes it, lists and dicts)
    plan: Any = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return plan[0]["Plan"]["Plan Rows"] <= RANK_AT_MOST


# ts_rank's weights of the D, C, B, A parts of the tsvector: quotations (C) 0.1, summary (B) 0.4, title (A) 1, as
# FTS5's bm25(10, 4, 1) weighs them on SQLite (migration 0006); its normalisation 1 divides by the log of the
# text's length, as bm25 favours a match in a shorter text.
_PG_WEIGHTS: ColumnElement[Any] = literal_column("'{0, 0.1, 0.4, 1.0}'::float4[]")


def _ranked_statement(conn: Connection, terms: Query, resolved: Resolved,
                      limit: int | None) -> Select[Any]:
    """The matches ranked with only what the order needs (score, start, id), then the page's events joined."""
    where = [*span_conditions(resolved.span), *(EV.c.id.in_(s.ids) for s in resolved.subsets), *resolved.where]
    score: ColumnElement[Any]
    if conn.dialect.name == "sqlite":
        score = FTS.c.rank  # bm25(10, 4, 1) over title, summary, quotations: negative, the best first ascending
        found = select(EV.c.id, score.label("score"), EV.c.start_day).select_from(
            FTS.join(EV, EV.c.id == FTS.c.rowid).join(ES, ES.c.event_id == EV.c.id)).where(fts_match(terms), *where)
    else:
        tsquery = pg_tsquery(terms)
        score = -func.ts_rank(_PG_WEIGHTS, pg_tsvector(), tsquery, 1)
        found = select(EV.c.id, score.label("score"), EV.c.start_day).select_from(
            ES.join(EV, EV.c.id == ES.c.event_id)).where(pg_tsvector().op("@@")(tsquery), *where)
    # First the events whose titles hold more of the words, then (among those whose titles hold some) the titles
    # with fewer other words: computed alike on both backends; then the backend's score (bm25, ts_rank, both
    # weighing the title above the summary above the quotations, and a match in a shorter text above one in a
    # longer), then the date.
    hits_in_title = title_hits(terms)
    in_title = hits_in_title.label("in_title")
    title_length = case((hits_in_title > 0, func.length(ES.c.title_terms)
                         - func.length(func.replace(ES.c.title_terms, " ", ""))), else_=0).label("title_length")
    found = found.add_columns(in_title, title_length).order_by(
        in_title.desc(), title_length, score, EV.c.start_day.nulls_first(), EV.c.id)
    hits = (found.limit(limit) if limit is not None else found).subquery("hits")
    return (base_select(ES.c.body, hits=hits).join(ES, ES.c.event_id == EV.c.id)
            .order_by(hits.c.in_title.desc(), hits.c.title_length, hits.c.score, hits.c.start_day.nulls_first(),
                      hits.c.id))


def title_hits(query: Query) -> ColumnElement[Any]:
    """How many of the search's groups the event's title holds (a term as a whole word, a phrase as words side
    by side, a prefix at a word's start), counted the same way on both backends: the first key of the ranking,
    so that the events whose titles say what was asked come first, whatever the spellings that the backends'
    scores (bm25, ts_rank) weigh differently."""
    def like(term: Term) -> str:
        text = " ".join(term.stems)
        if not re.fullmatch(r"[a-z0-9 ]+", text):  # (stems are letters and digits: nothing to escape or quote)
            raise ValueError(f"not a search form: {text!r}")
        return f"' ' || event_search.title_terms || ' ' LIKE '% {text}{'' if term.prefix else ' '}%'"

    counts = [f"(CASE WHEN {' OR '.join(like(t) for t in group)} THEN 1 ELSE 0 END)" for group in query.groups]
    return literal_column("(" + " + ".join(counts) + ")")


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
    if ranked:
        stmt = _ranked_statement(conn, terms, resolved, filters.limit)
    else:
        resolved.subsets.append(search_subset(conn, terms))
        stmt = events_statement(conn, resolved, filters.limit, body=True)
    def with_snippet(event: EventRow, row: Row) -> None:
        event["snippet"] = snippet(row.body, terms)

    return SearchResults(stream(conn, stmt, limit=filters.limit, each=with_snippet), ranked)
