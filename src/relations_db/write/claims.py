"""Claims: statements about an event, each with its evidence and rank; the event shows what they decide.

An event's own claims (its date, place and participants), supported by its citations with no link rows, are read
from the event until a command here touches one of the event's claims: then `write_own_rows` writes them
(`store.own_claims`; an import of a million events writes no claim row). `add_claim` records what another citation
says — the same value adds the citation to the claim that has it, a new one makes a new claim — and `rank_claim`
ranks a claim. After each, `recompute` sets the event's date columns, place and `disputed` flag from its claims
(`domain.claims`), and the spans of a disputed event in `disputed_spans`, which the date filters read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from relations_db.domain import claims as rule
from relations_db.domain import dates, vocab
from relations_db.errors import NotFound, UserError
from relations_db.read.claim_rows import relative_value
from relations_db.store import own_claims
from relations_db.store.models import Citation, Claim, DisputedSpan, Event, Participation
from relations_db.store.schema import claims as claims_table
from relations_db.store.schema import events as events_table
from relations_db.write import relative
from relations_db.write.checks import Problems, date_values, optional_text
from relations_db.write.claim_links import check_choice as _check_choice
from relations_db.write.claim_links import existing_citation as _existing_citation
from relations_db.write.claim_links import link as _link
from relations_db.write.claim_links import rank_and_reason
from relations_db.write.parts import (
    CitationInput,
    Participant,
    create_participants,
    create_place,
    new_citation,
    participants,
)
from relations_db.write.resolve import place_or_new, resolve_event
from relations_db.write.search_index import refresh_search

_ID = re.compile(r"[kK]?(-?[0-9]+)")


# --- the event's own claims -------------------------------------------------------------------------------------


def write_own_rows(session: Session, event_ids: list[int]) -> None:
    """Write the rows of the own claims of these events that have none (`store.own_claims`), each with the id it
    is known by, before a command ranks, links, edits or removes one of them or adds a claim beside them: then
    every claim of the event is a row, and the ORM's `Event.claims` has them all."""
    session.flush()
    own_claims.write_rows(session, event_ids)
    for event_id in event_ids:  # (only the events the session holds: their claims are read again when used)
        event = session.identity_map.get(identity_key(Event, event_id))
        if event is not None:
            session.expire(event, ["claims"])


def follow_import(session: Session, event_ids: list[int]) -> None:
    """After an import (or the seed loader) rewrote the date or place of the events `event_ids`: an event's one own
    date (place) claim that has a row takes the new value. (Its claims without rows follow its columns.)"""
    ids = sorted(set(event_ids))
    for i in range(0, len(ids), 500):
        _follow_columns(session, ids[i:i + 500])
    session.flush()


# The columns of an event that its date claims decide (`recompute`).
DATE_FIELDS = ("date", "start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso", "precision",
               "approximate", "uncertain")


def several_dates(session: Session) -> set[int]:
    """The ids of the events with more than one date claim (whose date an import may not change)."""
    c = claims_table
    return set(session.scalars(select(c.c.event_id).where(c.c.kind == "date").group_by(c.c.event_id)
                               .having(func.count() > 1)))


def _follow_columns(session: Session, ids: list[int] | None) -> None:
    """An import that rewrote an event's date or place: its one own date (place) claim takes the new value; an
    event with more than one such claim is left to `edit claim` (the importers refuse to change its date)."""
    c, e = claims_table, events_table
    other = claims_table.alias("other")
    of_events = [c.c.event_id.in_(ids)] if ids is not None else []
    for kind, columns in (("date", ("date", "start_day", "end_day")), ("place", ("place_id",))):
        alone = select(func.count()).where(other.c.event_id == c.c.event_id, other.c.kind == kind).scalar_subquery()
        value = {name: select(e.c[name]).where(e.c.id == c.c.event_id).scalar_subquery() for name in columns}
        differs = value[columns[0]] != c.c[columns[0]]
        if kind == "place":  # (an event whose place was cleared keeps the claim: nothing to compare)
            differs = and_(value["place_id"].is_not(None), differs)
        session.execute(update(c).where(c.c.kind == kind, c.c.own, alone == 1, differs, *of_events)
                        .values({c.c[name]: value[name] for name in columns}))


# --- what the event shows -------------------------------------------------------------------------------------


def _date_claims(event: Event) -> list[rule.DateClaim]:
    return [rule.DateClaim(c.id, c.date or "", c.start_day, c.end_day, c.rank) for c in event.claims
            if c.kind == "date"]


