"""Keeping sources and actors right: edit and remove them (a refusal names what still uses the record).

Functions here take a session and flush; they never commit. Every value is checked before anything changes. A
source whose key changes keeps its old key resolving (`retired_keys`), as a merged one does (`write.merge`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.text import fold
from relations_db.errors import UserError
from relations_db.store.models import Actor, ActorAlias, Citation, Event, Participation, RetiredKey, Source
from relations_db.write.checks import Problems, check_actor_kind, check_year, optional_text, required_text, verbatim
from relations_db.write.records import refresh_short_forms
from relations_db.write.resolve import find_actors, resolve_actor, resolve_source

# What a refusal lists of the records that still use the one to remove.
_LISTED = 5


def _listed(items: list[str], total: int) -> str:
    more = f" and {total - len(items)} more" if total > len(items) else ""
    return ", ".join(items) + more


# --- sources --------------------------------------------------------------------------------------------------

SOURCE_EDITABLE = ("key", "kind", "title", "year", *vocab.SOURCE_TEXT_FIELDS)


def key_taken(session: Session, key: str) -> bool:
    """Whether a source has this key, or had it before a merge or a change of key (it still resolves)."""
    return (session.scalar(select(Source.id).where(Source.key == key)) is not None
            or session.get(RetiredKey, key) is not None)


def _source_values(session: Session, source: Source, given: dict[str, str | int], problems: Problems) -> dict:
    values: dict[str, object] = {}
    if "key" in given:
        key = str(given["key"]).strip()
        if key != source.key:
            retired = session.get(RetiredKey, key)
            if not vocab.valid_key(key):
                problems.add(f"source key {key!r}: a key is lower-case letters, digits and hyphens, e.g. duka-2007",
                             field="key")
            elif session.scalar(select(Source.id).where(Source.key == key)) is not None:
                problems.add(f"a source with the key {key!r} already exists", field="key")
            elif retired is not None and retired.source_id != source.id:
                problems.add(f"the key {key!r} is a former key that still names another source", field="key")
        values["key"] = key
    if "kind" in given:
        if given["kind"] not in vocab.SOURCE_KINDS:
            problems.add(f"the kind of source must be one of {', '.join(vocab.SOURCE_KINDS)}; found {given['kind']!r}",
                         field="kind")
        values["kind"] = given["kind"]
    if "title" in given:
        values["title"] = problems.check(required_text, str(given["title"]), "the title")
    if "year" in given:
        values["year"] = problems.check(check_year, given["year"])
    for name in vocab.SOURCE_TEXT_FIELDS:
        if name in given:
            values[name] = verbatim(str(given[name])) if name == "note" else optional_text(str(given[name]))
    return values


def edit_source(session: Session, ref: str, **changes: str | int | None) -> tuple[Source, list[str]]:
    """Change a source's fields (`SOURCE_EDITABLE`; None: leave, '' clears an optional one); return it and what
    changed. A new key is checked like a new source's, and the old key keeps resolving to it."""
    unknown = set(changes) - set(SOURCE_EDITABLE)
    if unknown:
        raise TypeError(f"edit_source: unknown fields {sorted(unknown)}")
    source = resolve_source(session, ref)
    problems = Problems()
    values = _source_values(session, source, {k: v for k, v in changes.items() if v is not None}, problems)
    problems.raise_if_any(f"edit the source {source.key!r}")
    changed = [name for name in SOURCE_EDITABLE if name in values and getattr(source, name) != values[name]]
    if "key" in changed:
        old = session.get(RetiredKey, values["key"])
        if old is not None:  # (its own former key, taken back)
            session.delete(old)
        session.add(RetiredKey(key=source.key, source_id=source.id))
    for name in changed:
        setattr(source, name, values[name])
    if changed:
        refresh_short_forms(session)
    return source, changed


def citations_of_source(session: Session, source: Source) -> tuple[list[str], int]:
    """The citations that name the source (as source or as `cited_in`), described, at most `_LISTED`; and how many."""
    uses = or_(Citation.source_id == source.id, Citation.cited_in_id == source.id)
    total = session.scalar(select(func.count(Citation.id)).where(uses)) or 0
    rows = session.execute(select(Citation.id, Event.slug).join(Event, Event.id == Citation.event_id)
                           .where(uses).order_by(Citation.id).limit(_LISTED))
    return [f"c{cid} ({slug})" for cid, slug in rows], total


def remove_source(session: Session, ref: str) -> Source:
    """Delete a source that nothing cites; refused, listing the citations, while any does."""
    source = resolve_source(session, ref)
    listed, total = citations_of_source(session, source)
    if total:
        raise UserError(f"{source.key!r} is cited by {total} citation{'s' if total != 1 else ''}: "
                        f"{_listed(listed, total)}; edit or remove them first (`edit citation ID --source KEY`), or "
                        f"merge the source into another (`merge source OTHER {source.key}`); nothing was written")
    session.delete(source)
    session.flush()
    refresh_short_forms(session)
    return source


