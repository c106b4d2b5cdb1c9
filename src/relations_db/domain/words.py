"""Words as search stores and compares them: folded (case, accents), other scripts in ASCII letters, and cut to
their English stem, so that `submarine` finds "submarines" and `Хрущёв` finds "Khrushchev".

The search form of a text is its words of ASCII letters and digits, each stemmed, joined by one space. Both
backends index exactly that text with their plain tokenizers (FTS5 `unicode61`, PostgreSQL's 'simple'
configuration), which split it at the same spaces: so SQLite and PostgreSQL find the same events. Stemming
here, in Python, rather than with PostgreSQL's `english` configuration, is what makes the two agree (FTS5 has
no stemmer that matches PostgreSQL's), and the stemmer is Snowball's English one (`snowballstemmer`, the
algorithm PostgreSQL's own `english` configuration uses), pure Python, imported only when a text is stemmed.
"""

from __future__ import annotations

import re
from typing import Any

from relations_db.domain.text import fold

_WORD = re.compile(r"[a-z0-9]+")
_STEMS: dict[str, str] = {}  # word → stem: a text's words repeat across a corpus, stemming each is ~20 µs
_STEMMER: list[Any] = []  # the Snowball stemmer, made at the first word that is not in _STEMS


def ascii_folded(text: str) -> str:
    """`fold(text)` with the letters of other scripts spelled in ASCII ('Хрущёв' → 'khrushchev')."""
    folded = fold(text)
    if folded.isascii():
        return folded
    from anyascii import anyascii  # (only for text with letters outside ASCII)

    return " ".join(anyascii(folded).lower().split())


def stem(word: str) -> str:
    """The English stem of one folded ASCII word ('submarines' → 'submarin'), memoised."""
    try:
        return _STEMS[word]
    except KeyError:
        pass
    if not _STEMMER:
        import snowballstemmer  # type: ignore[import-untyped]  # (no stubs, no py.typed)

        _STEMMER.append(snowballstemmer.stemmer("english"))
    stemmed = _STEMS[word] = _STEMMER[0].stemWord(word)
    return stemmed


def word_list(text: str) -> list[str]:
    """The words of `text` as search compares them: ASCII-folded, split at everything not a letter or digit,
    not yet stemmed."""
    return _WORD.findall(ascii_folded(text))


def search_form(text: str | None) -> str:
    """What the index holds for `text`: its words stemmed, one space between ('Soviet submarines leave Vlorë'
    → 'soviet submarin leav vlore')."""
    if not text:
        return ""
    return " ".join([stem(w) for w in word_list(text)])