def recompute(session: Session, event: Event) -> None:
    """Set the event's date columns, `disputed` flag, place and disputed spans from its claims (flushed first,
    so that every claim has its id). An event whose every date claim is deprecated keeps its date."""
    session.flush()
    outcome = rule.date_outcome(_date_claims(event))
    session.execute(delete(DisputedSpan.__table__).where(DisputedSpan.__table__.c.event_id == event.id))
    if outcome is not None:
        shown = dates.parse(outcome.shown.date)
        start, end = dates.parse(outcome.start_from.date), dates.parse(outcome.end_from.date)
        event.date, event.precision = shown.text, shown.precision
        event.approximate, event.uncertain = shown.approximate, shown.uncertain
        event.start_day, event.start_kind, event.start_iso = start.start_day, start.start_kind, start.start_iso
        event.end_day, event.end_kind, event.end_iso = end.end_day, end.end_kind, end.end_iso
        event.disputed = outcome.disputed
        if outcome.disputed:
            session.add_all(DisputedSpan(claim_id=c.id, event_id=event.id, start_day=c.start_day, end_day=c.end_day)
                            for c in outcome.best)
    place = rule.shown_place([rule.PlaceClaim(c.id, c.place_id, c.rank) for c in event.claims if c.kind == "place"])
    if place is not rule.KEEP:
        event.place_id = place  # type: ignore[assignment]  # (KEEP aside, an id or None)
    session.flush()


# --- adding a claim ---------------------------------------------------------------------------------------------


@dataclass
class ClaimInput:
    """What `add claim` states: exactly one of a date (EDTF), an actor (NAME:ROLE), a place, that it occurred, or
    the event it is before, after or during (id or slug; a before or after claim may bound the gap with durations,
    '3M': `write.relative`)."""

    date: str | None = None
    actor: str | None = None
    place: str | None = None
    occurred: bool = False
    before: str | None = None
    after: str | None = None
    during: str | None = None
    at_least: str | None = None
    at_most: str | None = None


@dataclass
class AddedClaim:
    """What `add_claim` did: the claim, the citation, and whether the claim is new or already had this value."""

    claim: Claim
    citation: Citation
    new_claim: bool


def one_value(given: ClaimInput) -> str:
    stated = [k for k, v in (("date", given.date), ("participant", given.actor), ("place", given.place),
                             ("occurred", given.occurred)) if v]
    if len(stated) != 1:
        raise UserError("give exactly one of a date, an actor (NAME:ROLE), a place, or that the event occurred "
                        f"(got {', '.join(stated) or 'none'})")
    return stated[0]


def same_claim(event: Event, kind: str, value: object) -> Claim | None:
    """The event's claim of this kind that states `value` already."""
    for claim in event.claims:
        if claim.kind != kind:
            continue
        if ((kind == "date" and claim.date == value) or (kind == "place" and claim.place_id == value)
                or kind == "occurred"
                or (kind == "participant" and claim.participation is not None
                    and (claim.participation.actor_id, claim.participation.role) == value)):
            return claim
    return None


def add_claim(session: Session, event_ref: str, given: ClaimInput, *, source: str | None,
              evidence: CitationInput, stance: str = vocab.STANCE_DEFAULT, rank: str | None = None,
              reason: str | None = None) -> AddedClaim:
    """State one thing about an event on one citation. A value equal to an existing claim's adds the citation to
    that claim (and sets its rank or reason when given); otherwise a new claim is made. Every problem at once."""
    if relative.states_relative(given):
        return AddedClaim(*relative.add_relative(session, event_ref, given, source=source, evidence=evidence,
                                                 stance=stance, rank=rank, reason=reason))
    problems = Problems()
    event = problems.check(resolve_event, session, event_ref)
    kind = problems.check(one_value, given)
    problems.check(_check_choice, stance, vocab.STANCES, "stance", "stance")
    if rank is not None:
        problems.check(_check_choice, rank, vocab.CLAIM_RANKS, "rank", "rank")
    values = problems.check(date_values, given.date) if given.date else None
    place = problems.check(place_or_new, session, given.place, False) if given.place else None
    people = participants(session, [given.actor], None, problems) if given.actor else []
    citation = new_citation(session, source, evidence, problems)
    problems.raise_if_any("add the claim")
    assert event is not None and kind is not None and citation is not None
    write_own_rows(session, [event.id])
    citation = _existing_citation(event, citation)
    value = value_of(session, kind, values, place, people)
    claim = same_claim(event, kind, value)
    new = claim is None
    if claim is None:
        claim = new_claim(session, event, kind, value, values)
    rank_and_reason(claim, rank, reason)
    session.flush()
    _link(session, claim, citation, stance)
    recompute(session, event)
    refresh_search(session, event)
    return AddedClaim(claim, citation, new)


