"""Words as search stores and compares them: folded (case, accents), other scripts in ASCII letters, and cut to
their English stem, so that `submarine` finds "submarines" and `Хрущёв` finds "Khrushchev".

The search form of a text is its words of ASCII letters and digits, each stemmed, joined by one space. Both
backends index exactly that text with their plain tokenizers (FTS5 `unicode61`, PostgreSQL's 'simple'
configuration), which split it at the same spaces: so SQLite and PostgreSQL find the same events. Stemming
here, in Python, rather than with PostgreSQL's `english` configuration, is what makes the two agree (FTS5 has
no stemmer that matches PostgreSQL's). The stemmer is Snowball's English one (the algorithm PostgreSQL's own
`english` configuration uses) from PyStemmer, the Snowball project's C build: it imports in under a millisecond
and stems a word in 0.1 µs, where the pure-Python `snowballstemmer` takes 25 ms to import (every language) and
20 µs a word — a search is a new process, and an import stems millions of words. Imported only when a text is
stemmed.
"""

from __future__ import annotations

from typing import Any

from relations_db.domain.text import fold

_STEMMER: list[Any] = []  # the Snowball stemmer, made at the first word that is stemmed


class _Stems(dict[str, str]):
    """word → stem, memoised: a corpus repeats its words. A word with a digit
    ('1960s', '4512') is kept as it is, and not remembered: it is no English word, and numbers are mostly unique
    (an import of a million numbered titles would remember a million of them)."""

    def __missing__(self, word: str) -> str:
        if not word.isalpha():
            return word
        if not _STEMMER:
            import Stemmer  # type: ignore[import-not-found]  # (PyStemmer: a C extension without stubs)

            _STEMMER.append(Stemmer.Stemmer("english"))
        stemmed = self[word] = _STEMMER[0].stemWord(word)
        return stemmed


_STEMS = _Stems()


def ascii_folded(text: str) -> str:
    """`fold(text)` with the letters of other scripts spelled in ASCII ('Хрущёв' → 'khrushchev')."""
    folded = fold(text)
    if folded.isascii():
        return folded
    from anyascii import anyascii  # (only for text with letters outside ASCII)

    return " ".join(anyascii(folded).lower().split())


def stem(word: str) -> str:
    """The English stem of one folded ASCII word ('submarines' → 'submarin'), memoised; a word with a digit is
    kept as it is."""
    return _STEMS[word]


# Every byte that is not an ASCII letter or digit → a space: an import splits millions of titles into words, and
# bytes.translate and split do it in half the time of a regular expression.
_NOT_WORD = bytes.maketrans(bytes(range(256)), bytes(c if chr(c).isascii() and chr(c).isalnum() else 32
                                                     for c in range(256)))


def word_list(text: str) -> list[str]:
    """The words of `text` as search compares them: ASCII-folded (`ascii_folded`), split at everything not a
    letter or digit, not yet stemmed. (Of ASCII text, folding is lower(): the white space it collapses is gone.)"""
    plain = text.lower() if text.isascii() else ascii_folded(text)
    return plain.encode("ascii").translate(_NOT_WORD).decode("ascii").split()


def search_form(text: str | None) -> str:
    """What the index holds for `text`: its words stemmed, one space between ('Soviet submarines leave Vlorë'
    → 'soviet submarin leav vlore')."""
    # Imports stem millions of words, nearly all seen before: looked up in one C loop (`__missing__` for the rest).
    return " ".join(map(_STEMS.__getitem__, word_list(text))) if text else ""
