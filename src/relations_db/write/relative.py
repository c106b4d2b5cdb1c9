"""Relative claims: this event came before, after or during another, with the gaps a source gives ("at least
three months after"). `write.claims` hands them here from `add_claim`, `edit_claim` and `remove_claim`.

The claims name the other event (`claims.other_event_id`); removing that event removes them (the foreign key
cascades, and `remove_event` counts them first), merging it re-points them (`repoint_merged`). After each change
the events of the claim's component that have no shown date of their own (every date claim deprecated) take the
bounds the relative claims derive (`apply_derived`): the event's date becomes their EDTF interval. No date claim
is written for it (one would bound its own derivation, and outlive the claims it came from); `show` says where
the date comes from ("Derived from relative claims: …").
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from relations_db.domain import dates, relative, vocab
from relations_db.errors import NotFound, UserError
from relations_db.read.relative import derived_of
from relations_db.read.relative_rows import component
from relations_db.store.models import Citation, Claim, Event
from relations_db.store.schema import claims as CL
from relations_db.write.checks import Problems
from relations_db.write.claim_links import check_choice, existing_citation, link, rank_and_reason
from relations_db.write.parts import CitationInput, new_citation
from relations_db.write.resolve import resolve_event


class ClaimInput(Protocol):
    """What `add claim` states (`write.claims.ClaimInput`): the fields this module reads."""

    date: str | None
    actor: str | None
    place: str | None
    occurred: bool
    before: str | None
    after: str | None
    during: str | None
    at_least: str | None
    at_most: str | None


def states_relative(given: ClaimInput) -> bool:
    """Whether `add claim` or `edit claim` was given a relative value (before, after, during, or a gap)."""
    return any((given.before, given.after, given.during, given.at_least, given.at_most))


def _stated(given: ClaimInput) -> list[tuple[str, str]]:
    return [(kind, ref) for kind, ref in (("before", given.before), ("after", given.after),
                                          ("during", given.during)) if ref]


def _other_event(session: Session, ref: str, kind: str) -> Event:
    try:
        return resolve_event(session, ref)
    except NotFound as exc:  # (named by its field, so that the command line names the option)
        raise NotFound(str(exc), field=kind) from None


def _gaps(given: ClaimInput, kind: str | None, problems: Problems) -> tuple[str | None, str | None]:
    """The gaps as stored ('3M'), checked: only a before or after claim has them, and at least ≤ at most."""
    least = problems.check(relative.normal_duration, given.at_least, "at_least") if given.at_least else None
    most = problems.check(relative.normal_duration, given.at_most, "at_most") if given.at_most else None
    if (given.at_least or given.at_most) and kind not in ("before", "after"):
        problems.add("a gap (at_least, at_most) bounds a before or after claim only: give the event it is before "
                     "or after", field="at_least" if given.at_least else "at_most")
    if least and most and relative.least_days(least) > relative.most_days(most):
        problems.add(f"the gap cannot be at least {relative.duration_label(least)} and at most "
                     f"{relative.duration_label(most)}", field="at_least")
    return least, most


def _relative_value(session: Session, event: Event | None, given: ClaimInput,
                    problems: Problems) -> tuple[str, Event, str | None, str | None] | None:
    """(kind, other event, at_least, at_most) that `given` states, checked; None with the problems recorded."""
    stated = _stated(given)
    others = [k for k, v in (("date", given.date), ("participant", given.actor), ("place", given.place),
                             ("occurred", given.occurred)) if v]
    if len(stated) + len(others) > 1 or (len(stated) == 0 and not given.at_least and not given.at_most):
        problems.add("give exactly one of a date, an actor (NAME:ROLE), a place, that the event occurred, or the "
                     "event it is before, after or during (got "
                     f"{', '.join([k for k, _ in stated] + others) or 'none'})")
    kind, ref = stated[0] if len(stated) == 1 else (None, None)
    least, most = _gaps(given, kind, problems)
    other = problems.check(_other_event, session, ref, kind) if kind and ref else None
    if event is not None and other is not None and other.id == event.id:
        problems.add(f"{event.slug!r} cannot be {kind} itself: name another event", field=kind)
    if kind is None or other is None or problems.errors:
        return None
    return kind, other, least, most


def _same_relative(event: Event, kind: str, other_id: int, least: str | None, most: str | None) -> Claim | None:
    for claim in event.claims:
        if (claim.kind, claim.other_event_id, claim.at_least, claim.at_most) == (kind, other_id, least, most):
            return claim
    return None


def find_relative(session: Session, event: Event, given: ClaimInput) -> Claim | None:
    """The event's relative claim that states what `given` states (kind, other event, gaps), else None (also
    when `given` names no event that is recorded, or is no relative claim)."""
    problems = Problems()
    value = _relative_value(session, event, given, problems)
    if value is None:
        return None
    kind, other, least, most = value
    return _same_relative(event, kind, other.id, least, most)


def add_relative(session: Session, event_ref: str, given: ClaimInput, *, source: str | None,
                 evidence: CitationInput, stance: str, rank: str | None,
                 reason: str | None) -> tuple[Claim, Citation, bool]:
    """`write.claims.add_claim` for a relative claim: the same claim (kind, other event, gaps) gets the citation
    added; otherwise a new claim. Every problem at once. Returns the claim, the citation, whether it is new."""
    problems = Problems()
    event = problems.check(resolve_event, session, event_ref)
    value = _relative_value(session, event, given, problems)
    problems.check(check_choice, stance, vocab.STANCES, "stance", "stance")
    if rank is not None:
        problems.check(check_choice, rank, vocab.CLAIM_RANKS, "rank", "rank")
    citation = new_citation(session, source, evidence, problems)
    problems.raise_if_any("add the claim")
    assert event is not None and value is not None and citation is not None
    kind, other, least, most = value
    citation = existing_citation(event, citation)
    claim = _same_relative(event, kind, other.id, least, most)
    new = claim is None
    if claim is None:
        claim = Claim(kind=kind, own=False, rank=vocab.CLAIM_RANK_DEFAULT, other_event_id=other.id, at_least=least,
                      at_most=most)
        event.claims.append(claim)
    rank_and_reason(claim, rank, reason)
    session.flush()
    link(session, claim, citation, stance)
    apply_derived(session, event.id)
    return claim, citation, new


def edit_relative(session: Session, claim: Claim, given: ClaimInput, problems: Problems) -> bool:
    """`edit claim` of a relative claim: another event or other gaps (the kind stays); whether it changed. A
    value another claim of the event states already is refused."""
    if claim.kind not in vocab.RELATIVE_CLAIMS:
        problems.add(f"k{claim.id} is a {claim.kind} claim: it takes no before, after, during or gap")
        return False
    stated = _stated(given)
    if any(kind != claim.kind for kind, _ in stated) or given.date or given.actor or given.place:
        article = "an" if claim.kind[0] in "aeiou" else "a"
        problems.add(f"k{claim.id} is {article} {claim.kind} claim: give the event it is {claim.kind} (or its gaps)",
                     field=claim.kind)
        return False
    ref = stated[0][1] if stated else None
    other = problems.check(_other_event, session, ref, claim.kind) if ref else claim.other_event
    if other is not None and other.id == claim.event_id:
        problems.add(f"{claim.event.slug!r} cannot be {claim.kind} itself: name another event", field=claim.kind)
    least, most = _gaps(given, claim.kind, problems)
    least = least if given.at_least is not None else claim.at_least
    most = most if given.at_most is not None else claim.at_most
    if other is None or problems.errors:
        return False
    twin = _same_relative(claim.event, claim.kind, other.id, least, most)
    if twin is not None and twin.id != claim.id:
        raise UserError(f"k{twin.id} of {claim.event.slug!r} already says that: add the citation to it, or remove "
                        "one of the two; nothing was written", field=claim.kind)
    if (claim.other_event_id, claim.at_least, claim.at_most) == (other.id, least, most):
        return False
    old_other = claim.other_event_id
    claim.other_event_id, claim.at_least, claim.at_most = other.id, least, most
    session.flush()
    apply_derived(session, claim.event_id, old_other)
    return True


# --- the dates relative claims derive ---------------------------------------------------------------------------


def _relative_links(session: Session, ids: list[int]) -> list[tuple[int, int]]:
    rows = session.execute(select(CL.c.event_id, CL.c.other_event_id).where(
        CL.c.other_event_id.is_not(None), CL.c.rank != "deprecated",
        or_(CL.c.event_id.in_(ids), CL.c.other_event_id.in_(ids))))
    return [(a, b) for a, b in rows]


def _undated(session: Session, ids: list[int]) -> list[int]:
    """The events of `ids` that have date claims, none of them shown (every one deprecated): their date is
    derived. (An event a bulk import wrote without claims keeps the date of its own columns.)"""
    dated = session.execute(select(CL.c.event_id, CL.c.rank).where(CL.c.kind == "date", CL.c.event_id.in_(ids)))
    ranks: dict[int, set[str]] = {}
    for event_id, rank in dated:
        ranks.setdefault(event_id, set()).add(rank)
    return sorted(e for e, found in ranks.items() if found == {"deprecated"})


def apply_derived(session: Session, *event_ids: int | None) -> None:
    """The events linked to `event_ids` that have no shown date claim take the bounds their relative claims
    derive: the EDTF interval of the two days (an end no claim bounds: '..')."""
    session.flush()
    ids: set[int] = set()
    for event_id in event_ids:
        if event_id is not None and event_id not in ids:
            ids.update(component(event_id, lambda some: _relative_links(session, some)))
    for event_id in _undated(session, sorted(ids)):
        event = session.get(Event, event_id)
        if event is not None:
            _derive_date(session, event)


def _derive_date(session: Session, event: Event) -> None:
    found = derived_of(session, event.id)
    if found is None or found["contradiction"]:
        return
    text = f"{found['not_before'] or '..'}/{found['not_after'] or '..'}"
    if text == "../..":
        return
    parsed = dates.parse(text)
    event.date, event.precision, event.approximate, event.uncertain = parsed.text, parsed.precision, False, False
    event.start_day, event.start_kind, event.start_iso = parsed.start_day, parsed.start_kind, parsed.start_iso
    event.end_day, event.end_kind, event.end_iso = parsed.end_day, parsed.end_kind, parsed.end_iso
    session.flush()


# --- removing and merging events ------------------------------------------------------------------------------


def naming(session: Session, event_id: int) -> int:
    """How many relative claims of other events name this one (they go with it)."""
    return session.scalar(select(func.count()).select_from(CL).where(
        CL.c.other_event_id == event_id, CL.c.event_id != event_id)) or 0


def repoint_merged(session: Session, keep_id: int, gone_id: int) -> tuple[int, int]:
    """Before event `gone_id` is folded into `keep_id`: the relative claims naming it name `keep_id`, its own
    relative claims become `keep_id`'s; a claim that would then name its own event is dropped. Returns (re-pointed,
    dropped)."""
    selfish = or_((CL.c.event_id == keep_id) & (CL.c.other_event_id == gone_id),
                  (CL.c.event_id == gone_id) & (CL.c.other_event_id == keep_id))
    relative_ = CL.c.other_event_id.is_not(None)
    dropped = _count(session, relative_, selfish)
    session.execute(delete(CL).where(relative_, selfish))
    moved = _count(session, relative_, or_(CL.c.other_event_id == gone_id, CL.c.event_id == gone_id))
    session.execute(update(CL).where(CL.c.other_event_id == gone_id).values(other_event_id=keep_id))
    session.execute(update(CL).where(CL.c.event_id == gone_id, relative_).values(event_id=keep_id))
    return moved, dropped


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(CL).where(*where)) or 0