def value_of(session: Session, kind: str, values: object, place: object, people: list[Participant]) -> object:
    """What a claim of `kind` states, as `same_claim` compares it (a new place or actor made now)."""
    if kind == "date":
        assert isinstance(values, dict)
        return values["date"]
    if kind == "place":
        return create_place(session, place).id  # type: ignore[arg-type,union-attr]
    if kind == "participant":
        actor, role = create_participants(session, people, None)[0]
        return (actor.id, role)
    return None


def new_claim(session: Session, event: Event, kind: str, value: object, values: object) -> Claim:
    claim = Claim(kind=kind, own=False, rank=vocab.CLAIM_RANK_DEFAULT)
    if kind == "date":
        assert isinstance(values, dict)
        claim.date, claim.start_day, claim.end_day = values["date"], values["start_day"], values["end_day"]
    elif kind == "place":
        assert isinstance(value, int)
        claim.place_id = value
    elif kind == "participant":
        assert isinstance(value, tuple)
        part = Participation(actor_id=value[0], role=value[1])
        event.participations.append(part)
        claim.participation = part
    event.claims.append(claim)
    session.flush()
    return claim


# --- ranking ----------------------------------------------------------------------------------------------------


def claim_id(ref: str | int) -> int:
    """The number of a claim as a user gives it: 'k12', 'k-164' (an event's own claim), '12' or 12 (`claims EVENT`
    prints k12)."""
    if isinstance(ref, int):
        return ref
    match = _ID.fullmatch(ref.strip())
    if match is None:
        raise UserError(f"{ref!r} is not a claim id: give it as `claims EVENT` prints it, e.g. k12 or k-164",
                        field="claim")
    return int(match.group(1))


def _owner_event(session: Session, number: int) -> int | None:
    """The event of an own claim that has no row yet (`vocab.own_claim_id`), None when there is none such."""
    owner = vocab.own_claim_owner(number)
    if owner is None:
        return None
    kind, owner_id = owner
    if kind != "participant":
        return owner_id
    return session.scalar(select(Participation.event_id).where(Participation.id == owner_id))


def resolve_claim(session: Session, ref: str | int) -> Claim:
    """The claim with this id, with every claim of its event written as a row (`write_own_rows`: an own claim
    that has none gets it now, with this id); NotFound says where ids are shown."""
    number = claim_id(ref)
    found = session.get(Claim, number)
    event_id = found.event_id if found is not None else _owner_event(session, number)
    if event_id is not None:
        write_own_rows(session, [event_id])
        found = session.get(Claim, number)
    if found is None:
        raise NotFound(f"no claim k{claim_id(ref)}: `relations-db claims EVENT` prints each claim's id, e.g. k12",
                       field="claim")
    return found


def rank_claim(session: Session, ref: str | int, rank: str, reason: str | None = None) -> Claim:
    """Rank a claim preferred, normal or deprecated (with the reason, when given); the event shows the result."""
    problems = Problems()
    claim = problems.check(resolve_claim, session, ref)
    problems.check(_check_choice, rank, vocab.CLAIM_RANKS, "rank", "rank")
    problems.raise_if_any("rank the claim")
    assert claim is not None
    claim.rank = rank
    if optional_text(reason):
        claim.reason = optional_text(reason)
    recompute(session, claim.event)
    relative.apply_derived(session, claim.event_id)
    return claim


def single_claim(event: Event, kind: str) -> Claim | None:
    """The event's one claim of `kind` (what `edit event --date/--place` edits), None when it has none; more than
    one is refused, naming `edit claim`."""
    found = [c for c in event.claims if c.kind == kind]
    if len(found) > 1:
        raise UserError(f"{event.slug!r} has {len(found)} {kind} claims (sources disagree): edit one of them with "
                        f"`edit claim`, or rank one with `rank` (`claims {event.slug}` lists them)", field=kind)
    return found[0] if found else None


def follow_edit(session: Session, event: Event, changed: set[str]) -> None:
    """After `edit event`: its one date claim and one place claim take the edited values (`single_claim` has
    refused an edit of an event with more than one), and each new participation gets its own claim."""
    session.flush()
    session.refresh(event, ["claims"])
    claim = single_claim(event, "date") if "date" in changed else None
    if claim is not None:
        claim.date, claim.start_day, claim.end_day = event.date, event.start_day, event.end_day
    claim = single_claim(event, "place") if "place" in changed else None
    if claim is not None and event.place_id is None:
        event.claims.remove(claim)
    elif claim is not None:
        claim.place_id = event.place_id
    recompute(session, event)


