"""Text folding shared by every lookup, so SQLite and PostgreSQL match names the same way.

SQLite's `lower()` and `LIKE` fold ASCII only, so the folded form is computed here, in Python, stored in an
indexed column and compared with `=` or `LIKE` on both engines.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode does not decompose into base + combining mark, but that a reader treats as the base.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ı": "i",
                        "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ħ": "h", "ŧ": "t"})
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Grečko' → 'grecko', 'Vlorë' → 'vlore', collapsed white space."""
    # Imports fold millions of titles, so this is the fast way to `fold_whole`'s result: each of its steps
    # works character by character, so a non-ASCII character is folded once, remembered and substituted, and
    # the ASCII rest only needs lower(). Text with a character whose folded form lower() would change
    # (Cherokee: casefold gives capitals) takes the whole-text way.
    if not text.isascii():
        try:
            text = _NON_ASCII.sub(_folded_char, text)
        except _NotLowerStable:
            return fold_whole(text)
    return " ".join(text.lower().split())


def fold_whole(text: str) -> str:
    """`fold` by its definition: NFKD, combining marks dropped, casefold, white space collapsed."""
    return _SPACE.sub(" ", _unmarked(text)).strip()


def _unmarked(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_FOLDED: dict[str, str | None] = {}  # non-ASCII character → its folded form; None when lower() changes it


class _NotLowerStable(Exception):
    pass


def _folded_char(match: re.Match) -> str:
    ch = match.group()
    try:
        folded = _FOLDED[ch]
    except KeyError:
        folded = _unmarked(ch)
        folded = _FOLDED[ch] = folded if folded.lower() == folded else None
    if folded is None:
        raise _NotLowerStable
    return folded


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug for keys: 'Khrushchev visits Albania' → 'khrushchev-visits-albania'."""
    return slug_of_folded(fold(text), max_length)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_of_folded(folded: str, max_length: int = 80) -> str:
    """`slugify` of a text whose `fold` is `folded`. Since fold works character by character and then only
    collapses white space, which becomes '-' here with everything else that is not a letter or digit, the folds of
    a text's parts joined by a space give the same slug: the CSV import, which has folded each title already,
    slugs a date and title without folding them again."""
    slug = _NOT_SLUG.sub("-", folded).strip("-")
    return slug[:max_length].rstrip("-") or "event"
