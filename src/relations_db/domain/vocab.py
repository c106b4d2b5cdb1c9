"""The vocabulary: every kind, range, label, field list and similarity rule, defined once.

The schema's CHECK constraints, the validators of the write side and of the importers, the CLI's choices,
the audit and the HTML page all read these names; nothing else spells them out. Migrations are the one
exception: each keeps the literal lists of its own time, so that an old migration means what it meant when it
was written. Adding a kind is therefore two steps: the tuple here, and a new migration that re-declares the
CHECK (tests/test_vocab.py compares a database at head with what `store.schema` renders from this module).

Pure Python: importing this module costs nothing at start-up.
"""

from __future__ import annotations

import difflib
import re

# --- kinds ------------------------------------------------------------------------------------------------

EVENT_KINDS = ("event", "meeting", "agreement")
ACTOR_KINDS = ("person", "state", "party", "government", "military", "organisation")
SOURCE_KINDS = ("book", "article", "chapter", "archive", "newspaper", "memoir", "report", "web", "other")
# The CSL type of each kind (what Zotero, pandoc and citeproc call it): an archive file is a manuscript with
# archive fields; a memoir is a book.
KIND_TO_CSL_TYPE = {"book": "book", "article": "article-journal", "chapter": "chapter", "archive": "manuscript",
                    "newspaper": "article-newspaper", "memoir": "book", "report": "report", "web": "webpage",
                    "other": "document"}
# The kind of an imported CSL type (a type not named here is `other`; `domain.csl.kind_of` makes a manuscript
# held by an archive an `archive`). The CSL type itself is kept beside the kind.
KIND_OF_CSL_TYPE = {"book": "book", "article-journal": "article", "article-magazine": "article",
                    "article": "article", "review": "article", "review-book": "article", "chapter": "chapter",
                    "entry-encyclopedia": "chapter", "entry-dictionary": "chapter", "paper-conference": "chapter",
                    "article-newspaper": "newspaper", "report": "report", "webpage": "web", "post": "web",
                    "post-weblog": "web"}
# The roles of a source's creators, as CSL names them, in the order they are written.
CREATOR_ROLES = ("author", "editor", "translator", "container-author", "collection-editor", "editorial-director",
                 "reviewed-author", "original-author", "recipient", "interviewer", "illustrator", "composer",
                 "director", "chair", "compiler", "contributor", "curator", "organizer", "performer", "producer",
                 "series-creator")

# The fields that only a meeting or an agreement has (a sub-mapping of that name in the seed format), with the
# column each is stored in.
EVENT_DETAILS = {"meeting": ("meeting_format", "outcome"), "agreement": ("status", "subject")}
DETAIL_FIELDS = {"meeting_format": "format", "outcome": "outcome", "status": "status", "subject": "subject"}

# --- ranges -----------------------------------------------------------------------------------------------

TONE_MIN, TONE_MAX = -10, 10
TONE_MEANING = "-10 hostile … 10 cooperative"
CONFIDENCE_MIN, CONFIDENCE_MAX, CONFIDENCE_DEFAULT = 0, 4, 2
# The Gramps scale: how sure a citation is that its source says what it is cited for.
CONFIDENCE_LABELS = ("very low", "low", "normal", "high", "very high")
CONFIDENCE_MEANING = ", ".join(f"{n} {label}" for n, label in enumerate(CONFIDENCE_LABELS))


def confidence_label(confidence: object) -> str | None:
    """The word for a confidence grade ('high' for 3), or None when it is not a grade of the scale."""
    if isinstance(confidence, int) and not isinstance(confidence, bool) and 0 <= confidence < len(CONFIDENCE_LABELS):
        return CONFIDENCE_LABELS[confidence]
    return None


# How a (mean) tone reads, from the most hostile up: below each limit, its word; at or above the last, "close".
TONE_WORDS = ((-5.0, "hostile"), (-1.5, "tense"), (1.5, "mixed"), (5.0, "friendly"))
TONE_TOP_WORD = "close"


def tone_word(tone: float | None) -> str:
    """How a tone reads: 'hostile', 'tense', 'mixed', 'friendly', 'close' (or '' when none)."""
    if tone is None:
        return ""
    for limit, word in TONE_WORDS:
        if tone < limit:
            return word
    return TONE_TOP_WORD


# --- field lists ------------------------------------------------------------------------------------------

# A source's free-text fields besides its kind, title, key and year (what `add source` takes).
SOURCE_TEXT_FIELDS = ("author", "container", "volume", "issue", "pages", "publisher", "place", "url", "doi",
                      "fund", "file", "note")