# --- correcting and removing a claim ------------------------------------------------------------------------------


def _new_value(session: Session, claim: Claim, given: ClaimInput, problems: Problems) -> tuple[object, object]:
    """The claim's new value as (comparable value, what to store), checked against its kind."""
    kind = claim.kind
    wrong = [k for k, v in (("date", given.date), ("participant", given.actor), ("place", given.place)) if v and
             k != kind]
    if wrong or given.occurred:
        problems.add(f"k{claim.id} is a {kind} claim: it takes "
                     + {"date": "--date", "participant": "--actor", "place": "--place"}.get(kind, "no value"),
                     field=wrong[0] if wrong and wrong[0] != "participant" else None)
        return None, None
    if kind == "date" and given.date:
        values = problems.check(date_values, given.date)
        return (values["date"], values) if values else (None, None)
    if kind == "place" and given.place:
        place = problems.check(place_or_new, session, given.place, False)
        return (place.id, place) if place is not None and not isinstance(place, str) else (None, None)
    if kind == "participant" and given.actor:
        people = participants(session, [given.actor], None, problems)
        if people and not isinstance(people[0][0], str):
            return (people[0][0].id, people[0][1]), people[0]
    return None, None


def edit_claim(session: Session, ref: str | int, given: ClaimInput,
               reason: str | None = None) -> tuple[Claim, list[str]]:
    """Correct a claim's value (of its own kind) or reason; a value another claim of the event states already is
    refused. The event shows the result. Returns the claim and what changed."""
    problems = Problems()
    claim = problems.check(resolve_claim, session, ref)
    if claim is not None and (relative.states_relative(given) or claim.kind in vocab.RELATIVE_CLAIMS):
        moved = relative.edit_relative(session, claim, given, problems)
        value, stored = None, None
    else:
        moved = False
        value, stored = _new_value(session, claim, given, problems) if claim is not None else (None, None)
    problems.raise_if_any("edit the claim")
    assert claim is not None
    changed = [claim.kind] if moved else []
    if value is not None:
        other = same_claim(claim.event, claim.kind, value)
        if other is not None and other.id != claim.id:
            raise UserError(f"k{other.id} of {claim.event.slug!r} already says that: add the citation to it, or "
                            "remove one of the two; nothing was written", field=claim.kind)
        if other is None:
            _store_value(claim, stored)
            changed.append(claim.kind)
    if reason is not None and optional_text(reason) != claim.reason:
        claim.reason = optional_text(reason)
        changed.append("reason")
    recompute(session, claim.event)
    return claim, changed


def _store_value(claim: Claim, stored: object) -> None:
    if claim.kind == "date" and isinstance(stored, dict):
        claim.date, claim.start_day, claim.end_day = stored["date"], stored["start_day"], stored["end_day"]
    elif claim.kind == "place" and stored is not None:
        claim.place = stored  # type: ignore[assignment]
    elif claim.kind == "participant" and isinstance(stored, tuple) and claim.participation is not None:
        claim.participation.actor, claim.participation.role = stored


def remove_claim(session: Session, ref: str | int) -> tuple[str, str, str]:
    """Remove a claim (a participant claim with its participation); an event keeps at least one date claim.
    Citations stay with the event. Returns the event's slug, the claim's kind and value as it read."""
    claim = resolve_claim(session, ref)
    event = claim.event
    if claim.kind == "date" and sum(c.kind == "date" for c in event.claims) == 1:
        raise UserError(f"k{claim.id} is the only date of {event.slug!r}: an event keeps one (correct it with "
                        "`edit claim`); nothing was written", field="claim")
    value = claim.date if claim.kind == "date" else (
        claim.place.name if claim.place is not None else
        claim.participation.actor.name if claim.participation is not None else claim.kind)
    if claim.kind in vocab.RELATIVE_CLAIMS and claim.other_event is not None:
        value = relative_value(claim.kind, claim.other_event.slug, claim.at_least, claim.at_most)[len(claim.kind) + 1:]
    other_id = claim.other_event_id
    if claim.participation is not None:
        event.participations.remove(claim.participation)
    event.claims.remove(claim)
    session.flush()
    relative.apply_derived(session, event.id, other_id)
    if claim.kind == "place" and not any(c.kind == "place" for c in event.claims):
        event.place_id = None
    recompute(session, event)
    refresh_search(session, event)
    return event.slug, claim.kind, str(value)
