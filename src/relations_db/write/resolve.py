"""Names → ORM objects for the write path: actors and places by any alias, sources by key or short form, events
by id or slug.

The matching rules live in `read.names` (Core statements, shared with the read path, with "did you mean"
suggestions); these load the ORM objects they name. `place_or_new` and `actor_or_new` also let a write create
what is not yet known, when the caller allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.errors import NotFound, UserError
from relations_db.read import names
from relations_db.store.models import Actor, Agreement, Base, Event, Place, Source

M = TypeVar("M", bound=Base)


def load(session: Session, model: type[M], ident: int, what: str, name: str) -> M:
    """The `model` row `ident` that a lookup of `name` has just found.

    (It can be gone only if another writer removed it between the lookup and this load.)
    """
    found = session.get(model, ident)
    if found is None:
        raise NotFound(f"no {what} named {name!r}")
    return found


def find_actors(session: Session, name: str) -> list[Actor]:
    """Actors whose canonical name or any alias matches `name`, case- and accent-insensitively."""
    found = (session.get(Actor, row.id) for row in names.find_actors(session, name))
    return [actor for actor in found if actor is not None]


def resolve_actor(session: Session, name: str) -> Actor:
    """The one actor called `name` (any alias, any case or accents); NotFound with suggestions, or Ambiguous."""
    return load(session, Actor, names.actor(session, name).id, "actor", name)


def resolve_place(session: Session, name: str) -> Place:
    """The one place called `name` (any alias, any case or accents)."""
    return load(session, Place, names.place(session, name).id, "place", name)


def resolve_source(session: Session, ref: str) -> Source:
    """A source by key (`duka-2007`) or by short form (`Duka 2007`, case-insensitive)."""
    return load(session, Source, names.source(session, ref).id, "source", ref)


def resolve_event(session: Session, ref: str) -> Event:
    """An event by numeric id or slug."""
    return load(session, Event, names.event_id(session, ref), "event", ref)


def resolve_agreements(session: Session, refs: Iterable[str]) -> list[Agreement]:
    """The agreements named by id or slug; an event of another kind is refused (only agreements are invoked)."""
    result = []
    for ref in refs:
        event = resolve_event(session, ref)
        if not isinstance(event, Agreement):
            raise UserError(f"{event.slug!r} is a {event.kind}, not an agreement: only agreements can be invoked")
        result.append(event)
    return result


def _sentence(message: object) -> str:
    text = str(message)
    return text if text.endswith(("?", ".", "!")) else text + "."


def place_or_new(session: Session, name: str, create: bool) -> Place | str:
    """The place called `name`, or (when `create`) the name of a place to create once all checks pass."""
    try:
        return resolve_place(session, name)
    except NotFound as exc:
        if not create:
            raise NotFound(f"{_sentence(exc)} To record a new place, allow new places.", field="new_place") from None
    return name.strip()


def actor_or_new(session: Session, name: str, new_kind: str | None) -> Actor | str:
    """The actor called `name`, or (when `new_kind` is given) the name of an actor to create."""
    try:
        return resolve_actor(session, name)
    except NotFound as exc:
        if new_kind is None:
            raise NotFound(f"{_sentence(exc)} To record a new actor, give the kind of new actors "
                           f"({', '.join(vocab.ACTOR_KINDS)}).", field="new_actor_kind") from None
    return name.strip()
