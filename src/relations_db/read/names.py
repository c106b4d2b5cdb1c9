"""Names → records: actors and places by any alias, sources by key or short form, events by id or slug.

Matching is case- and accent-insensitive through the stored folded columns; a name that matches nothing gets
NotFound with the closest names, one that matches several gets Ambiguous listing them. Within `forgiving` (the
read commands), an actor or place name that matches nothing exactly is matched as `domain.names` says —
misspelt, transliterated, a first or last name alone — and the one clear best record is taken, with a notice.
These are Core statements over `store.schema`'s tables, returning rows, so that the read commands resolve names
without the ORM; `write.resolve` builds on them to return ORM objects for the write path. Every function takes a
Session or a Connection (anything with `execute`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, or_, select

from relations_db.domain import names as forgiving_names
from relations_db.domain.text import fold
from relations_db.errors import Ambiguous, NotFound
from relations_db.read.assemble import is_event_id
from relations_db.read.tables import connection, param
from relations_db.store.schema import (
    actor_aliases,
    actors,
    events,
    place_aliases,
    places,
    retired_keys,
    retired_slugs,
    sources,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Row

    from relations_db.read.tables import Database


def suggest(name: str, candidates: Iterable[str], what: str) -> str:
    """'no actor named 'x'; did you mean …?' with the closest candidates and those containing the name."""
    folded = {fold(c): c for c in candidates}
    close = difflib.get_close_matches(fold(name), list(folded), n=5, cutoff=0.6)
    # Also offer names that contain what was typed ("kasat" → "Admiral Kasatonov").
    contains = [f for f in folded if fold(name) and fold(name) in f and f not in close][: 5 - len(close)]
    hits = [folded[c] for c in close + contains]
    hint = f"; did you mean {', '.join(repr(h) for h in hits)}?" if hits else ""
    return f"no {what} named {name!r}{hint}"


def find_actors(db: Database, name: str) -> list[Row]:
    """Rows (id, name, kind, description) of the actors whose name or any alias matches `name`, by name."""
    return list(db.execute(find_actors_statement(fold(name))))


def find_actors_statement(key: str) -> Select[Any]:
    """(id, name, kind, description) of the actors whose folded name or alias is `key`, by name."""
    folded = param("key", key)
    by_alias = select(actor_aliases.c.actor_id).where(actor_aliases.c.folded == folded)
    return (select(actors.c.id, actors.c.name, actors.c.kind, actors.c.description)
            .where(or_(actors.c.name_folded == folded, actors.c.id.in_(by_alias))).order_by(actors.c.name))


# Connection.info key: the function that tells the user which record a forgiving match took (see `forgiving`).
_FORGIVING = "relations_db.forgiving_names"


@contextmanager
def forgiving(db: Database, tell: Callable[[str], None]) -> Iterator[None]:
    """Within this block (a read command's transaction), an actor or place name that matches nothing exactly is
    taken as the one record it clearly means — a misspelling ('Kruschev'), another script ('Хрущёв'), a first or
    last name of one actor alone ('Nikita') — and `tell` gets a notice naming it. Outside (writes, imports)
    such a name is refused with "did you mean"."""
    info = connection(db).info
    info[_FORGIVING] = tell
    try:
        yield
    finally:
        info.pop(_FORGIVING, None)


def actor(db: Database, name: str) -> Row:
    """The one actor called `name` (any alias, any case or accents): a row (id, name, kind, description)."""
    found = find_actors(db, name)
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{a.name} ({a.kind})" for a in found)
        raise Ambiguous(f"{name!r} matches several actors: {listed}. Use the full name.")
    spellings = [*db.execute(select(actors.c.id, actors.c.name, actors.c.name)),
                 *db.execute(select(actor_aliases.c.actor_id, actors.c.name, actor_aliases.c.name)
                             .join(actors, actors.c.id == actor_aliases.c.actor_id))]
    taken = _forgiven(db, name, spellings, "actor")
    return db.execute(select(actors.c.id, actors.c.name, actors.c.kind, actors.c.description)
                      .where(actors.c.id == taken)).one()


def place(db: Database, name: str) -> Row:
    """The one place called `name` (any alias, any case or accents): a row (id, name)."""
    found = list(db.execute(find_places_statement(fold(name))))
    if len(found) == 1:
        return found[0]
    if found:
        raise Ambiguous(f"{name!r} matches several places: {', '.join(p.name for p in found)}")
    spellings = [*db.execute(select(places.c.id, places.c.name, places.c.name)),
                 *db.execute(select(place_aliases.c.place_id, places.c.name, place_aliases.c.name)
                             .join(places, places.c.id == place_aliases.c.place_id))]
    taken = _forgiven(db, name, spellings, "place")
    return db.execute(select(places.c.id, places.c.name).where(places.c.id == taken)).one()


def _forgiven(db: Database, name: str, spellings: Iterable[Any], what: str) -> int:
    """The id of the record a name that matches nothing exactly is taken to mean, within `forgiving`; else
    Ambiguous (several records as likely) or NotFound with the closest records."""
    matches = forgiving_names.rank(name, [(row[0], row[1], row[2]) for row in spellings])
    tell = connection(db).info.get(_FORGIVING)
    if tell is not None:
        best = forgiving_names.clear_best(matches)
        if best is not None:
            tell(f"No {what} is called {name!r}: taking {best.name!r}"
                 + (f" (the closest spelling: {best.spelling!r})." if best.spelling != best.name else "."))
            return best.id
        several = forgiving_names.contenders(matches)
        if len(several) > 1:
            raise Ambiguous(f"{name!r} may mean several {what}s: {', '.join(m.shown() for m in several[:10])}"
                            + (f" and {len(several) - 10} more" if len(several) > 10 else "")
                            + ". Give the full name.")
    raise NotFound(f"no {what} named {name!r}" + forgiving_names.did_you_mean(matches))


def find_places_statement(key: str) -> Select[Any]:
    """(id, name) of the places whose folded name or alias is `key`."""
    folded = param("key", key)
    by_alias = select(place_aliases.c.place_id).where(place_aliases.c.folded == folded)
    return select(places.c.id, places.c.name).where(or_(places.c.name_folded == folded, places.c.id.in_(by_alias)))


def source_by_key_statement(key: str) -> Select[Any]:
    """(id, key, short) of the source with this key."""
    return select(sources.c.id, sources.c.key, sources.c.short).where(sources.c.key == param("key", key))


def event_by_id_statement(id_: int) -> Select[Any]:
    return select(events.c.id).where(events.c.id == param("id", id_))


def event_by_slug_statement(slug: str) -> Select[Any]:
    return select(events.c.id).where(events.c.slug == param("slug", slug))


def type_used_statement(value: str) -> Select[Any]:
    """A row when some event has exactly this type."""
    return select(events.c.id).where(events.c.type == param("type", value)).limit(1)


def source(db: Database, ref: str) -> Row:
    """A source by key (`duka-2007`) or by short form (`Duka 2007`, any case): a row (id, key, short)."""
    ref = ref.strip()
    columns = (sources.c.id, sources.c.key, sources.c.short)
    found = db.execute(source_by_key_statement(ref)).first()
    if found is None:  # the key of a source merged into another (`merge source`) names the one that absorbed it
        found = db.execute(select(*columns).join(retired_keys, retired_keys.c.source_id == sources.c.id)
                           .where(retired_keys.c.key == ref)).first()
    if found is not None:
        return found
    every = list(db.execute(select(*columns)))  # sources are few; short forms are compared folded
    matches = [s for s in every if fold(s.short) == fold(ref)]
    if len(matches) == 1:
        return matches[0]
    known = [s.key for s in every] + [s.short for s in every]
    raise NotFound(suggest(ref, known, "source") + " (list them with `relations-db sources`)")


def event_id(db: Database, ref: str) -> int:
    """An event's id, from its numeric id or its slug (or the slug of an event merged into it)."""
    ref = ref.strip()
    found = None
    if is_event_id(ref):
        found = db.execute(event_by_id_statement(int(ref))).scalar()
    if found is None:
        found = db.execute(event_by_slug_statement(ref)).scalar()
    if found is None:
        found = db.execute(select(retired_slugs.c.event_id).where(retired_slugs.c.slug == ref)).scalar()
    if found is None:
        slugs = db.execute(select(events.c.slug)).scalars()
        raise NotFound(suggest(ref, slugs, "event") + " (give an id or a slug, see `relations-db events`)")
    return found


def event_type(db: Database, value: str) -> str:
    """The stored spelling of an event type, matched in any case; NotFound with the closest types."""
    value = value.strip()
    if db.execute(type_used_statement(value)).first():
        return value
    types = list(db.execute(select(events.c.type).distinct()).scalars())
    same = [t for t in types if fold(t) == fold(value)]
    if len(same) == 1:
        return same[0]
    raise NotFound(suggest(value, types, "event type") + (f" (known types: {', '.join(sorted(types))})"
                                                         if types and len(types) <= 30 else ""))
