"""Forgiving name matching: which actor (or place) a misspelt, shortened or transliterated name most likely means.

A name is compared by its words in ASCII (`words.word_list`: folded, other scripts spelled in Latin letters by
`anyascii`, so 'Хрущёв' is 'khrushchev'), with every spelling of every record (its canonical name and each
alias), as a whole and word by word (so that 'Nikita' finds "Nikita Khrushchev"). The score is `rapidfuzz`'s
`fuzz.ratio` (0–100), taken also over the names without the `h` that transliterations add or drop after a
consonant ('Kruschev', 'Krushchev', 'Khruschev' all read 'kruscev'). Each record keeps its best spelling.

Only the read commands use a forgiving match, and only when a name matches nothing exactly (`vocab` holds the
thresholds): one clear best record is taken, with a notice; otherwise the records are listed. Writes and
imports never guess: they refuse with the same list as "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from relations_db.domain import vocab
from relations_db.domain.words import word_list

_H_AFTER_CONSONANT = re.compile(r"(?<=[bcdfgjklmnpqrstvwxz])h")


@dataclass(frozen=True)
class Match:
    """A record a name may mean: its id, canonical name, the spelling that matched best and the score."""

    id: int
    name: str
    spelling: str
    score: float

    def shown(self) -> str:
        """'Nikita Khrushchev' or, when another spelling matched, "'Nikita Khrushchev' (as 'Hrushov')"."""
        return repr(self.name) + (f" (as {self.spelling!r})" if self.spelling != self.name else "")


def name_key(text: str) -> str:
    """The words of a name as compared: ASCII, folded, punctuation gone ('N. Khrushchev' → 'n khrushchev')."""
    return " ".join(word_list(text))


def _variants(key: str) -> tuple[str, str]:
    return key, _H_AFTER_CONSONANT.sub("", key)


def score(query: str, spelling: str) -> float:
    """How well the name key `query` matches the spelling key `spelling`, 0–100: the best `fuzz.ratio` of the
    whole spelling or any of its words (of 3 letters or more), as written or without the h after a consonant."""
    from rapidfuzz import fuzz  # (only when a name is not known exactly)

    if not query or not spelling:
        return 0.0
    as_written, without_h = _variants(query)
    best = 0.0
    for target in [spelling, *(w for w in spelling.split() if len(w) >= 3 and w != spelling)]:
        target_written, target_without_h = _variants(target)
        best = max(best, fuzz.ratio(as_written, target_written), fuzz.ratio(without_h, target_without_h))
    return best


def rank(query: str, spellings: Iterable[tuple[int, str, str]]) -> list[Match]:
    """Records by how well `query` matches them, best first: `spellings` are (id, canonical name, spelling),
    the canonical name being one of the spellings; each record appears once, with its best spelling."""
    key = name_key(query)
    best: dict[int, Match] = {}
    for record_id, name, spelling in spellings:
        found = score(key, name_key(spelling))
        if record_id not in best or found > best[record_id].score or (
                found == best[record_id].score and spelling == name):
            best[record_id] = Match(record_id, name, spelling, found)
    return sorted(best.values(), key=lambda m: (-m.score, m.name))


def clear_best(matches: list[Match]) -> Match | None:
    """The one record a forgiving match takes: scoring at least `vocab.NAME_MATCH_MIN` and at least
    `vocab.NAME_MATCH_LEAD` points ahead of any other; None when there is no such record."""
    if not matches or matches[0].score < vocab.NAME_MATCH_MIN:
        return None
    if len(matches) > 1 and matches[0].score - matches[1].score < vocab.NAME_MATCH_LEAD:
        return None
    return matches[0]


def contenders(matches: list[Match]) -> list[Match]:
    """The records a name could mean when none is clearly best: those within the lead of the best, when the
    best scores at least `vocab.NAME_MATCH_MIN` (an ambiguity), else none."""
    if not matches or matches[0].score < vocab.NAME_MATCH_MIN:
        return []
    return [m for m in matches if matches[0].score - m.score < vocab.NAME_MATCH_LEAD]


def did_you_mean(matches: list[Match], most: int = 5) -> str:
    """'; did you mean 'Nikita Khrushchev' (as 'Hrushov'), …?' for the records scoring at least
    `vocab.NAME_SUGGEST_MIN` (one entry per record, never one per alias), or ''."""
    close = [m for m in matches if m.score >= vocab.NAME_SUGGEST_MIN][:most]
    return f"; did you mean {', '.join(m.shown() for m in close)}?" if close else ""
