"""Full-text matching on both backends: the words of a search with their other spellings, and the conditions
that find the events containing them — SQLite's FTS5 index (`events_fts`), PostgreSQL's GIN index over a
tsvector of the folded text (migration 0002).

Both read `event_search`, the text kept by the write side for each event (title, summary, quotations), folded
(case and accents), so that `vlore` finds "Vlorë" on either backend.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Exists, Select, func, literal_column, select

from relations_db.domain import vocab
from relations_db.domain.text import fold
from relations_db.errors import UserError
from relations_db.read.tables import AA, AC, ES, EV, FTS, PL, PLA, connection

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from relations_db.read.tables import Database

# What a word may carry around it without being part of the name it spells ("Vlora," "(Hoxha)").
_PUNCTUATION = ".,;:!?\"'()[]"


def search_terms(db: Database, text: str) -> list[list[str]]:
    """The user's words, folded, each with the other spellings of the actor or place it names.

    Every word must occur; a word that is a name or alias (`vlora`, `hrushov`) also matches the other
    spellings of that place or actor ("Vlorë", "Valona"), since sources print names differently.
    """
    words = [w for w in fold(text).split() if re.search(r"[^\W_]", w)]
    if not words:
        raise UserError(f"nothing to search for in {text!r}: give at least one word")
    if len(words) > vocab.SEARCH_WORDS_MAX:
        raise UserError(f"a search takes at most {vocab.SEARCH_WORDS_MAX} words (found {len(words)}): keep the "
                        "words that tell the events apart")
    others = _other_spellings(connection(db), {w.strip(_PUNCTUATION) for w in words})
    return [[w, *sorted(others.get(w.strip(_PUNCTUATION), set()) - {w})] for w in words]


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


def fts_query(terms: list[list[str]]) -> str:
    """An FTS5 query that punctuation cannot break: each spelling a quoted string (a phrase), the spellings
    of one word joined by OR, the words by AND."""
    def quoted(spelling: str) -> str:
        return '"' + spelling.replace('"', '""') + '"'

    groups = [quoted(g[0]) if len(g) == 1 else "(" + " OR ".join(quoted(x) for x in g) + ")" for g in terms]
    return " AND ".join(groups)


def pg_tsvector() -> ColumnElement[Any]:
    """The stored tsvector of the folded text that the GIN index covers (PostgreSQL only, migration 0002)."""
    return literal_column("event_search.search_vector")


def pg_tsquery(terms: list[list[str]]) -> ColumnElement[Any]:
    """The PostgreSQL twin of `fts_query`: phrases OR-ed (||) within a word, words AND-ed (&&)."""
    def phrase(spelling: str) -> ColumnElement[Any]:
        return func.phraseto_tsquery(literal_column("'simple'"), spelling)

    def any_of(group: list[str]) -> ColumnElement[Any]:
        return _balanced("||", [phrase(x) for x in group])

    return _balanced("&&", [any_of(g) for g in terms])


def _balanced(operator: str, parts: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    """`parts` joined by `operator` as a balanced tree: a chain a && b && c … nests one level per part, and
    compiling a few hundred levels exhausts Python's recursion limit; halves nest log2(n) levels."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return _balanced(operator, parts[:middle]).op(operator)(_balanced(operator, parts[middle:]))


def fts_match(terms: list[list[str]]) -> ColumnElement[bool]:
    """The FTS5 condition (SQLite) that an indexed text contains every word of `terms`."""
    return literal_column("events_fts").match(fts_query(terms))


def matches(conn: Connection, terms: list[list[str]]) -> Select[Any]:
    """A select of the ids of the events whose search text contains every word of `terms`."""
    if conn.dialect.name == "sqlite":
        return select(FTS.c.rowid).where(fts_match(terms))
    return select(ES.c.event_id).where(pg_tsvector().op("@@")(pg_tsquery(terms)))


def contains_words(conn: Connection, terms: list[list[str]]) -> Exists:
    """The same set as `matches`, as a condition on each event (correlated with `events`)."""
    if conn.dialect.name == "sqlite":
        return select(FTS.c.rowid).where(fts_match(terms), FTS.c.rowid == EV.c.id).exists()
    return select(ES.c.event_id).where(ES.c.event_id == EV.c.id,
                                       pg_tsvector().op("@@")(pg_tsquery(terms))).exists()
