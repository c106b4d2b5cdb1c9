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

from relations_db.domain.text import fold
from relations_db.domain.words import search_form

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

# An event's type is free text, and may be missing: many events have no obvious type. A missing type is stored as
# NULL (JSON null, an empty CSV cell) and read to a person as this word; `check` lists such events as info.
UNCLASSIFIED = "unclassified"


def type_label(type_: str | None) -> str:
    """An event's type as a person reads it: the type, or 'unclassified' when it has none."""
    return type_ if type_ else UNCLASSIFIED


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

# A source as the bibliography writers read it (`read.bibliography`), its id first.
SOURCE_RECORD_FIELDS = ("id", "short", *SOURCE_FIELDS_V2, *SOURCE_CSL_FIELDS, "extra")

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


# --- names that match nothing exactly (domain/names.py) -----------------------------------------------------------

# A read command takes the one record a misspelt or transliterated name scores at least NAME_MATCH_MIN for
# (rapidfuzz's 0–100), when it is at least NAME_MATCH_LEAD points ahead of any other; "did you mean" lists the
# records scoring at least NAME_SUGGEST_MIN.
NAME_MATCH_MIN = 90
NAME_MATCH_LEAD = 10
NAME_SUGGEST_MIN = 60


# --- likely duplicates ------------------------------------------------------------------------------------
# One rule, used by `add event` / `edit event` (refused unless forced) and by `check --rule duplicate-event`:
# two events whose dates overlap and whose titles read as the same event (`similar_titles`).

DUPLICATE_TITLE_RATIO = 0.85  # nearly the same text (a typo, a changed letter)
DUPLICATE_WORD_OVERLAP = 0.7  # mostly the same words, in any order
DUPLICATE_SHORTENED_WORDS = 3  # a shortened title: the shorter's words (at least this many) lead the other,
# or are one of its clauses (the parts between ; : , ( ) and dashes)
_CLAUSE_BREAK = re.compile(r"[;:,()\[\]\u2013\u2014]| - ")
# A title word is a blocking key of the audit when at most this many titles hold it: a rare word (a name, a
# place) tells events apart, while comparing every pair of events sharing "visit" would take hours.
DUPLICATE_RARE_TITLES = 100
TITLE_STOP_WORDS = frozenset("a an the of in on at to and for with by from s".split())


def title_words(title: str) -> frozenset[str]:
    """The words of a title that say what happened: stemmed (`words.search_form`), stop words left out."""
    return title_words_of_form(search_form(title))


def title_words_of_form(form: str) -> frozenset[str]:
    """`title_words` of a title whose search form is `form` (as `event_search.title_terms` stores it)."""
    return frozenset(form.split()) - TITLE_STOP_WORDS


def _title_word_list(title: str) -> list[str]:
    return [w for w in search_form(title).split() if w not in TITLE_STOP_WORDS]


def _shortened(shorter: str, longer: str) -> bool:
    """Whether `longer` starts with the words of `shorter` (in any order) or has them as one clause."""
    words = title_words(shorter)
    if len(words) < DUPLICATE_SHORTENED_WORDS:
        return False
    if frozenset(_title_word_list(longer)[:len(words)]) == words:
        return True
    return any(title_words(clause) == words for clause in _CLAUSE_BREAK.split(longer))


def similar_titles(title_a: str, title_b: str, words_a: frozenset[str] | None = None,
                   words_b: frozenset[str] | None = None) -> bool:
    """Whether two titles (of events on overlapping dates) read as the same event: one is the other shortened
    (the shorter's words, at least three, lead the longer or are one of its clauses: "Bucharest meeting of
    communist parties" and "Bucharest meeting of communist parties; Albania refuses to condemn the Chinese
    party"), the same words reordered (most words shared), or nearly the same text. Word forms, case and
    accents do not count; `words_a` / `words_b` are `title_words` of each when the caller has them."""
    wa = title_words(title_a) if words_a is None else words_a
    wb = title_words(title_b) if words_b is None else words_b
    shared = len(wa & wb)
    if not shared:
        return False
    if shared == min(len(wa), len(wb)) and (_shortened(title_a, title_b) if len(wa) <= len(wb)
                                            else _shortened(title_b, title_a)):
        return True
    if shared / len(wa | wb) >= DUPLICATE_WORD_OVERLAP:
        return True
    return difflib.SequenceMatcher(None, fold(title_a), fold(title_b)).ratio() >= DUPLICATE_TITLE_RATIO


# --- the audit and the timeline ---------------------------------------------------------------------------

SEVERITIES = ("error", "warning", "info")

