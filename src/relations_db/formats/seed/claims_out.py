"""Writing an event's claims in the seed format (version 5), beside its fields.

Most events state nothing but their own claims — their date, place and participants, normal rank, no reason,
supported by every citation — and the file writes nothing more for them. For the others the exporter reads, a
batch of events at a time, their claims and links: the event's `date` and `place` are then its own claims' (not
what the claims decide it shows), its `participants` leave out those another claim adds, and `claims` lists its
own claims that carry a rank, a reason or linked citations (`own: true`), then every other claim, each in id
order, so that exporting a file's import gives the file again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from relations_db.domain.vocab import CLAIM_RANK_DEFAULT, RELATIVE_CLAIMS, STANCES
from relations_db.formats.seed.fields import SeedClaim
from relations_db.store.own_claims import listing_order
from relations_db.store.schema import actors as AC
from relations_db.store.schema import claim_citations as CC
from relations_db.store.schema import claims as CL
from relations_db.store.schema import events as EV
from relations_db.store.schema import participations as PA
from relations_db.store.schema import places as PL


@dataclass
class _Claim:
    id: int
    kind: str
    own: bool
    rank: str
    reason: str | None
    value: dict[str, str]  # the value fields of its kind, as the format names them
    links: dict[str, list[int]] = field(default_factory=dict)  # stance → citation ids


@dataclass
class EventClaims:
    """What an event's claims change in its seed entry: its own date and place, the participants other claims
    add (kept out of `participants`), and the `claims` entries."""

    date: str | None = None
    place: str | None = None
    own_place: bool = False
    not_participants: list[tuple[str, str | None]] = field(default_factory=list)
    claims: list[_Claim] = field(default_factory=list)

    def place_of(self, shown: str | None) -> str | None:
        """The event's `place`: its own place claim's; the place it shows while it has no place claim row (its own
        place claim has none: `store.own_claims`)."""
        return self.place if any(c.kind == "place" for c in self.claims) else shown

    def own_date(self, shown: str) -> str:
        """The event's `date`: its own date claim's; when it has none (removed), the claim of the date it shows
        stands for it, written as its own."""
        if self.date is None:
            self.date = shown
            for claim in self.claims:
                if claim.kind == "date" and claim.value["date"] == shown:
                    claim.own = True
                    break
        return self.date

    def entries(self, citation_ids: list[int]) -> list[SeedClaim]:
        """The `claims` entries, citations named by their 1-based position in the event's `citations`."""
        position = {citation_id: i + 1 for i, citation_id in enumerate(citation_ids)}
        written = [c for c in self.claims if c.own and (c.rank != CLAIM_RANK_DEFAULT or c.reason or c.links)]
        written += [c for c in self.claims if not c.own]
        return [_entry(c, position) for c in written]

    def places(self) -> set[str]:
        """The places the claims name (the file must define them)."""
        return {c.value["place"] for c in self.claims if "place" in c.value}

    def events(self) -> set[str]:
        """The events the relative claims name (the file must hold them)."""
        return {c.value["event"] for c in self.claims if "event" in c.value}


def _entry(claim: _Claim, position: dict[int, int]) -> SeedClaim:
    entry: dict[str, Any] = {"kind": claim.kind}
    if claim.own:
        entry["own"] = True
    if not (claim.own and claim.kind in ("date", "place")):  # (an own date or place is the event's field)
        entry.update(claim.value)
    if claim.rank != CLAIM_RANK_DEFAULT:
        entry["rank"] = claim.rank
    if claim.reason:
        entry["reason"] = claim.reason
    for stance in STANCES:
        if claim.links.get(stance):
            entry[stance] = sorted(position[c] for c in claim.links[stance] if c in position)
    return entry  # type: ignore[return-value]  # (the keys are SeedClaim's, in the format's order)


def with_claims(session: Session, rows: Iterable[Mapping[str, Any]]
                ) -> Iterator[tuple[Mapping[str, Any], EventClaims | None]]:
    """Each event row with what its claims add to its seed entry (None when it has only plain own claims). The
    ids of the events with more are read once, first; their claims one event at a time, as its row passes, so
    that the rows stream (one is let go before the next is read)."""
    special: set[int] | None = None
    for row in rows:
        if special is None:
            special = _special_events(session)
        event_id = row.get("id")
        yield row, _read(session, [event_id]).get(event_id) if event_id in special else None


def _special_events(session: Session) -> set[int]:
    """The events with a claim that the seed format writes in `claims`: not the event's own, or ranked or
    reasoned, or linked to a citation (two plain scans, not a correlated probe per claim)."""
    found = set(session.scalars(select(CL.c.event_id).where(
        or_(~CL.c.own, CL.c.rank != CLAIM_RANK_DEFAULT, CL.c.reason.is_not(None))).distinct()))
    found.update(session.scalars(select(CL.c.event_id).join(CC, CC.c.claim_id == CL.c.id).distinct()))
    return found


def _read(session: Session, ids: list[int]) -> dict[int, EventClaims]:
    """The claims of these events, with their links."""
    other = EV.alias("other")
    rows = session.execute(
        select(CL.c.event_id, CL.c.id, CL.c.kind, CL.c.own, CL.c.rank, CL.c.reason, CL.c.date, PL.c.name, AC.c.name,
               PA.c.role, other.c.slug, CL.c.at_least, CL.c.at_most)
        .outerjoin(PL, PL.c.id == CL.c.place_id).outerjoin(PA, PA.c.id == CL.c.participation_id)
        .outerjoin(AC, AC.c.id == PA.c.actor_id).outerjoin(other, other.c.id == CL.c.other_event_id)
        .where(CL.c.event_id.in_(ids)).order_by(CL.c.event_id, *listing_order(CL))).all()
    claims: dict[int, _Claim] = {}
    found: dict[int, EventClaims] = {}
    for event_id, id_, kind, own, rank, reason, *value in rows:
        claim = claims[id_] = _Claim(id_, kind, bool(own), rank, reason, _value(kind, *value))
        found.setdefault(event_id, EventClaims()).claims.append(claim)
    for claim_id, citation_id, stance in session.execute(
            select(CC.c.claim_id, CC.c.citation_id, CC.c.stance).where(CC.c.claim_id.in_(list(claims)))
            .order_by(CC.c.claim_id, CC.c.citation_id)):
        claims[claim_id].links.setdefault(stance, []).append(citation_id)
    for event_claims in found.values():
        _own_fields(event_claims)
    return found


def _value(kind: str, date: str | None, place: str | None, actor: str | None, role: str | None, other: str | None,
           at_least: str | None, at_most: str | None) -> dict[str, str]:
    if kind == "date":
        return {"date": date or ""}
    if kind == "place":
        return {"place": place or ""}
    if kind == "participant":
        return {"actor": actor or "", **({"role": role} if role is not None else {})}
    if kind in RELATIVE_CLAIMS:
        bounds = {"at_least": at_least, "at_most": at_most}
        return {"event": other or "", **{k: v for k, v in bounds.items() if v is not None}}
    return {}


def _own_fields(found: EventClaims) -> None:
    """The event's own date and place (an event whose own date claim was removed: the date it shows becomes its
    own, so that the file says it once), and the participants that other claims add."""
    for claim in found.claims:
        if claim.own and claim.kind == "date" and found.date is None:
            found.date = claim.value["date"]
        elif claim.own and claim.kind == "place" and not found.own_place:
            found.place, found.own_place = claim.value["place"], True
        elif not claim.own and claim.kind == "participant":
            found.not_participants.append((claim.value["actor"], claim.value.get("role")))

