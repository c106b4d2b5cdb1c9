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
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", stripped.casefold()).strip()


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug for keys: 'Khrushchev visits Albania' → 'khrushchev-visits-albania'."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "event"
