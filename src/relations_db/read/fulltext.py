"""Full-text matching on both backends: a parsed search (`domain.search_query`) with the other spellings of the
names in it, and the conditions that find the events matching it — SQLite's FTS5 index (`events_fts`),
PostgreSQL's GIN index over a weighted tsvector (migration 0006).

Both read `event_search`, the text kept by the write side for each event, in its search form
(`domain.words.search_form`: folded, in ASCII letters, stemmed) in three columns — the title, the summary and
the quotations — weighted in that order for the ranking. Both indexes take that text with their plain
tokenizers, so the same events match on either backend.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Exists, Select, func, literal_column, select, union, union_all

from relations_db.domain.search_query import Query, Term, fts_query, name_keys, parse, with_spellings
from relations_db.read.tables import AA, AC, ES, EV, FTS, PL, PLA, connection, one_of, param

if TYPE_CHECKING:

    from relations_db.read.tables import Database

def search_terms(db: Database, text: str) -> Query:
    """The parsed search (`domain.search_query.parse`: a UserError when the syntax is wrong), each wanted word
    or phrase that is the name or alias of an actor or place (`vlora`, `hrushov`) also matching the other
    spellings of that place or actor ("Vlorë", "Valona"), since sources print names differently (and an
    excluded name excludes them all)."""
    query = parse(text)
    keys = sorted({key for term in query.terms() for key in name_keys(term)})
    conn = connection(db)
    others: dict[str, set[str]] = defaultdict(set)
    for owner in ("actors", "places"):
        for key, spelling in conn.execute(spellings_statement(conn.dialect.name, owner, keys)):
            others[key].add(spelling)
    return with_spellings(query, others)


def spellings_statement(dialect: str, owner: str, keys: list[str]) -> Select[Any]:
    """(folded key, folded spelling): for each of `keys` that is the name or an alias of an actor (`owner`
    "actors") or a place ("places"), every name and alias of that actor or place."""
    table, aliases, owner_id = {"actors": (AC, AA, AA.c.actor_id), "places": (PL, PLA, PLA.c.place_id)}[owner]
    hit = union(select(table.c.id.label("owner"), table.c.name_folded.label("key"))
                .where(one_of(dialect, table.c.name_folded, "keys", keys)),
                select(owner_id, aliases.c.folded).where(one_of(dialect, aliases.c.folded, "keys", keys))
                ).subquery("hit")
    spelt = union_all(select(table.c.id.label("owner"), table.c.name_folded.label("spelling")),
                      select(owner_id, aliases.c.folded)).subquery("spelt")
    return select(hit.c.key, spelt.c.spelling).join(spelt, spelt.c.owner == hit.c.owner)


def pg_tsvector() -> ColumnElement[Any]:
    """The stored weighted tsvector of the search text that the GIN index covers (PostgreSQL only, 0006)."""
    return literal_column("event_search.search_vector")


def pg_tsquery(query: Query) -> ColumnElement[Any]:
    """The PostgreSQL twin of `fts_query`, as tsquery text (`'naval' <-> 'base'`, `'submarin':*`, `|`, `&`,
    `!`): the stems are letters and digits only, so the text is built here, flat, and parsed once."""
    def one(term: Term) -> str:
        lexemes = [f"'{s}'" for s in term.stems]
        if term.prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")"

    def any_of(terms: list[Term]) -> str:
        return "(" + " | ".join(one(t) for t in terms) + ")"

    parts = [any_of(g) for g in query.groups] + ([f"!{any_of(query.excluded)}"] if query.excluded else [])
    return func.to_tsquery(literal_column("'simple'"), " & ".join(parts))


def fts_match(terms: Query) -> ColumnElement[bool]:
    """The FTS5 condition (SQLite) that an indexed text contains every word of `terms` (bound as `match`, so
    that the fast path runs the same statement, compiled)."""
    return literal_column("events_fts").op("MATCH")(param("match", fts_query(terms)))


def matches(dialect: str, terms: Query) -> Select[Any]:
    """A select of the ids of the events whose search text contains every word of `terms`."""
    if dialect == "sqlite":
        return select(FTS.c.rowid).where(fts_match(terms))
    return select(ES.c.event_id).where(pg_tsvector().op("@@")(pg_tsquery(terms)))


def contains_words(dialect: str, terms: Query) -> Exists:
    """The same set as `matches`, as a condition on each event (correlated with `events`)."""
    if dialect == "sqlite":
        return select(FTS.c.rowid).where(fts_match(terms), FTS.c.rowid == EV.c.id).exists()
    return select(ES.c.event_id).where(ES.c.event_id == EV.c.id,
                                       pg_tsvector().op("@@")(pg_tsquery(terms))).exists()
