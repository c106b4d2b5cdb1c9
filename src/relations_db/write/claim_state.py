"""What a file states of a claim, written where the claim is: the CSV long form's rows (formats/csv/claims.py)
find the event's claim of a value, and make a claim the event's own (supported by every citation of the event
linked to no claim), with the rules `write.claims` and `write.relative` apply to `add claim`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.errors import UserError
from relations_db.store.models import Claim
from relations_db.write import relative
from relations_db.write.checks import Problems, date_values, parse_actor_spec
from relations_db.write.claim_links import check_choice, rank_and_reason
from relations_db.write.claims import (
    ClaimInput,
    new_claim,
    one_value,
    recompute,
    same_claim,
    value_of,
    write_own_rows,
)
from relations_db.write.parts import participants
from relations_db.write.resolve import place_or_new, resolve_actor, resolve_event
from relations_db.write.search_index import refresh_search


def find_claim(session: Session, event_ref: str, given: ClaimInput) -> Claim | None:
    """The event's claim that states what `given` states (as `add_claim` would find it), else None; names that
    resolve to nothing find nothing (an import checks them first)."""
    event = resolve_event(session, event_ref)
    write_own_rows(session, [event.id])  # (the claim found is then written on: every claim a row)
    if relative.states_relative(given):
        return relative.find_relative(session, event, given)
    kind = one_value(given)
    value: object = None
    try:
        if kind == "date":
            value = date_values(given.date or "")["date"]
        elif kind == "place":
            place = place_or_new(session, given.place or "", False)
            value = None if isinstance(place, str) or place is None else place.id
        elif kind == "participant":
            name, role = parse_actor_spec(given.actor or "")
            value = (resolve_actor(session, name).id, role)
    except UserError:
        return None
    return same_claim(event, kind, value)


def own_claim(session: Session, event_ref: str, given: ClaimInput, rank: str | None = None,
              reason: str | None = None) -> tuple[Claim, bool]:
    """The event's claim stating `given`, made its own — supported by every citation of the event linked to no
    claim — and made when missing, with the rank and reason when given; and whether it was made. (A CSV long
    form's row without a citation: see formats/csv/claims.py.)"""
    problems = Problems()
    event = problems.check(resolve_event, session, event_ref)
    kind = problems.check(one_value, given)
    if rank is not None:
        problems.check(check_choice, rank, vocab.CLAIM_RANKS, "rank", "rank")
    values = problems.check(date_values, given.date) if given.date else None
    place = problems.check(place_or_new, session, given.place, False) if given.place else None
    people = participants(session, [given.actor], None, problems) if given.actor else []
    problems.raise_if_any("state the claim")
    assert event is not None and kind is not None
    write_own_rows(session, [event.id])
    value = value_of(session, kind, values, place, people)
    claim = same_claim(event, kind, value)
    made = claim is None
    if claim is None:
        claim = new_claim(session, event, kind, value, values)
    claim.own = True
    rank_and_reason(claim, rank, reason)
    recompute(session, event)
    refresh_search(session, event)
    return claim, made
