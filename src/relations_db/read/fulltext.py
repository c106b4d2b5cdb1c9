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

from sqlalchemy import ColumnElement, Exists, Select, func, literal_column, select

from relations_db.domain.search_query import Query, Term, parse
from relations_db.domain.text import fold
from relations_db.domain.words import search_form
from relations_db.read.tables import AA, AC, ES, EV, FTS, PL, PLA, connection

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from relations_db.read.tables import Database

# What a word may carry around it without being part of the name it spells ("Vlora," "(Hoxha)").
_PUNCTUATION = ".,;:!?\"'()[]"


def search_terms(db: Database, text: str) -> Query:
    """The parsed search (`domain.search_query.parse`: a UserError when the syntax is wrong), each wanted word
    or phrase that is the name or alias of an actor or place (`vlora`, `hrushov`) also matching the other
    spellings of that place or actor ("Vlorë", "Valona"), since sources print names differently (and an
    excluded name excludes them all)."""
    query = parse(text)
    names = {term: _name_keys(term) for term in query.terms()}
    others = _other_spellings(connection(db), {key for keys in names.values() for key in keys})
    for group in [*query.groups, query.excluded]:
        seen = {t.stems for t in group}
        for term in list(group):
            for spelling in sorted({s for key in names[term] for s in others.get(key, ())}):
                stems = tuple(search_form(spelling).split())
                if stems and stems not in seen:
                    seen.add(stems)
                    group.append(Term(stems, False, spelling))
    return query


def _name_keys(term: Term) -> set[str]:
    """The folded forms under which a wanted term may be stored as a name or alias ('vlora', 'n. khrushchev')."""
    return set() if term.prefix else {fold(term.shown).strip(_PUNCTUATION), " ".join(term.words)}


def _other_spellings(conn: Connection, keys: set[str]) -> dict[str, set[str]]:
    """folded word → every folded spelling of the actors and places it is a name or alias of."""
    found: dict[str, set[str]] = defaultdict(set)
    for owner, owner_folded, alias, alias_owner in ((AC, AC.c.name_folded, AA, AA.c.actor_id),
                                                    (PL, PL.c.name_folded, PLA, PLA.c.place_id)):
        hits: dict[int, set[str]] = defaultdict(set)
        for row in conn.execute(select(owner.c.id, owner_folded).where(owner_folded.in_(keys))):
            hits[row[0]].add(row[1])
        for row in conn.execute(select(alias_owner, alias.c.folded).where(alias.c.folded.in_(keys))):
            hits[row[0]].add(row[1])
        if not hits:
            continue
        spellings: dict[int, set[str]] = defaultdict(set)
        for row in conn.execute(select(owner.c.id, owner_folded).where(owner.c.id.in_(hits))):
            spellings[row[0]].add(row[1])
        for row in conn.execute(select(alias_owner, alias.c.folded).where(alias_owner.in_(hits))):
            spellings[row[0]].add(row[1])
        for owner_id, keys_hit in hits.items():
            for key in keys_hit:
                found[key] |= spellings[owner_id]
    return found


def fts_query(query: Query) -> str:
    """The FTS5 query of a parsed search: each term a quoted phrase of stems (`"submarin"`, `"naval base"`,
    `"submarin"*`), the terms of a group joined by OR, the groups by AND, the excluded terms after NOT. Flat:
    one level of parentheses whatever the number of words."""
    def quoted(term: Term) -> str:
        return '"' + " ".join(term.stems) + '"' + ("*" if term.prefix else "")

    def any_of(terms: list[Term]) -> str:
        return quoted(terms[0]) if len(terms) == 1 else "(" + " OR ".join(quoted(t) for t in terms) + ")"

    wanted = " AND ".join(any_of(g) for g in query.groups)
    return f"({wanted}) NOT {any_of(query.excluded)}" if query.excluded else wanted


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
    """The FTS5 condition (SQLite) that an indexed text contains every word of `terms`."""
    return literal_column("events_fts").match(fts_query(terms))


def matches(conn: Connection, terms: Query) -> Select[Any]:
    """A select of the ids of the events whose search text contains every word of `terms`."""
    if conn.dialect.name == "sqlite":
        return select(FTS.c.rowid).where(fts_match(terms))
    return select(ES.c.event_id).where(pg_tsvector().op("@@")(pg_tsquery(terms)))


def contains_words(conn: Connection, terms: Query) -> Exists:
    """The same set as `matches`, as a condition on each event (correlated with `events`)."""
    if conn.dialect.name == "sqlite":
        return select(FTS.c.rowid).where(fts_match(terms), FTS.c.rowid == EV.c.id).exists()
    return select(ES.c.event_id).where(ES.c.event_id == EV.c.id,
                                       pg_tsvector().op("@@")(pg_tsquery(terms))).exists()
