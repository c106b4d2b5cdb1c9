"""Merging duplicates: `merge KIND A B` keeps A and folds B into it, losing nothing.

Everything that pointed at B points at A afterwards; B's name becomes an alias of A (actors, places), and B's key
or slug keeps resolving to A (`retired_keys`, `retired_slugs`), so that a note, a link or a colleague's CSV that
names B still finds the record. A's own fields win; where B says something different, the `Merged` report says
so (a merge never silently drops B's date, title or summary: it reports them). Each merge checks first, then
writes with bulk statements in the caller's transaction, and flushes; it never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.text import fold
from relations_db.errors import UserError
from relations_db.store.models import (
    Actor,
    ActorAlias,
    Agreement,
    AgreementInvocation,
    Citation,
    Claim,
    Event,
    EventSearch,
    Participation,
    Place,
    PlaceAlias,
    RetiredKey,
    RetiredSlug,
    Source,
)
from relations_db.write.event_cells import refresh_cells_citing
from relations_db.write.records import refresh_short_forms
from relations_db.write.relative import repoint_merged
from relations_db.write.resolve import resolve_actor, resolve_event, resolve_place, resolve_source
from relations_db.write.search_index import refresh_search


@dataclass
class Merged:
    """What a merge did: the record kept and the one folded into it (as the user knows them), what moved
    (e.g. {"participations": 4}), A's empty fields that B's values filled, and B's values that differ from A's
    kept ones (field, A's value, B's value)."""

    kind: str
    kept: str
    merged: str
    moved: dict[str, int] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    differing: list[tuple[str, Any, Any]] = field(default_factory=list)


def _same(a: object, b: object, kind: str, keep: str, fold_in: str) -> None:
    if a is b:
        raise UserError(f"{keep!r} and {fold_in!r} name the same {kind}: give two different {kind}s to merge")


def _differences(a: object, b: object, names: tuple[str, ...], merged: Merged) -> None:
    """Record B's values that differ from A's (A's are kept); where A has none, B's is taken instead."""
    for name in names:
        mine, theirs = getattr(a, name), getattr(b, name)
        if theirs is None or mine == theirs:
            continue
        if mine is None:
            setattr(a, name, theirs)
            merged.filled.append(name)
        else:
            merged.differing.append((name, mine, theirs))


def _fold_names(a_name: str, have: set[str], b_name: str, b_aliases: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (name, folded) aliases A gains: B's name and B's aliases, those A does not spell already."""
    have = set(have) | {fold(a_name)}
    gained = []
    for name, folded in [(b_name, fold(b_name)), *b_aliases]:
        if folded not in have:
            have.add(folded)
            gained.append((name, folded))
    return gained


def _repoint(session: Session, column: Any, old: int, new: int) -> int:
    """Point the rows whose `column` is `old` at `new`; how many moved."""
    moved = session.scalar(select(func.count()).where(column == old)) or 0
    if moved:
        session.execute(update(column.table).where(column == old).values({column.name: new}))
    return moved


# --- actors and places ----------------------------------------------------------------------------------------


def merge_actors(session: Session, keep: str, fold_in: str) -> Merged:
    """Fold actor B into actor A: B's participations become A's (a role A already has in that event is not
    repeated), B's name and aliases become A's aliases, B's description fills an empty one; B goes."""
    a, b = resolve_actor(session, keep), resolve_actor(session, fold_in)
    _same(a, b, "actor", keep, fold_in)
    merged = Merged("actor", a.name, b.name)
    _differences(a, b, ("kind", "description"), merged)
    have = {(p.event_id, p.role) for p in a.participations}
    moving = [p for p in b.participations if (p.event_id, p.role) not in have]
    repeats = [p.id for p in b.participations if (p.event_id, p.role) in have]
    gained = _fold_names(a.name, {x.folded for x in a.aliases}, b.name, [(x.name, x.folded) for x in b.aliases])
    session.flush()
    table = Participation.__table__
    if repeats:
        session.execute(delete(table).where(table.c.id.in_(repeats)))
    if moving:
        session.execute(update(table).where(table.c.id.in_([p.id for p in moving])).values(actor_id=a.id))
    merged.moved["participations"] = len(moving)
    session.execute(delete(ActorAlias.__table__).where(ActorAlias.__table__.c.actor_id == b.id))
    session.expire_all()
    session.execute(delete(Actor.__table__).where(Actor.__table__.c.id == b.id))
    session.add_all(ActorAlias(actor_id=a.id, name=name, folded=folded) for name, folded in gained)
    merged.moved["aliases"] = len(gained)
    session.flush()
    return merged


def merge_places(session: Session, keep: str, fold_in: str) -> Merged:
    """Fold place B into place A: B's events take place at A, B's name and aliases become A's aliases; B goes."""
    a, b = resolve_place(session, keep), resolve_place(session, fold_in)
    _same(a, b, "place", keep, fold_in)
    merged = Merged("place", a.name, b.name)
    _differences(a, b, ("country",), merged)
    gained = _fold_names(a.name, {x.folded for x in a.aliases}, b.name, [(x.name, x.folded) for x in b.aliases])
    session.flush()
    events = Event.__table__
    merged.moved["events"] = _repoint(session, events.c.place_id, b.id, a.id)
    _repoint(session, Claim.__table__.c.place_id, b.id, a.id)
    session.execute(delete(PlaceAlias.__table__).where(PlaceAlias.__table__.c.place_id == b.id))
    session.expire_all()
    session.execute(delete(Place.__table__).where(Place.__table__.c.id == b.id))
    session.add_all(PlaceAlias(place_id=a.id, name=name, folded=folded) for name, folded in gained)
    merged.moved["aliases"] = len(gained)
    session.flush()
    return merged


# --- sources --------------------------------------------------------------------------------------------------

_SOURCE_FIELDS = ("kind", "author", "title", "year", "container", "volume", "issue", "pages", "publisher", "place",
                  "url", "doi", "fund", "file", "note")


def merge_sources(session: Session, keep: str, fold_in: str) -> Merged:
    """Fold source B into source A: every citation of B (as source or as the work that reports it) cites A, B's
    key keeps resolving to A, B's fields fill A's empty ones; B goes. Refused when a citation would be quoted in
    its own source (B cited as reported in A, or A in B)."""
    a, b = resolve_source(session, keep), resolve_source(session, fold_in)
    _same(a, b, "source", keep, fold_in)
    citations = Citation.__table__
    c = citations.c
    clash = list(session.scalars(select(c.id).where(((c.source_id == a.id) & (c.cited_in_id == b.id))
                                                    | ((c.source_id == b.id) & (c.cited_in_id == a.id)))
                                 .order_by(c.id)))
    if clash:
        listed = ", ".join(f"c{i}" for i in clash[:5]) + (f" and {len(clash) - 5} more" if len(clash) > 5 else "")
        raise UserError(f"cannot merge {b.key!r} into {a.key!r}: {listed} cite{'s' if len(clash) == 1 else ''} one "
                        "as reported in the other, and would be quoted in their own source; edit them first "
                        "(`edit citation ID --cited-in ''`); nothing was written")
    merged = Merged("source", a.key, b.key)
    _differences(a, b, _SOURCE_FIELDS, merged)
    session.flush()
    merged.moved["citations"] = _repoint(session, c.source_id, b.id, a.id)
    merged.moved["reported citations"] = _repoint(session, c.cited_in_id, b.id, a.id)
    _repoint(session, RetiredKey.__table__.c.source_id, b.id, a.id)
    session.expire_all()
    old_key = b.key
    session.execute(delete(Source.__table__).where(Source.__table__.c.id == b.id))
    session.add(RetiredKey(key=old_key, source_id=a.id))
    refresh_short_forms(session)
    refresh_cells_citing(session, [a.id])  # (B's citations now name A)
    return merged


# --- events ---------------------------------------------------------------------------------------------------

_EVENT_FIELDS = ("date", "title", "summary", "type", "tone", "tone_note")


def _event_differences(a: Event, b: Event, merged: Merged) -> None:
    """B's date, title, summary… that differ from A's (kept, and reported); A's place is kept likewise."""
    for name in _EVENT_FIELDS:
        mine, theirs = getattr(a, name), getattr(b, name)
        if theirs is not None and mine != theirs:
            merged.differing.append((name, mine, theirs))
    if b.place is not None and a.place is not b.place:
        merged.differing.append(("place", a.place.name if a.place else None, b.place.name))
    if b.kind != a.kind:
        merged.differing.append(("kind", a.kind, b.kind))
    for name, column in vocab.DETAIL_FIELDS.items():  # a meeting's format and outcome, an agreement's status…
        mine, theirs = getattr(a, column, None), getattr(b, column, None)
        if theirs is not None and mine != theirs:
            merged.differing.append((name, mine, theirs))


def _citation_key(c: Citation) -> tuple[object, ...]:
    return (c.source_id, c.locator, c.quote, c.cited_as, c.cited_in_id, c.cited_in_locator, c.confidence, c.note)


def _check_invocations(session: Session, a: Event, b: Event) -> list[str]:
    """The events that invoke B (an agreement): they will invoke A, which must then be an agreement too."""
    invokers = list(session.scalars(
        select(Event.slug).join(AgreementInvocation, AgreementInvocation.event_id == Event.id)
        .where(AgreementInvocation.agreement_id == b.id)))
    if invokers and not isinstance(a, Agreement):
        raise UserError(f"cannot merge {b.slug!r} into {a.slug!r}: events invoke {b.slug!r} as an agreement "
                        f"({', '.join(invokers[:5])}) and {a.slug!r} is a {a.kind}; make it an agreement first "
                        f"(`edit event {a.slug} --kind agreement`); nothing was written")
    return invokers


def _move_event_rows(session: Session, a: Event, b: Event, merged: Merged) -> None:
    """Point B's participations, citations and invocations at A, leaving out exact repeats (deleted with B)."""
    parts, cites, inv = Participation.__table__, Citation.__table__, AgreementInvocation.__table__
    have = {(p.actor_id, p.role) for p in a.participations}
    moving = [p.id for p in b.participations if (p.actor_id, p.role) not in have]
    session.execute(update(parts).where(parts.c.id.in_(moving)).values(event_id=a.id))
    merged.moved["participations"] = len(moving)
    same = {_citation_key(c) for c in a.citations}
    moving = [c.id for c in b.citations if _citation_key(c) not in same]
    session.execute(update(cites).where(cites.c.id.in_(moving)).values(event_id=a.id))
    merged.moved["citations"] = len(moving)
    invoked = {x.id for x in a.invokes}
    adding = [x.id for x in b.invokes if x.id not in invoked and x.id != a.id]
    session.execute(delete(inv).where(inv.c.event_id == b.id))
    if adding:
        session.execute(inv.insert(), [{"event_id": a.id, "agreement_id": i} for i in adding])
    invokers = set(session.scalars(select(inv.c.event_id).where(inv.c.agreement_id == b.id)))
    already = set(session.scalars(select(inv.c.event_id).where(inv.c.agreement_id == a.id)))
    session.execute(delete(inv).where(inv.c.agreement_id == b.id))
    rows = [{"event_id": i, "agreement_id": a.id} for i in sorted(invokers - already - {a.id})]
    if rows:
        session.execute(inv.insert(), rows)
    merged.moved["invocations"] = len(adding) + len(rows)


def merge_events(session: Session, keep: str, fold_in: str) -> Merged:
    """Fold event B into event A: B's participants (those A lacks), citations (those A does not repeat) and
    invoked agreements become A's, the events that invoke B invoke A, the relative claims naming B name A (one
    that would name its own event is dropped), B's slug keeps finding A; B goes. A's
    fields are kept; B's differing date, title, summary, type, tone, place, kind and details are reported."""
    a, b = resolve_event(session, keep), resolve_event(session, fold_in)
    _same(a, b, "event", keep, fold_in)
    _check_invocations(session, a, b)
    merged = Merged("event", a.slug, b.slug)
    _event_differences(a, b, merged)
    session.flush()
    _move_event_rows(session, a, b, merged)
    # relative claims naming B name A (one that would name its own event goes); B's own move to A
    merged.moved["relative claims"], merged.moved["dropped relative claims"] = repoint_merged(session, a.id, b.id)
    _repoint(session, RetiredSlug.__table__.c.event_id, b.id, a.id)
    b_id, old_slug = b.id, b.slug
    search_row = session.get(EventSearch, b_id)
    if search_row is not None:  # explicitly, so that SQLite's full-text triggers see the row go
        session.delete(search_row)
    session.flush()
    session.expire_all()
    session.delete(session.get(Event, b_id))
    session.flush()
    session.add(RetiredSlug(slug=old_slug, event_id=a.id))
    kept = session.get(Event, a.id)
    assert kept is not None
    refresh_search(session, kept)
    return merged


MERGES: dict[str, Callable[[Session, str, str], Merged]] = {
    "actor": merge_actors, "place": merge_places, "source": merge_sources, "event": merge_events}
