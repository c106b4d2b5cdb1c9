"""What every kind of claim shares when `add claim` writes it (`write.claims`, `write.relative`): the checked
choices, the citation stored once, and the link that says whether it supports or disputes the claim."""

from __future__ import annotations

from sqlalchemy.orm import Session

from relations_db.errors import UserError
from relations_db.store.models import Citation, Claim, ClaimCitation, Event


def rank_and_reason(claim: Claim, rank: str | None, reason: str | None) -> None:
    """Give `claim` the rank and the reason a write states (a checked rank; a blank reason keeps the old one)."""
    from relations_db.write.checks import optional_text

    if rank is not None:
        claim.rank = rank
    stated = optional_text(reason)
    if stated:
        claim.reason = stated


def check_choice(value: str, choices: tuple[str, ...], what: str, field: str) -> str:
    """`value` when it is one of `choices`; otherwise a message listing them."""
    if value not in choices:
        raise UserError(f"{value!r} is not a {what}: give one of {', '.join(choices)}", field=field)
    return value


def existing_citation(event: Event, citation: Citation) -> Citation:
    """The event's citation with the same source, locator and quotation (stored once), else `citation` added."""
    for old in event.citations:
        if (old.source_id, old.locator, old.quote) == (citation.source.id, citation.locator, citation.quote):
            return old
    event.citations.append(citation)
    return citation


def link(session: Session, claim: Claim, citation: Citation, stance: str) -> None:
    """Link the citation to the claim with its stance (once; the other stance as well is refused)."""
    session.flush()
    found = session.get(ClaimCitation, (claim.id, citation.id))
    if found is None:
        session.add(ClaimCitation(claim_id=claim.id, citation_id=citation.id, stance=stance))
    elif found.stance != stance:
        raise UserError(f"citation c{citation.id} already {found.stance} claim k{claim.id}: it cannot also "
                        f"{stance.removesuffix('s')} it; nothing was written", field="stance")
