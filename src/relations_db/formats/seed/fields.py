"""The seed format's names: its version tag, the fields each entry may have, and the shape of an event entry.

`read`, `validate`, `apply` and `write` share these (docs/seed-format.md describes the same for people). The
source fields, the kinds and the ranges are the vocabulary's (`domain.vocab`); what is here is the format's own.
Pure Python, so that a test of the seed data can import it without the database.
"""

from __future__ import annotations

from typing import Any, Required, TypedDict

from relations_db.domain.vocab import DETAIL_FIELDS, EVENT_DETAILS

# The version this code writes, and every version it reads. Version 2 added an event's `tone_note`; version 3
# lets an event leave out its `type` (not classified); version 4 adds a source's CSL fields
# (`formats/seed/sources.py`); version 5 an event's `claims` (`formats/seed/claims.py`); older files load
# unchanged (docs/seed-format.md lists what each version adds).
SEED_FORMAT = "relations-db/seed 5"
SEED_FORMATS = ("relations-db/seed 1", "relations-db/seed 2", "relations-db/seed 3", "relations-db/seed 4",
                SEED_FORMAT)
SECTIONS = ("format", "sources", "actors", "places", "events")

ACTOR_FIELDS = ("name", "kind", "description", "aliases")
PLACE_FIELDS = ("name", "country", "aliases")
EVENT_FIELDS = ("slug", "kind", "date", "title", "summary", "type", "tone", "tone_note", "place", "meeting",
                "agreement", "invokes", "participants", "citations", "claims")
_EVENT_FIELDS_V4 = tuple(f for f in EVENT_FIELDS if f != "claims")
# The fields each version allows an event (what a newer version added is refused in an older file).
EVENT_FIELDS_OF = {"relations-db/seed 1": tuple(f for f in _EVENT_FIELDS_V4 if f != "tone_note"),
                   "relations-db/seed 2": _EVENT_FIELDS_V4, "relations-db/seed 3": _EVENT_FIELDS_V4,
                   "relations-db/seed 4": _EVENT_FIELDS_V4, SEED_FORMAT: EVENT_FIELDS}
# The versions in which every event must have a `type` (version 3 made it optional).
TYPE_REQUIRED_IN = ("relations-db/seed 1", "relations-db/seed 2")
CITATION_FIELDS = ("source", "locator", "quote", "cited_as", "cited_in", "cited_in_locator", "confidence", "note")
PARTICIPANT_FIELDS = ("actor", "role")
# A claim entry (version 5): its kind, whether it is the event's own, the value of its kind, rank and reason, and
# the event's citations (1-based positions in its `citations`) that support or dispute it.
CLAIM_FIELDS = ("kind", "own", "date", "place", "actor", "role", "event", "at_least", "at_most", "rank", "reason",
                "supports", "disputes")
# The value fields of each kind of claim (the others of CLAIM_VALUE_FIELDS are refused on it).
CLAIM_VALUES = {"date": ("date",), "place": ("place",), "participant": ("actor", "role"), "occurred": (),
                "before": ("event", "at_least", "at_most"), "after": ("event", "at_least", "at_most"),
                "during": ("event", "at_least", "at_most")}
CLAIM_VALUE_FIELDS = ("date", "place", "actor", "role", "event", "at_least", "at_most")
# The kinds of which an event states its own claims by its fields (`date`, `place`, `participants`).
OWN_CLAIM_KINDS = ("date", "place", "participant")

# The fields of a meeting's or an agreement's sub-mapping (`meeting: {format: …, outcome: …}`), by kind: named
# as the columns that hold them.
DETAILS: dict[str, tuple[str, ...]] = {
    kind: tuple(DETAIL_FIELDS[name] for name in names) for kind, names in EVENT_DETAILS.items()
}


class SeedCitation(TypedDict, total=False):
    """A citation of an event, as the format writes it (empty fields left out)."""

    source: Required[str]
    locator: str
    quote: str
    cited_as: str
    cited_in: str
    cited_in_locator: str
    confidence: int
    note: str


class SeedParticipant(TypedDict, total=False):
    """An actor taking part in an event, with its role when it has one."""

    actor: Required[str]
    role: str


class SeedDetails(TypedDict, total=False):
    """A meeting's format and outcome, or an agreement's status and subject (`DETAILS`)."""

    format: str
    outcome: str
    status: str
    subject: str


class SeedClaim(TypedDict, total=False):
    """A claim of an event, as the format writes it (empty fields left out; `rank` only when not normal)."""

    kind: Required[str]
    own: bool
    date: str
    place: str
    actor: str
    role: str
    event: str
    at_least: str
    at_most: str
    rank: str
    reason: str
    supports: list[int]
    disputes: list[int]


class SeedEvent(TypedDict, total=False):
    """An entry of the `events` section, as the format writes it: keys in this order, empty fields left out,
    `kind` only when it is not a plain event."""

    slug: Required[str]
    kind: str
    date: Required[str]
    title: Required[str]
    summary: str
    type: str  # left out: not classified
    tone: int
    tone_note: str
    place: str
    meeting: SeedDetails
    agreement: SeedDetails
    invokes: list[str]
    participants: list[SeedParticipant]
    citations: Required[list[SeedCitation]]
    claims: list[SeedClaim]


class SeedDocument(TypedDict):
    """A whole seed file: the events with the sources, actors and places they use."""

    format: str
    sources: list[dict[str, Any]]
    actors: list[dict[str, str | list[str]]]
    places: list[dict[str, str | list[str]]]
    events: list[SeedEvent]
