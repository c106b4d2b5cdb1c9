"""Changing a recorded event: plan, then apply.

`plan_event_edit` checks every requested change and works out what will change — reading the database, never
writing to it — and returns an `EventEdit`; `apply_event_edit` carries the plan out. `edit_event` does both.
A refused edit therefore stops before anything is written, with every problem of the request in one message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.text import fold
from relations_db.errors import UserError
from relations_db.store.models import Actor, Agreement, Event, Meeting, Participation, Place, RetiredSlug
from relations_db.write.checks import (
    Problems,
    check_kind_details,
    check_new_actor_kind,
    check_new_slug,
    check_tone,
    date_values,
    optional_text,
    required_text,
    verbatim,
)
from relations_db.write.claims import follow_edit, single_claim
from relations_db.write.events import invokers_of, likely_duplicates, refuse_duplicates
from relations_db.write.parts import ActorSpec, Participant, create_actor, create_place, participants
from relations_db.write.resolve import (
    load,
    place_or_new,
    resolve_actor,
    resolve_agreements,
    resolve_event,
)
from relations_db.write.search_index import refresh_search

# The fields `edit_event` can set, besides the lists of participants and invoked agreements.
EDITABLE = ("slug", "date", "title", "summary", "type", "tone", "tone_note", "place", "kind", "meeting_format",
            "outcome", "status", "subject")
# The columns that follow from the date: a change of any of them is reported as a change of the date.
_DATE_COLUMNS = ("date", "start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso", "precision",
                 "approximate", "uncertain")
# The changes that can make an event look like another one already recorded.
_IDENTIFYING = frozenset({"date", "title", "actors"})


@dataclass
class EventEdit:
    """What `apply_event_edit` will do to one event: every value checked, every name resolved, only what differs.

    `changed` names what changes, in the order it is reported ("kind", the fields, "actors",
    "invokes"); it is empty when the event already says all that was asked.
    """

    event: Event
    kind: str | None = None  # the new kind, when it changes
    # column → new value; "place" is a Place, the name of a place to create, or None
    values: dict[str, object] = field(default_factory=dict)
    details: dict[str, str | None] = field(default_factory=dict)  # detail field (vocab.DETAIL_FIELDS) → new value
    drop_actor_ids: set[int] = field(default_factory=set)
    add_participants: list[Participant] = field(default_factory=list)  # a name: an actor to create
    new_actor_kind: str | None = None
    invokes: list[Agreement] | None = None  # the agreements it will invoke, when that changes
    changed: list[str] = field(default_factory=list)


@dataclass
class _Lists:
    """The participants, sources and agreements an edit names, resolved."""

    adding: list[Participant]
    dropping: list[Actor]
    invoke: list[Agreement]
    revoke: list[Agreement]


def edit_event(
    session: Session,
    event_ref: str,
    *,
    add_actors: Iterable[ActorSpec] = (),
    remove_actors: Iterable[str] = (),
    add_invokes: Iterable[str] = (),
    remove_invokes: Iterable[str] = (),
    new_actor_kind: str | None = None,
    new_place: bool = False,
    force: bool = False,
    **changes: str | int | None,
) -> tuple[Event, list[str]]:
    """Change an event's fields; return it and the names of what changed (empty: nothing to change).

    `changes` holds the fields to set (`EDITABLE`); a value of None is "leave as it is", an empty string
    clears an optional field (summary, place, tone, outcome…). The date is parsed again (a citation is
    corrected or removed by its id: `write.citations`); a change that makes the event look
    like a duplicate of another is refused unless `force`.
    """
    plan = plan_event_edit(session, event_ref, add_actors=add_actors, remove_actors=remove_actors,
                           add_invokes=add_invokes, remove_invokes=remove_invokes,
                           new_actor_kind=new_actor_kind, new_place=new_place, force=force, **changes)
    return apply_event_edit(session, plan), plan.changed


def plan_event_edit(
    session: Session,
    event_ref: str,
    *,
    add_actors: Iterable[ActorSpec] = (),
    remove_actors: Iterable[str] = (),
    add_invokes: Iterable[str] = (),
    remove_invokes: Iterable[str] = (),
    new_actor_kind: str | None = None,
    new_place: bool = False,
    force: bool = False,
    **changes: str | int | None,
) -> EventEdit:
    """Check an edit (the arguments of `edit_event`) and work out what it changes, writing nothing.

    Raises UserError for a refused edit: every problem of the request at once, then an agreement that other
    events invoke losing its kind, a likely duplicate (unless `force`).
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"edit_event: unknown fields {sorted(unknown)}")
    event = resolve_event(session, event_ref)
    problems = Problems()
    given = {k: v for k, v in changes.items() if v is not None}
    kind = str(given.get("kind", event.kind))
    wanted = _checked_values(session, event, given, new_place, problems)
    details = {f: _text(given[f]) for f in vocab.DETAIL_FIELDS if f in given}
    problems.check(check_kind_details, kind, details)
    request = _resolve_lists(session, event, add_actors, remove_actors, add_invokes,
                             remove_invokes, new_actor_kind, problems)
    problems.raise_if_any(f"edit {event.slug!r}")

    plan = EventEdit(event, new_actor_kind=new_actor_kind)
    _plan_kind(session, plan, kind)
    _plan_values(plan, wanted)
    _plan_details(plan, details)
    _plan_actors(plan, request)
    _plan_invokes(plan, request)
    if plan.changed and not force and _IDENTIFYING & set(plan.changed):
        _refuse_if_duplicate(session, plan)
    return plan


