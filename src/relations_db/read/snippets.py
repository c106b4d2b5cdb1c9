"""The snippet a search shows of each event it found: the line of its text holding most of the words, cut around
them, the words marked. Shared by the SQLAlchemy path (`read.search`) and the SQLite fast path: no SQLAlchemy."""

from __future__ import annotations

import re

from relations_db.domain.search_query import Query, Term
from relations_db.domain.words import stem, word_list

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
