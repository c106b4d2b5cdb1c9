"""The parts of an event as a write is given them — participants, a place, a citation — checked and resolved.

Checking resolves every name first and creates nothing: an actor or place still to be created is carried as
its name, and made (`create_actor`, `create_place`) only once every check of the write has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.text import fold
from relations_db.store.models import Actor, Citation, Place
from relations_db.write.checks import Problems, check_confidence, optional_text, parse_actor_spec, verbatim
from relations_db.write.resolve import actor_or_new, resolve_source

# An actor as a write names it: "Name" or "Name:role", or a (name, role) pair.
ActorSpec = str | tuple[str, str | None]
# A participant once checked: the actor, or the name of an actor still to be created, and the role.
Participant = tuple[Actor | str, str | None]


def participants(session: Session, specs: Iterable[ActorSpec], new_kind: str | None,
                 problems: Problems) -> list[Participant]:
    """Resolved (actor, role) pairs without repeats; an actor still to be created is its name."""
    result: list[Participant] = []
    for spec in specs:
        name, role = parse_actor_spec(spec) if isinstance(spec, str) else spec
        if not vocab.is_name(name):
            problems.add(f"{spec!r}: give an actor as NAME or NAME:ROLE, the name with a letter or digit",
                         field="actors")
            continue
        actor = problems.check(actor_or_new, session, name, new_kind)
        if actor is not None and (actor, role) not in result:
            result.append((actor, role))
    return result


def create_actor(session: Session, found: Actor | str, kind: str | None) -> Actor:
    """The actor `found`, or, when it is a name, the actor of that name created with `kind` (or made before in
    this session: the same new name given twice in one write)."""
    if not isinstance(found, str):
        return found
    existing = session.scalar(select(Actor).where(Actor.name_folded == fold(found)))
    if existing is not None:
        return existing
    actor = Actor(name=found, name_folded=fold(found), kind=kind)
    session.add(actor)
    session.flush()
    return actor


def create_place(session: Session, found: Place | str | None) -> Place | None:
    """The place `found`, or, when it is a name, the place of that name, created unless it exists already."""
    if not isinstance(found, str):
        return found
    existing = session.scalar(select(Place).where(Place.name_folded == fold(found)))
    if existing is not None:
        return existing
    place = Place(name=found, name_folded=fold(found))
    session.add(place)
    session.flush()
    return place


def create_participants(session: Session, pairs: Iterable[Participant],
                        new_kind: str | None) -> list[tuple[Actor, str | None]]:
    """The participants with every actor still to be created made, without repeats."""
    created = [(create_actor(session, actor, new_kind), role) for actor, role in pairs]
    return list(dict.fromkeys(created))


class CitationInput(TypedDict, total=False):
    """The evidence for a claim as a write is given it (every value as typed; all but the source optional)."""

    locator: str | None
    quote: str | None
    cited_as: str | None
    cited_in: str | None
    cited_in_locator: str | None
    confidence: int | str | None
    note: str | None


def new_citation(session: Session, source: str | None, given: CitationInput, problems: Problems) -> Citation | None:
    """A Citation built from user input (not yet attached to an event), or None with the problems recorded."""
    found = problems.check(resolve_source, session, source) if source and optional_text(source) else None
    if not optional_text(source):
        problems.add("a source is required: every event needs a citation "
                     "(give its source, with a locator and a quotation)", field="source")
    cited_in = given.get("cited_in")
    via = problems.check(resolve_source, session, cited_in) if cited_in and optional_text(cited_in) else None
    if via is not None and via is found:
        problems.add(f"a citation cannot be quoted in its own source ({via.key!r}): give the work that reports "
                     "it, or no such work", field="cited_in")
        via = None
    grade = problems.check(check_confidence, given.get("confidence"))
    if found is None or grade is None or (optional_text(cited_in) and via is None):
        return None
    return Citation(source=found, locator=optional_text(given.get("locator")), quote=verbatim(given.get("quote")),
                    cited_as=optional_text(given.get("cited_as")), cited_in=via,
                    cited_in_locator=optional_text(given.get("cited_in_locator")), confidence=grade,
                    note=verbatim(given.get("note")))