# The audit's rules as (id, severity, what a finding of it is), in the order of the report within a severity.
# `analysis.audit` registers one check for each (by id); `check --help` and `--rule` read this table, which
# imports nothing, so that the help is written without loading the audit (SQLAlchemy, the ORM).
# How `check` grades two best-ranked date claims with disjoint spans: an error while no side is preferred,
# information once a historian has ranked one side preferred (the disagreement is then recorded, not open).
DATE_CONFLICT_SEVERITY = "error"
DATE_CONFLICT_RANKED_SEVERITY = "info"
RELATIVE_CONFLICT_SEVERITY = "error"
RELATIVE_CONFLICT_RANKED_SEVERITY = "info"
AUDIT_RULES = (
    ("event-uncited", "error", "an event with no citation"),
    ("interval-reversed", "error", "an event whose stored end is before its start"),
    ("date-out-of-step", "error", "an event whose stored start/end/precision do not follow from its date"),
    ("duplicate-event", "warning", "two events on overlapping dates with similar titles"),
    ("participant-no-role", "warning", "an actor in an event without a role"),
    ("citation-no-quote", "warning", "a citation with no quotation"),
    ("cited-as-mismatch", "warning", "an in-text citation whose name or year is not the linked source's"),
    ("cited-as-unreferenced", "warning", "an in-text citation that names no source in the database"),
    ("source-before-event", "warning", "a source dated before the event it is cited for"),
    ("source-uncited", "info", "a source no citation uses"),
    ("archive-unlocated", "warning", "an archive source with neither fund nor file"),
    ("event-unclassified", "info", "an event without a type"),
    ("actor-unused", "info", "an actor who takes part in no event"),
    ("alias-shared", "error", "one spelling that names two actors (or two places)"),
    ("date-conflict", DATE_CONFLICT_SEVERITY, "sources disagree on an event's date and none is ranked preferred"),
    ("date-conflict-ranked", DATE_CONFLICT_RANKED_SEVERITY, "sources disagree on an event's date, and one side is "
                                                            "ranked preferred"),
    ("relative-conflict", RELATIVE_CONFLICT_SEVERITY, "relative claims (before, after, during) that contradict the "
                                                      "recorded dates or each other"),
    ("relative-conflict-ranked", RELATIVE_CONFLICT_RANKED_SEVERITY, "relative claims that contradict the dates or "
                                                                    "each other, one of them ranked preferred"),
    ("claim-disputed", "warning", "a participant or place claim that a citation disputes, with neither side ranked"),
    ("single-citation", "info", "an event resting on a single citation"),
    ("second-hand", "info", "an event known only second-hand: every citation is quoted in another work"),
    ("claims-out-of-step", "error", "an event whose stored date, days, disputed flag or place do not follow from "
                                    "its claims"),
)
PERIODS = ("year", "month")

# --- claims: statements about an event, each with its evidence and rank ----------------------------------------

# What a claim says about its event. The relative kinds date it against another event (migration 0010).
CLAIM_KINDS = ("occurred", "date", "participant", "place", "before", "after", "during")
# before B: the event ends no later than B starts (the same day allowed); after B the reverse; during B: within
# B's span. A before/after claim may bound the gap with at_least/at_most durations.
RELATIVE_CLAIMS = ("before", "after", "during")
# The kinds of which an event shows one value: the best-ranked claim wins (as in Wikidata).
SINGLE_VALUED_CLAIMS = ("date", "place")
# Best first: the preferred claims are shown, else the normal ones; a deprecated claim is never shown.
CLAIM_RANKS = ("preferred", "normal", "deprecated")
CLAIM_RANK_DEFAULT = "normal"
# How a citation speaks to a claim. A citation of the event with no link supports the event's own claims.
STANCES = ("supports", "disputes")
STANCE_DEFAULT = "supports"


def rank_order(rank: str) -> int:
    """The position of a rank, best first (preferred 0, normal 1, deprecated 2)."""
    return CLAIM_RANKS.index(rank)


# An event's own claims (its date, its place, one per participant) have no row while they say nothing its columns
# and participations do not (migration 0013): no rank, reason or link of their own, the only claim of their kind.
# Such a claim still has an id, made from what it belongs to, and keeps it when a command writes its row: the
# date claim of event 41 is -164 (k-164), its place claim -165, the claim of participation 187 -750. Claims
# that have rows from before (positive ids) keep theirs; a claim `add claim` makes gets the next positive id.
OWN_CLAIM_SLOTS = {"date": 0, "place": 1, "participant": 2}
OWN_CLAIM_STRIDE = 4  # (ids per owner: room for one more kind)


def own_claim_id(kind: str, owner_id: int) -> int:
    """The id of an own claim: `owner_id` is the event's (date, place) or the participation's (participant).
    (`store.own_claims` writes the same in SQL.)"""
    return -(OWN_CLAIM_STRIDE * owner_id + OWN_CLAIM_SLOTS[kind])


def own_claim_owner(claim_id: int) -> tuple[str, int] | None:
    """(kind, owner id) of an own claim's id (`own_claim_id`), None for an id a row was numbered with."""
    if claim_id >= 0:
        return None
    owner, slot = divmod(-claim_id, OWN_CLAIM_STRIDE)
    kinds = {v: k for k, v in OWN_CLAIM_SLOTS.items()}
    return (kinds[slot], owner) if slot in kinds and owner > 0 else None


def claim_order(own: bool, kind: str, claim_id: int) -> tuple[int, int, int]:
    """How an event's claims are listed: its own date, place and participants (made with the event, in that
    order), then every other claim in the order it was numbered."""
    if own:
        return (0, OWN_CLAIM_SLOTS.get(kind, len(OWN_CLAIM_SLOTS)), abs(claim_id))
    return (1, 0, claim_id)
