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
# A source as the seed format writes it, in this order.
SOURCE_FIELDS = ("key", "kind", "author", "title", "year", "container", "volume", "issue", "pages",
                 "publisher", "place", "url", "doi", "fund", "file", "note")
# A source as `sources --format json` prints it, in this order.
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

# --- claims: statements about an event, each with its evidence and rank ----------------------------------------

# What a claim says about its event. The relative kinds (before/after/during another event) are reserved for
# relative dating: the CHECK accepts them already, so adding them needs no new migration.
CLAIM_KINDS = ("occurred", "date", "participant", "place", "before", "after", "during")
# The kinds of which an event shows one value: the best-ranked claim wins (as in Wikidata).
SINGLE_VALUED_CLAIMS = ("date", "place")
# Best first: the preferred claims are shown, else the normal ones; a deprecated claim is never shown.
CLAIM_RANKS = ("preferred", "normal", "deprecated")
CLAIM_RANK_DEFAULT = "normal"
# How a citation speaks to a claim. A citation of the event with no link supports the event's own claims.
STANCES = ("supports", "disputes")
STANCE_DEFAULT = "supports"
# How `check` grades two best-ranked date claims with disjoint spans: an error while no side is preferred,
# information once a historian has ranked one side preferred (the disagreement is then recorded, not open).
DATE_CONFLICT_SEVERITY = "error"
DATE_CONFLICT_RANKED_SEVERITY = "info"


def rank_order(rank: str) -> int:
    """The position of a rank, best first (preferred 0, normal 1, deprecated 2)."""
    return CLAIM_RANKS.index(rank)
