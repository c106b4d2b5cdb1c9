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


# --- characters a terminal obeys instead of showing -----------------------------------------------------------
# C0 and C1 controls and DEL: ESC starts the sequences that set a window title, write the clipboard (OSC 52) or
# clear the screen; BEL, BS and CR rewrite what was shown. Tab and new line are text; a one-line field (a title,
# a name, a key, a locator) takes no line break either.
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
_FORBIDDEN_ONE_LINE = re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROLS if c != 0x09) + "]")
# (A carriage return is a line break in multi-line text, as files from Windows write it: kept, and shown.)
_FORBIDDEN_MULTI_LINE = re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROLS if c not in (9, 10, 13)) + "]")
# The bidirectional embeddings, overrides and isolates, which reorder the text around them on screen.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def shown(ch: str) -> str:
    """How a control character reads in a message or on a terminal: '\\x1b', '<U+202E>'."""
    return f"<U+{ord(ch):04X}>" if ch in BIDI_CONTROLS else f"\\x{ord(ch):02x}"


def control_problem(value: str, one_line: bool) -> str | None:
    """Why `value` cannot be stored as text, or None: the first control character it holds (other than tab, and
    new line in multi-line text), shown, with its line and column ('holds the control character \\x1b at line 1,
    column 5')."""
    found = (_FORBIDDEN_ONE_LINE if one_line else _FORBIDDEN_MULTI_LINE).search(value)
    if found is None:
        return None
    before = value[:found.start()]
    line, column = before.count("\n") + 1, found.start() - (before.rfind("\n") + 1) + 1
    allowed = "tab only: it is one line" if one_line else "tab and line breaks only"
    what = "a new line" if found.group() == "\n" else f"the control character {shown(found.group())}"
    return f"holds {what} at line {line}, column {column} ({allowed})"


def has_control(value: str) -> bool:
    """True if `value` holds a control character other than tab, a new line included: a quick test of many
    fields joined by tabs at once, before `control_problem` says which field and where."""
    return _FORBIDDEN_ONE_LINE.search(value) is not None


_VISIBLE = {c: shown(chr(c)) for c in _CONTROLS if c not in (0x09, 0x0A)} | {ord(ch): shown(ch) for ch in BIDI_CONTROLS}


def visible(value: str) -> str:
    """`value` safe to print on a terminal: each control character (tab and new line aside) and bidirectional
    override shown as an escape ('\\x1b', '<U+202E>') instead of being obeyed. Data files keep the text exact."""
    return value.translate(_VISIBLE)
