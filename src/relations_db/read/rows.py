"""The shapes the read side hands out: an event and its parts, an actor, a citation of a source.

These are the dicts of DESIGN §3's JSON shape, which the table, CSV, JSON, Markdown, HTML and seed writers and
the analyses all read; they are declared here, once, so that a writer can name what it takes. Plain typing
only: importing this module loads neither SQLAlchemy nor any other read module. (No postponed annotations
here: evaluated, they let `__required_keys__` tell the NotRequired keys, which tests/test_queries.py compares
with the dicts the read side makes.)
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

if TYPE_CHECKING:
    from relations_db.read.claim_rows import ClaimRow


class ActorInEvent(TypedDict):
    """An actor's part in an event."""

    name: str
    kind: str
    role: str | None


class Citation(TypedDict):
    """One citation of an event. `id` is its stable number (`edit citation c17`); `source` and `short` are
    the key and short form of the source cited;
    `cited_in` is the key of the work that reports it (a second-hand citation), `cited_in_locator` the page
    there. `text` is how an essay prints it ('Duka 2007, quoted in Lala 2014, p. 343', `domain.citing`)."""

    id: int
    source: str
    short: str
    locator: str | None
    quote: str | None
    cited_as: str | None
    cited_in: str | None
    cited_in_short: str | None
    cited_in_locator: str | None
    confidence: int
    note: str | None
    text: str


class MeetingDetails(TypedDict):
    """What only a meeting has."""

    format: str | None
    outcome: str | None


class AgreementDetails(TypedDict):
    """What only an agreement has."""

    status: str | None
    subject: str | None


class EventRef(TypedDict):
    """An event named in another's record: an agreement's `invoked_by`, a source's citations."""

    id: int
    slug: str
    date: str
    title: str


class InvokedAgreement(TypedDict):
    """An agreement an event invokes, as `event_by_ref` shows it."""

    slug: str
    date: str
    title: str


class _EventFields(TypedDict):
    """What every event dict has (`invokes` aside, whose shape depends on the listing)."""

    id: int
    slug: str
    kind: str
    date: str  # EDTF, as the sources give it
    start: str | None  # the first day, ISO 8601 with expanded years ('-0043-03-15'); None: an open or unknown start
    end: str | None  # the last day; None: an open or unknown end
    start_kind: NotRequired[str]  # 'open' | 'unknown': only where `start` is None
    end_kind: NotRequired[str]  # 'open' | 'unknown': only where `end` is None
    precision: str
    title: str
    summary: str | None
    type: str
    tone: int | None
    tone_note: str | None  # the basis of the tone: a rule or the passage it rests on
    place: str | None
    actors: list[ActorInEvent]
    citations: list[Citation]
    meeting: NotRequired[MeetingDetails]  # on meetings only
    agreement: NotRequired[AgreementDetails]  # on agreements only


class EventRow(_EventFields):
    """An event as every listing yields it, with what some listings add."""

    invokes: list[str]  # the slugs of the agreements it invokes
    snippet: NotRequired[str]  # `search`: the matching text, the words found in [brackets]
    roles: NotRequired[list[str | None]]  # `actor`: the actor's roles in it
    invoked_by: NotRequired[list[EventRef]]  # `agreements`: the events that invoke it
    disputed: NotRequired[bool]  # when the best-ranked date claims disagree (then `dates` lists them)
    dates: NotRequired[list[str]]
    date_notes: NotRequired[list[str]]  # the readable chronologies: who gives a date not shown (`with_date_notes`)


class EventDetail(_EventFields):
    """Everything about one event (`event_by_ref`): the event dict, the invoked agreements with their titles,
    and how the date reads."""

    invokes: list[InvokedAgreement]
    display: str  # the date as a reader writes it
    approximate: bool
    uncertain: bool
    invoked_by: NotRequired[list[EventRef]]  # on agreements only
    disputed: NotRequired[bool]  # when the best-ranked date claims disagree (then `dates` lists them)
    dates: NotRequired[list[str]]
    claims: "list[ClaimRow]"  # every claim with its evidence and rank (read.claim_rows)


class ActorRow(TypedDict):
    """An actor as `actors` lists it; `events` is how many events it takes part in."""

    name: str
    kind: str
    description: str | None
    aliases: list[str]
    events: int


class ActorProfile(TypedDict):
    """One actor with its own chronology: `events`, a lazy iterator (each event with its `roles`)."""

    name: str
    kind: str
    description: str | None
    aliases: list[str]
    events: Iterator[EventRow]


# A citation naming a source, as `source_profile` lists it: its event, `as` ("source" or "cited_in": how it
# names the source), and the citation's fields. (Declared in the functional form: `as` is a keyword.)
SourceCitation = TypedDict("SourceCitation", {
    "id": int,
    "event": EventRef,
    "as": str,
    "source": str,
    "short": str,
    "locator": str | None,
    "quote": str | None,
    "cited_as": str | None,
    "cited_in": str | None,
    "cited_in_short": str | None,
    "cited_in_locator": str | None,
    "confidence": int,
    "note": str | None,
})

# A source as `sources` lists it: the fields of `vocab.SOURCE_LIST_FIELDS`, in that order, and `citations` (how
# many citations name it). `source_profile` gives the same fields with `citations` an iterator of
# SourceCitation. (A plain dict: its keys are the vocabulary's list, not spelled out a second time here.)
SourceRow = dict[str, Any]