def apply_event_edit(session: Session, plan: EventEdit) -> Event:
    """Carry out a plan of `plan_event_edit`, creating the new actors and place it names; return the event (a new
    object when its kind changed).

    The plan describes the event as it was read: apply it in the session and transaction that made it.
    """
    event = plan.event if plan.kind is None else _change_kind(session, plan.event, plan.kind)
    if "slug" in plan.values:
        _retire_slug(session, event, str(plan.values["slug"]))
    for key, value in plan.values.items():
        if key == "place":
            value = create_place(session, value if isinstance(value, (Place, str)) else None)
        setattr(event, key, value)
    for key, text in plan.details.items():
        setattr(event, vocab.DETAIL_FIELDS[key], text)
    if plan.drop_actor_ids:
        event.participations = [p for p in event.participations if p.actor_id not in plan.drop_actor_ids]
    people = [(create_actor(session, actor, plan.new_actor_kind), role) for actor, role in plan.add_participants]
    event.participations.extend(Participation(actor=actor, role=role) for actor, role in people)
    if plan.invokes is not None:
        event.invokes = plan.invokes
    if plan.changed:
        follow_edit(session, event, set(plan.changed))
        refresh_search(session, event)
    return event


def _retire_slug(session: Session, event: Event, new: str) -> None:
    """Keep the event's old slug finding it (a link or a note may name it); a former slug taken back is its own."""
    taken_back = session.get(RetiredSlug, new)
    if taken_back is not None:
        session.delete(taken_back)
    session.add(RetiredSlug(slug=event.slug, event_id=event.id))


# --- checking the request -------------------------------------------------------------------------------------


def _text(value: str | int) -> str:
    return value if isinstance(value, str) else str(value)


def _checked_values(session: Session, event: Event, given: dict[str, str | int], new_place: bool,
                    problems: Problems) -> dict[str, object]:
    """The event's own fields as they are to be (whether they differ or not), each checked, in report order."""
    new: dict[str, object] = {}
    for name in ("date", "place"):  # (edits the one claim of the kind: more than one is `edit claim`'s work)
        if name in given:
            problems.check(single_claim, event, name)
    if "date" in given:
        new.update(problems.check(date_values, _text(given["date"])) or {})
    if "title" in given:
        new["title"] = problems.check(required_text, _text(given["title"]), "the title")
    if "type" in given:  # (an empty type: not classified)
        new["type"] = optional_text(_text(given["type"]))
    if "summary" in given:
        new["summary"] = verbatim(_text(given["summary"]))
    if "tone" in given:
        new["tone"] = problems.check(check_tone, given["tone"])
    if "tone_note" in given:
        new["tone_note"] = verbatim(_text(given["tone_note"]))
    if new.get("tone_note", event.tone_note) and new.get("tone", event.tone) is None:
        problems.add("a tone note gives the basis of a tone: the event has no tone", field="tone_note")
    if "slug" in given and given["slug"] != event.slug:
        new["slug"] = problems.check(check_new_slug, session, _text(given["slug"]), event.id)
    if "place" in given:
        place = _text(given["place"])
        new["place"] = problems.check(place_or_new, session, place, new_place) if optional_text(place) else None
    return new


def _resolve_lists(session: Session, event: Event, add_actors: Iterable[ActorSpec], remove_actors: Iterable[str],
                   add_invokes: Iterable[str], remove_invokes: Iterable[str],
                   new_actor_kind: str | None, problems: Problems) -> _Lists:
    """The participants and agreements the edit names, resolved, with what cannot be done recorded."""
    problems.check(check_new_actor_kind, new_actor_kind)
    adding = participants(session, add_actors, new_actor_kind if new_actor_kind in vocab.ACTOR_KINDS else None,
                          problems)
    dropping = [problems.check(resolve_actor, session, name) for name in remove_actors]
    for actor in dropping:
        if actor is not None and actor.id not in {p.actor_id for p in event.participations}:
            problems.add(f"{actor.name!r} is not a participant of {event.slug!r}")
    invoke = problems.check(resolve_agreements, session, add_invokes) or []
    revoke = problems.check(resolve_agreements, session, remove_invokes) or []
    return _Lists(adding, [a for a in dropping if a is not None], invoke, revoke)


