"""The write side: resolving names, keeping derived columns in step, and the rules every write obeys.

Functions here take a session and flush; they never commit (the command that owns the session does).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.errors import Ambiguous, NotFound, UserError
from relations_db.models import Actor, ActorAlias, Citation, Event, EventSearch, Place, PlaceAlias, Source
from relations_db.text import fold

# --- resolving names ------------------------------------------------------------------------------------------


def _suggest(name: str, candidates: Iterable[str], what: str) -> str:
    folded = {fold(c): c for c in candidates}
    close = difflib.get_close_matches(fold(name), list(folded), n=5, cutoff=0.6)
    # Also offer names that contain what was typed ("kasat" → "Admiral Kasatonov").
    contains = [f for f in folded if fold(name) and fold(name) in f and f not in close][: 5 - len(close)]
    hits = [folded[c] for c in close + contains]
    hint = f"; did you mean {', '.join(repr(h) for h in hits)}?" if hits else ""
    return f"no {what} named {name!r}{hint}"


def find_actors(session: Session, name: str) -> list[Actor]:
    """Actors whose canonical name or any alias matches `name`, case- and accent-insensitively."""
    key = fold(name)
    by_alias = select(ActorAlias.actor_id).where(ActorAlias.folded == key)
    stmt = select(Actor).where((Actor.name_folded == key) | Actor.id.in_(by_alias)).order_by(Actor.name)
    return list(session.scalars(stmt))


def resolve_actor(session: Session, name: str) -> Actor:
    """The one actor called `name` (any alias, any case or accents); NotFound with suggestions, or Ambiguous."""
    actors = find_actors(session, name)
    if len(actors) == 1:
        return actors[0]
    if len(actors) > 1:
        listed = "; ".join(f"{a.name} ({a.kind})" for a in actors)
        raise Ambiguous(f"{name!r} matches several actors: {listed}. Use the full name.")
    names = list(session.scalars(select(Actor.name))) + list(session.scalars(select(ActorAlias.name)))
    raise NotFound(_suggest(name, names, "actor"))


def resolve_place(session: Session, name: str) -> Place:
    """The one place called `name` (any alias, any case or accents)."""
    key = fold(name)
    by_alias = select(PlaceAlias.place_id).where(PlaceAlias.folded == key)
    places = list(session.scalars(select(Place).where((Place.name_folded == key) | Place.id.in_(by_alias))))
    if len(places) == 1:
        return places[0]
    if len(places) > 1:
        raise Ambiguous(f"{name!r} matches several places: {', '.join(p.name for p in places)}")
    names = list(session.scalars(select(Place.name))) + list(session.scalars(select(PlaceAlias.name)))
    raise NotFound(_suggest(name, names, "place"))


def resolve_source(session: Session, ref: str) -> Source:
    """A source by key (`duka-2007`) or by short form (`Duka 2007`, case-insensitive)."""
    ref = ref.strip()
    source = session.scalar(select(Source).where(Source.key == ref))
    if source is None:
        matches = [s for s in session.scalars(select(Source)) if fold(s.short) == fold(ref)]
        if len(matches) == 1:
            source = matches[0]
    if source is None:
        keys = list(session.scalars(select(Source.key))) + list(session.scalars(select(Source.short)))
        raise NotFound(_suggest(ref, keys, "source") + " (list them with `relations-db sources`)")
    return source


def resolve_event(session: Session, ref: str) -> Event:
    """An event by numeric id or slug."""
    ref = ref.strip()
    event = session.get(Event, int(ref)) if ref.isdigit() else None
    if event is None:
        event = session.scalar(select(Event).where(Event.slug == ref))
    if event is None:
        slugs = list(session.scalars(select(Event.slug)))
        raise NotFound(_suggest(ref, slugs, "event") + " (give an id or a slug, see `relations-db events`)")
    return event


# --- derived columns --------------------------------------------------------------------------------------


def surname(author: str | None, title: str) -> str:
    """The name part of a short form: 'Duka, V.' → 'Duka'; an institution stays whole; no author → title."""
    if not author:
        return title.strip()
    return author.split(",", 1)[0].strip() if "," in author else author.strip()


def short_forms(sources: Iterable[Source]) -> dict[int, str]:
    """Author–year forms, with a letter for a second work by the same author and year ('Hoxha 1980a')."""
    groups: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        base = f"{surname(source.author, source.title)} {source.year if source.year else 'n.d.'}"
        groups[fold(base)].append(source)
    result: dict[int, str] = {}
    for members in groups.values():
        members.sort(key=lambda s: s.key)
        for index, source in enumerate(members):
            base = f"{surname(source.author, source.title)} {source.year if source.year else 'n.d.'}"
            result[source.id] = base if index == 0 else base + "abcdefghijklmnopqrstuvwxyz"[(index - 1) % 26]
    return result


def refresh_short_forms(session: Session) -> None:
    """Recompute every source's short form (sources are few; a work added can shift another's letter)."""
    session.flush()
    sources = list(session.scalars(select(Source)))
    for source_id, short in short_forms(sources).items():
        source = session.get(Source, source_id)
        if source.short != short:
            source.short = short
    session.flush()


def search_text(event: Event) -> str:
    """What full-text search reads for an event: its title, summary and every quotation."""
    parts = [event.title, event.summary or ""] + [c.quote or "" for c in event.citations]
    return "\n".join(p for p in parts if p)


def refresh_search(session: Session, event: Event) -> None:
    """Keep the event's row in `event_search` (and so the full-text index) in step with the event."""
    session.flush()
    body = search_text(event)
    row = session.get(EventSearch, event.id)
    if row is None:
        session.add(EventSearch(event_id=event.id, body=body, folded=fold(body)))
    elif row.body != body:
        row.body, row.folded = body, fold(body)
    session.flush()


def require_citation(event: Event) -> None:
    """No event without a citation: checked before any write that creates or edits an event completes."""
    if not event.citations:
        raise UserError(
            f"event {event.slug!r} has no citation: every event needs a source "
            "(give --source KEY, with --locator and --quote)"
        )


def check_all_cited(session: Session) -> None:
    """Refuse to finish a write that leaves any event without a citation."""
    session.flush()
    uncited = session.scalars(
        select(Event.slug).where(~select(Citation.id).where(Citation.event_id == Event.id).exists()).limit(5)
    ).all()
    if uncited:
        raise UserError(f"these events would have no citation: {', '.join(uncited)}; nothing was written")


_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def valid_key(value: str) -> bool:
    """Keys and slugs are lower-case ASCII letters, digits and hyphens."""
    return bool(_SLUG_RE.match(value)) and len(value) <= 120