# The fields of a source modelled on CSL-JSON's variables (migration 0008), besides those above: the CSL type
# when finer than the kind's, dates as EDTF text, and the rest as text (`domain.csl.CSL_VARIABLES` names the
# CSL variable of each). `extra` (a JSON object) keeps imported fields that CSL has no variable for.
SOURCE_CSL_FIELDS = ("csl_type", "issued", "accessed", "collection", "genre", "edition", "number", "isbn", "issn",
                     "language", "archive", "archive_place", "archive_location")
# A source as the seed format writes it (version 1 and 2: `SOURCE_FIELDS_V2`), in this order. From version 4
# the names are `creators` (a list) and the date `issued`; `author` and `year` are still read.
SOURCE_FIELDS_V2 = ("key", "kind", "author", "title", "year", "container", "volume", "issue", "pages",
                    "publisher", "place", "url", "doi", "fund", "file", "note")
SOURCE_FIELDS = ("key", "kind", "csl_type", "creators", "author", "title", "year", "issued", "accessed",
                 "container", "collection", "genre", "edition", "volume", "issue", "pages", "number",
                 "publisher", "place", "url", "doi", "isbn", "issn", "language", "archive", "archive_place",
                 "archive_location", "fund", "file", "note", "extra")
# A source as `sources --format json` prints it, in this order (and `csl`, its CSL-JSON item).
SOURCE_LIST_FIELDS = ("key", "kind", "author", "title", "year", "publisher", "url", "short", "container",
                      "volume", "issue", "pages", "place", "doi", "fund", "file", "note")

# The text fields that may hold new lines; every other text field is one line (see `text.control_problem`).
MULTI_LINE_FIELDS = frozenset({"summary", "tone_note", "quote", "note", "outcome", "subject", "description"})

# --- keys and slugs ---------------------------------------------------------------------------------------

# A key (of a source) or a slug (of an event): lower-case letters, digits and hyphens, starting with a letter
# or digit, so that it can be typed in a shell and used in a URL unchanged.
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_MAX_LENGTH = 120


def valid_key(value: str) -> bool:
    """Whether `value` can serve as a source key or an event slug."""
    return bool(KEY_PATTERN.match(value)) and len(value) <= KEY_MAX_LENGTH


def valid_slug(value: str) -> bool:
    """Whether `value` can serve as an event slug: a key that is not all digits, since `show 12` means the
    event whose id is 12 and could never reach an event slugged '12'."""
    return valid_key(value) and not value.isdigit()


def is_name(text: str) -> bool:
    """Whether `text` can name an actor or a place: it holds a letter or a digit (':' or '-' alone names
    nothing, and an actor named ':' could not be told from the NAME:ROLE form)."""
    return any(ch.isalnum() for ch in text)


SLUG_RULE = (f"a slug is lower-case letters, digits and hyphens (at most {KEY_MAX_LENGTH}), not digits alone "
             "(those name an event by its id)")

# --- bounds on what a reader asks ----------------------------------------------------------------------------

# The largest LIMIT both SQLite and PostgreSQL take (a signed 64-bit integer); beyond it SQLite overflows.
LIMIT_MAX = 2**63 - 1
# The most words a search may have: each word is a condition of the full-text query, and no real search
# needs more (a pasted page is refused with a message rather than building a query without end).
SEARCH_WORDS_MAX = 64


# --- likely duplicates ------------------------------------------------------------------------------------
# Two rules, kept as they were written (the add-time one and the audit's); they are to become one.

ADD_TITLE_RATIO = 0.8
AUDIT_TITLE_RATIO = 0.85
AUDIT_WORD_OVERLAP = 0.7
TITLE_STOP_WORDS = frozenset("a an the of in on at to and for with by from".split())
_TITLE_WORD = re.compile(r"[a-z0-9]+")


def similar_title_on_add(folded_a: str, folded_b: str) -> bool:
    """The add-time rule: two folded titles (`text.fold`) of events on the same dates are nearly the same text."""
    return difflib.SequenceMatcher(None, folded_a, folded_b).ratio() >= ADD_TITLE_RATIO


def similar_title_in_audit(folded_a: str, folded_b: str) -> bool:
    """The audit's rule: two folded titles read as the same event — nearly the same text, or mostly the same
    words (stop words aside)."""
    if difflib.SequenceMatcher(None, folded_a, folded_b).ratio() >= AUDIT_TITLE_RATIO:
        return True
    wa = {w for w in _TITLE_WORD.findall(folded_a) if w not in TITLE_STOP_WORDS}
    wb = {w for w in _TITLE_WORD.findall(folded_b) if w not in TITLE_STOP_WORDS}
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= AUDIT_WORD_OVERLAP


# --- the audit and the timeline ---------------------------------------------------------------------------

SEVERITIES = ("error", "warning", "info")
PERIODS = ("year", "month")