# --- working out what changes ---------------------------------------------------------------------------------


def _note(plan: EventEdit, what: str) -> None:
    if what not in plan.changed:
        plan.changed.append(what)


def _plan_kind(session: Session, plan: EventEdit, kind: str) -> None:
    """A change of kind; refused for an agreement that other events invoke (they would invoke a non-agreement)."""
    event = plan.event
    if kind == event.kind:
        return
    if event.kind == "agreement":
        invokers = invokers_of(session, event.id)
        if invokers:
            raise UserError(f"{event.slug!r} is invoked as an agreement by {', '.join(invokers)}: remove those "
                            "invocations of it first; nothing was written", field="remove_invokes")
    plan.kind = kind
    _note(plan, "kind")


def _plan_values(plan: EventEdit, wanted: dict[str, object]) -> None:
    """The values that differ from the event's; a place to create always differs."""
    for key, value in wanted.items():
        if (key == "place" and isinstance(value, str)) or getattr(plan.event, key) != value:
            plan.values[key] = value
            _note(plan, "date" if key in _DATE_COLUMNS else key)


def _plan_details(plan: EventEdit, details: dict[str, str]) -> None:
    """The details that differ from the event's (after a change of kind, the new kind has none yet)."""
    for key, given in details.items():
        value = optional_text(given) if key in ("meeting_format", "status") else verbatim(given)
        current = getattr(plan.event, vocab.DETAIL_FIELDS[key]) if plan.kind is None else None
        if current != value:
            plan.details[key] = value
            plan.changed.append(key)


def _plan_actors(plan: EventEdit, request: _Lists) -> None:
    """The participants that go (every role of each actor named) and those that are added (not there yet)."""
    plan.drop_actor_ids = {a.id for a in request.dropping}
    if plan.drop_actor_ids:
        _note(plan, "actors")
    have: set[tuple[int | str, str | None]] = {
        (p.actor_id, p.role) for p in plan.event.participations if p.actor_id not in plan.drop_actor_ids}
    for actor, role in request.adding:
        # (an actor to create is known by its folded name: 'Mao' and 'mao' make one actor)
        key = (fold(actor) if isinstance(actor, str) else actor.id, role)
        if key not in have:
            have.add(key)
            plan.add_participants.append((actor, role))
            _note(plan, "actors")


def _plan_invokes(plan: EventEdit, request: _Lists) -> None:
    """The agreements the event will invoke: those it invokes less those removed, then those added."""
    event = plan.event
    current = list(event.invokes)
    revoked = {a.id for a in request.revoke}
    wanted = [a for a in current if a.id not in revoked]
    wanted += [a for a in request.invoke if a.id not in {c.id for c in current} and a.id != event.id]
    if [a.id for a in wanted] != [a.id for a in current]:
        plan.invokes = wanted
        plan.changed.append("invokes")


def _refuse_if_duplicate(session: Session, plan: EventEdit) -> None:
    """Refuse the edit when the event, as it will be, looks like another one on the same dates."""
    event, values = plan.event, plan.values
    start = values.get("start_day", event.start_day)
    end = values.get("end_day", event.end_day)
    title = values.get("title", event.title)
    assert (start is None or isinstance(start, int)) and (end is None or isinstance(end, int))  # (as checked)
    assert isinstance(title, str)
    actor_ids = {p.actor_id for p in event.participations if p.actor_id not in plan.drop_actor_ids}
    actor_ids |= {a.id for a, _ in plan.add_participants if not isinstance(a, str)}
    if any(isinstance(a, str) for a, _ in plan.add_participants):
        # A new actor takes part in no other event, so no other event can have the same participants.
        actor_ids = set()
    refuse_duplicates(likely_duplicates(session, start, end, title, actor_ids, exclude_id=event.id))


# --- applying -------------------------------------------------------------------------------------------------


def _change_kind(session: Session, event: Event, kind: str) -> Event:
    """Make an event a meeting, an agreement or a plain event, keeping its id, actors and citations.

    With joined-table inheritance the kind decides which detail table holds a row, and the ORM cannot change
    an object's class, so the rows are moved with plain SQL and the event is loaded again.
    """
    session.flush()
    event_id = event.id
    tables = {"meeting": Meeting.__table__, "agreement": Agreement.__table__}
    if event.kind in tables:
        session.execute(delete(tables[event.kind]).where(tables[event.kind].c.id == event_id))
    session.execute(update(Event.__table__).where(Event.__table__.c.id == event_id).values(kind=kind))
    if kind in tables:
        session.execute(insert(tables[kind]).values(id=event_id))
    session.expunge(event)
    return load(session, Event, event_id, "event", event.slug)
