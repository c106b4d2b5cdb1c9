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
# (`formats/seed/sources.py`); older files load unchanged (docs/seed-format.md lists what each version adds).
SEED_FORMAT = "relations-db/seed 4"
SEED_FORMATS = ("relations-db/seed 1", "relations-db/seed 2", "relations-db/seed 3", SEED_FORMAT)
SECTIONS = ("format", "sources", "actors", "places", "events")

ACTOR_FIELDS = ("name", "kind", "description", "aliases")
PLACE_FIELDS = ("name", "country", "aliases")
EVENT_FIELDS = ("slug", "kind", "date", "title", "summary", "type", "tone", "tone_note", "place", "meeting",
                "agreement", "invokes", "participants", "citations")
# The fields each version allows an event (what a newer version added is refused in an older file).
EVENT_FIELDS_OF = {"relations-db/seed 1": tuple(f for f in EVENT_FIELDS if f != "tone_note"),
                   "relations-db/seed 2": EVENT_FIELDS, "relations-db/seed 3": EVENT_FIELDS, SEED_FORMAT: EVENT_FIELDS}
# The versions in which every event must have a `type` (version 3 made it optional).
TYPE_REQUIRED_IN = ("relations-db/seed 1", "relations-db/seed 2")
CITATION_FIELDS = ("source", "locator", "quote", "cited_as", "cited_in", "cited_in_locator", "confidence", "note")
PARTICIPANT_FIELDS = ("actor", "role")

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


class SeedDocument(TypedDict):
    """A whole seed file: the events with the sources, actors and places they use."""

    format: str
    sources: list[dict[str, Any]]
    actors: list[dict[str, str | list[str]]]
    places: list[dict[str, str | list[str]]]
    events: list[SeedEvent]