# --- actors ---------------------------------------------------------------------------------------------------


@dataclass
class ActorChanges:
    """What `edit_actor` is asked to change (None: leave it; '' clears the description)."""

    name: str | None = None
    kind: str | None = None
    description: str | None = None
    add_aliases: Iterable[str] = ()
    remove_aliases: Iterable[str] = ()
    changed: list[str] = field(default_factory=list)


def _other_owner(session: Session, actor: Actor, name: str) -> Actor | None:
    return next((a for a in find_actors(session, name) if a.id != actor.id), None)


def _check_name(session: Session, actor: Actor, name: str, problems: Problems) -> str | None:
    checked = problems.check(required_text, name, "the name")
    if checked is not None and not vocab.is_name(checked):
        problems.add(f"the name {checked!r} names nothing: give a name with a letter or digit", field="name")
        return None
    owner = _other_owner(session, actor, checked) if checked else None
    if owner is not None:
        problems.add(f"{checked!r} already names the actor {owner.name!r}: merge them instead "
                     f"(`merge actor {shlex.quote(owner.name)} {shlex.quote(actor.name)}`)", field="name")
        return None
    return checked


def _aliases_to_add(session: Session, actor: Actor, given: Iterable[str], name: str,
                    problems: Problems) -> dict[str, str]:
    have = {a.folded for a in actor.aliases} | {fold(name)}
    adding: dict[str, str] = {}
    for alias in (a.strip() for a in given):
        if not alias or fold(alias) in have or fold(alias) in adding:
            continue
        owner = _other_owner(session, actor, alias)
        if owner is not None:
            problems.add(f"the alias {alias!r} already names the actor {owner.name!r}: an alias must name one "
                         "actor", field="add_aliases")
        adding[fold(alias)] = alias
    return adding


def _aliases_to_remove(actor: Actor, given: Iterable[str], problems: Problems) -> set[str]:
    have = {a.folded: a.name for a in actor.aliases}
    removing = set()
    for alias in given:
        if fold(alias) not in have:
            known = ", ".join(repr(a) for a in have.values()) or "none"
            problems.add(f"{alias!r} is not an alias of {actor.name!r} (its aliases: {known})", field="remove_aliases")
        removing.add(fold(alias))
    return removing


def edit_actor(session: Session, ref: str, changes: ActorChanges) -> tuple[Actor, list[str]]:
    """Change an actor's name, kind, description and aliases; return it and what changed.

    A new name (or alias) already naming another actor is refused (merge them instead); a new name that was one
    of the actor's aliases stops being an alias, and the old name becomes one (it keeps finding the actor).
    """
    actor = resolve_actor(session, ref)
    problems = Problems()
    name = _check_name(session, actor, changes.name, problems) if changes.name is not None else actor.name
    problems.check(check_actor_kind, changes.kind, field="kind")
    removing = _aliases_to_remove(actor, changes.remove_aliases, problems)
    adding = _aliases_to_add(session, actor, changes.add_aliases, name or actor.name, problems)
    problems.raise_if_any(f"edit the actor {actor.name!r}")
    assert name is not None  # (raise_if_any has refused a bad one)
    changed = []
    if name != actor.name:
        # The old name stays as an alias, so that it keeps finding the actor (as a source's old key does).
        if fold(actor.name) != fold(name) and fold(actor.name) not in {a.folded for a in actor.aliases}:
            adding.setdefault(fold(actor.name), actor.name)
        actor.name, actor.name_folded = name, fold(name)
        removing.add(fold(name))
        changed.append("name")
    if changes.kind is not None and changes.kind != actor.kind:
        actor.kind = changes.kind
        changed.append("kind")
    if changes.description is not None and optional_text(changes.description) != actor.description:
        actor.description = optional_text(changes.description)
        changed.append("description")
    kept = [a for a in actor.aliases if a.folded not in removing]
    if len(kept) != len(actor.aliases) or adding:
        actor.aliases = kept + [ActorAlias(name=a, folded=f) for f, a in adding.items()]
        changed.append("aliases")
    session.flush()
    return actor, changed


def remove_actor(session: Session, ref: str) -> Actor:
    """Delete an actor (with its aliases) that takes part in no event; refused, listing the events, while it does."""
    actor = resolve_actor(session, ref)
    slugs = list(session.scalars(select(Event.slug).join(Participation, Participation.event_id == Event.id)
                                 .where(Participation.actor_id == actor.id).distinct().order_by(Event.slug)))
    if slugs:
        raise UserError(f"{actor.name!r} takes part in {len(slugs)} event{'s' if len(slugs) != 1 else ''}: "
                        f"{_listed(slugs[:_LISTED], len(slugs))}; remove it from them first (`edit event EVENT "
                        f"--remove-actor {shlex.quote(actor.name)}`), or merge it into another actor (`merge actor "
                        f"OTHER {shlex.quote(actor.name)}`); nothing was written")
    session.delete(actor)
    session.flush()
    return actor
