"""The claims of one event, each with its evidence and rank, and which of them the event shows: the statements
(which the SQLite fast path runs compiled, `read/compile.py`) and the SQLAlchemy path; the rows become claims in
`read.claim_rows`, shared by both paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from relations_db.read.claim_rows import ClaimRow, claim_rows
from relations_db.read.claim_rows import disputed_dates as best_dates
from relations_db.read.tables import AC, EV, PA, PL, connection, param
from relations_db.store.own_claims import all_claims, listing_order
from relations_db.store.schema import claim_citations as CC
from relations_db.store.schema import claims as CL

if TYPE_CHECKING:
    from relations_db.read.tables import Database

__all__ = ["ClaimRow", "claims_of", "disputed_dates"]


def claims_statement(event_id: int) -> Select[Any]:
    """(id, kind, date, actor, role, place, rank, reason, own, other event's slug, at_least, at_most) of the
    event's claims (those without a row too: `store.own_claims`), in listing order."""
    other, CL = EV.alias("other_event"), all_claims()
    return (select(CL.c.id, CL.c.kind, CL.c.date, AC.c.name, PA.c.role, PL.c.name.label("place"), CL.c.rank,
                   CL.c.reason, CL.c.own, other.c.slug.label("other_event"), CL.c.at_least, CL.c.at_most)
            .outerjoin(PA, PA.c.id == CL.c.participation_id).outerjoin(AC, AC.c.id == PA.c.actor_id)
            .outerjoin(PL, PL.c.id == CL.c.place_id).outerjoin(other, other.c.id == CL.c.other_event_id)
            .where(CL.c.event_id == param("id", event_id))
            .order_by(*listing_order(CL)))


def links_statement(event_id: int) -> Select[Any]:
    """(claim id, citation id, stance) of the links of the event's claims to citations."""
    return (select(CC.c.claim_id, CC.c.citation_id, CC.c.stance).join(CL, CL.c.id == CC.c.claim_id)
            .where(CL.c.event_id == param("id", event_id)).order_by(CC.c.claim_id, CC.c.citation_id))


def disputed_statement(event_id: int) -> Select[Any]:
    """Whether the event is disputed."""
    return select(EV.c.disputed).where(EV.c.id == param("id", event_id))


def date_claims_statement(event_id: int) -> Select[Any]:
    """(id, date, start_day, end_day, rank) of the event's date claims, in id order."""
    CL = all_claims()
    return (select(CL.c.id, CL.c.date, CL.c.start_day, CL.c.end_day, CL.c.rank)
            .where(CL.c.event_id == param("id", event_id), CL.c.kind == "date").order_by(CL.c.id))


def claims_of(db: Database, event_id: int, citations: Iterable[Mapping[str, Any]]) -> list[ClaimRow]:
    """Every claim of the event, in listing order (its own first), with its evidence (`citations`: the
    event's, as `show` reads them) and whether the event shows it."""
    conn = connection(db)
    links = conn.execute(links_statement(event_id)).all()
    return claim_rows(conn.execute(claims_statement(event_id)).all(), links, citations)


def disputed_dates(db: Database, event_id: int) -> list[str] | None:
    """The EDTF dates the sources of a disputed event give (its best-ranked date claims, by id); None when the
    event is not disputed."""
    conn = connection(db)
    if not conn.execute(disputed_statement(event_id)).scalar():
        return None
    return best_dates(conn.execute(date_claims_statement(event_id)).all())
