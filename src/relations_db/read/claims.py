"""The claims of one event, each with its evidence and rank, and which of them the event shows.

A claim's evidence is its linked citations (supporting or disputing it) and, for the event's own claims (written
with the event), every citation of the event that links to no claim: those support the own claims implicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from sqlalchemy import select

from relations_db.domain import claims as rule
from relations_db.domain import dates, vocab
from relations_db.read.tables import AC, EV, PA, PL, connection
from relations_db.store.schema import claim_citations as CC
from relations_db.store.schema import claims as CL

if TYPE_CHECKING:
    from relations_db.read.tables import Database


class Evidence(TypedDict):
    """One citation as it speaks to a claim: `implicit` when it is one of the event's unlinked citations."""

    citation: int
    stance: str
    implicit: bool
    source: str
    short: str
    locator: str | None
    quote: str | None
    cited_in: str | None
    cited_in_short: str | None
    cited_in_locator: str | None


class ClaimRow(TypedDict):
    """A claim as `claims EVENT` and `show` print it; `value` is how it reads ('1959', 'Kapo (guest)')."""

    id: int
    kind: str
    value: str
    date: str | None
    actor: str | None
    role: str | None
    place: str | None
    rank: str
    reason: str | None
    shown: bool
    evidence: list[Evidence]


def _value(kind: str, date: str | None, actor: str | None, role: str | None, place: str | None) -> str:
    if kind == "date":
        return date or ""
    if kind == "participant":
        return f"{actor} ({role})" if role else str(actor)
    if kind == "place":
        return place or ""
    return kind


def _evidence(citation: Mapping[str, Any], stance: str, implicit: bool) -> Evidence:
    return {"citation": citation["id"], "stance": stance, "implicit": implicit, "source": citation["source"],
            "short": citation["short"], "locator": citation["locator"], "quote": citation["quote"],
            "cited_in": citation["cited_in"], "cited_in_short": citation["cited_in_short"],
            "cited_in_locator": citation["cited_in_locator"]}


def _shown(rows: list[ClaimRow]) -> None:
    """Mark what the event shows: the best-ranked date and place claims, every other kind not deprecated."""
    for kind in vocab.SINGLE_VALUED_CLAIMS:
        of_kind = [r for r in rows if r["kind"] == kind and r["rank"] != "deprecated"]
        top = min((vocab.rank_order(r["rank"]) for r in of_kind), default=None)
        for r in of_kind:
            r["shown"] = vocab.rank_order(r["rank"]) == top
    for r in rows:
        if r["kind"] not in vocab.SINGLE_VALUED_CLAIMS:
            r["shown"] = r["rank"] != "deprecated"
    shown_places = [r for r in rows if r["kind"] == "place" and r["shown"]]
    for r in shown_places[1:]:  # one place is shown: the lowest id of the best rank
        r["shown"] = False


def claims_of(db: Database, event_id: int, citations: Iterable[Mapping[str, Any]]) -> list[ClaimRow]:
    """Every claim of the event, in id order, with its evidence (`citations`: the event's, as `show` reads
    them) and whether the event shows it."""
    conn = connection(db)
    by_id = {c["id"]: c for c in citations}
    stmt = (select(CL.c.id, CL.c.kind, CL.c.date, AC.c.name, PA.c.role, PL.c.name.label("place"), CL.c.rank,
                   CL.c.reason, CL.c.own)
            .outerjoin(PA, PA.c.id == CL.c.participation_id).outerjoin(AC, AC.c.id == PA.c.actor_id)
            .outerjoin(PL, PL.c.id == CL.c.place_id).where(CL.c.event_id == event_id).order_by(CL.c.id))
    links = conn.execute(select(CC.c.claim_id, CC.c.citation_id, CC.c.stance).join(CL, CL.c.id == CC.c.claim_id)
                         .where(CL.c.event_id == event_id).order_by(CC.c.claim_id, CC.c.citation_id)).all()
    linked = {citation for _, citation, _ in links}
    unlinked = [c for i, c in by_id.items() if i not in linked]
    rows: list[ClaimRow] = []
    for id_, kind, date, actor, role, place, rank, reason, own in conn.execute(stmt).all():
        evidence = [_evidence(c, vocab.STANCE_DEFAULT, True) for c in unlinked] if own else []
        evidence += [_evidence(by_id[cit], stance, False) for claim, cit, stance in links if claim == id_]
        rows.append({"id": id_, "kind": kind, "value": _value(kind, date, actor, role, place), "date": date,
                     "actor": actor, "role": role, "place": place, "rank": rank, "reason": reason, "shown": False,
                     "evidence": evidence})
    _shown(rows)
    return rows


def disputed_dates(db: Database, event_id: int) -> list[str] | None:
    """The EDTF dates the sources of a disputed event give (its best-ranked date claims, by id); None when the
    event is not disputed."""
    conn = connection(db)
    if not conn.execute(select(EV.c.disputed).where(EV.c.id == event_id)).scalar():
        return None
    found = [rule.DateClaim(i, d, s, e, r) for i, d, s, e, r in conn.execute(
        select(CL.c.id, CL.c.date, CL.c.start_day, CL.c.end_day, CL.c.rank)
        .where(CL.c.event_id == event_id, CL.c.kind == "date"))]
    return [c.date for c in rule.best_claims(found)]


def disputed_display(found: list[str]) -> str:
    """'1961 or 1959 — sources disagree': how a disputed date reads."""
    return " or ".join(dates.display(d) for d in found) + " — sources disagree"
