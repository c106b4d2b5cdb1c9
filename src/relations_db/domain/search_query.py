"""The search syntax: what a user types after `search` (or `--search`) and what it asks for.

    naval base          both words (in any order, anywhere in the event's text)
    Hoxha OR Shehu      either word (OR in capitals, between two terms)
    "naval base"        the words side by side, in this order
    submarine*          any word starting so
    -Yugoslavia         no event whose text has this word (also -"a phrase")

Every word is compared by its stem (`words.search_form`): `submarine` finds "submarines". A mistake in the
syntax is a `UserError` with a one-line message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from relations_db.domain import vocab
from relations_db.domain.words import stem, word_list
from relations_db.errors import UserError

# A term: a quoted phrase (its closing quote optional, so that it can be reported), or a run of other characters.
_TOKEN = re.compile(r'(-?)"([^"]*)("?)|(\S+)')


@dataclass(frozen=True)
class Term:
    """One thing to find: its stemmed words side by side (one word or a phrase), the last as a prefix when
    `prefix`; `shown` is how the user wrote it (for messages)."""

    stems: tuple[str, ...]
    prefix: bool = False
    shown: str = ""
    words: tuple[str, ...] = ()  # the words before stemming (folded, ASCII)


@dataclass
class Query:
    """A parsed search: every group must match (a group is its terms OR-ed), no `excluded` term may."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def terms(self) -> list[Term]:
        """Every term, wanted or excluded."""
        return [t for g in self.groups for t in g] + self.excluded


def _term(text: str, *, phrase: bool) -> Term | None:
    """The term a word or a quoted phrase spells, or None when it has no letter or digit."""
    prefix = not phrase and text.endswith("*")
    words = word_list(text.rstrip("*") if prefix else text)
    if not words:
        return None
    stems = [stem(w) for w in words]
    if prefix:
        # The prefix as the index holds it: what the typed word and its stem share ('submarine*': 'submarin').
        stems[-1] = os.path.commonprefix([words[-1], stems[-1]]) or words[-1]
    return Term(tuple(stems), prefix, text, tuple(words))


def parse(text: str) -> Query:
    """The query that `text` spells (see the module's help), or a UserError saying what is wrong with it."""
    query, pending_or, words = Query(), False, 0
    for match in _TOKEN.finditer(text):
        negated, quoted, closed, bare = match.groups()
        if bare == "OR":
            if not query.groups or pending_or:
                raise UserError(f"OR needs a word on each side (in {text!r})")
            pending_or = True
            continue
        if quoted is not None and not closed:
            raise UserError(f"the phrase {match.group().lstrip('-')!r} has no closing quote (\")")
        excluded = bool(negated) or (bare is not None and bare.startswith("-") and len(bare) > 1)
        source = quoted if quoted is not None else bare.lstrip("-") if excluded else bare
        term = _term(source, phrase=quoted is not None)
        if term is None:
            continue
        words += len(term.stems)
        if excluded:
            if pending_or:
                raise UserError(f"OR cannot join an excluded word ({match.group()!r})")
            query.excluded.append(term)
        elif pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    if pending_or:
        raise UserError(f"OR needs a word on each side (in {text!r})")
    if words > vocab.SEARCH_WORDS_MAX:
        raise UserError(f"a search takes at most {vocab.SEARCH_WORDS_MAX} words (found {words}): keep the "
                        "words that tell the events apart")
    if not query.groups:
        what = "a word to find, not only words to leave out" if query.excluded else "at least one word"
        raise UserError(f"nothing to search for in {text!r}: give {what}")
    return query


# --- other spellings, and the FTS5 text of a query --------------------------------------------------------------

# What a word may carry around it without being part of the name it spells ("Vlora," "(Hoxha)").
_PUNCTUATION = ".,;:!?\"'()[]"


def name_keys(term: Term) -> set[str]:
    """The folded forms under which a wanted term may be stored as a name or alias ('vlora', 'n. khrushchev')."""
    from relations_db.domain.text import fold

    return set() if term.prefix else {fold(term.shown).strip(_PUNCTUATION), " ".join(term.words)}


def with_spellings(query: Query, others: dict[str, set[str]]) -> Query:
    """`query` with each term that is the name or alias of an actor or place also matching the other spellings
    of that actor or place (`others`: folded name → every folded spelling of what it names), in each group and
    among the excluded terms (an excluded name excludes them all)."""
    from relations_db.domain.words import search_form

    for group in [*query.groups, query.excluded]:
        seen = {t.stems for t in group}
        for term in list(group):
            for spelling in sorted({s for key in name_keys(term) for s in others.get(key, ())}):
                stems = tuple(search_form(spelling).split())
                if stems and stems not in seen:
                    seen.add(stems)
                    group.append(Term(stems, False, spelling))
    return query


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


# --- the order of ranked matches --------------------------------------------------------------------------------


def title_hits(query: Query, title_terms: str) -> int:
    """How many of the search's groups the event's title (its search form) holds: a term as a whole word, a
    phrase as words side by side, a prefix at a word's start."""
    padded = f" {title_terms} "
    return sum(any(f" {' '.join(t.stems)}{'' if t.prefix else ' '}" in padded for t in group)
               for group in query.groups)


def rank_key(query: Query, event_id: int, score: float, start_day: int | None,
             title_terms: str) -> tuple[int, int, float, bool, int, int]:
    """Where a match goes among the ranked ones: first the events whose titles hold more of the search's groups,
    then (among those whose titles hold some) the titles with fewer other words, then the backend's score (bm25
    or ts_rank, lower first: both weigh the title above the summary above the quotations, and a match in a
    shorter text above one in a longer), then the date (an open start first), then the id."""
    hits = title_hits(query, title_terms)
    length = title_terms.count(" ") if hits else 0
    return (-hits, length, score, start_day is not None, start_day or 0, event_id)
