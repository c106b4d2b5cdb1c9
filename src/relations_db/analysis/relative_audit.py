"""The audit's rule on relative claims: before, after and during claims that cannot hold with the recorded dates
or with each other.

It registers with the audit's registry (`findings.rules`) like `claims_audit`; `analysis.audit` imports it. Only
the events that take part in a relative claim are read (set-based: two statements), and the rule runs one
connected component at a time (`domain.relative.conflicts`), so that a million events with 50,000 relative
claims cost what the 50,000 claims cost. Each finding names an irreducible set of claims — the relative claims
and the date claims that give the bounds — side by side with source, page and quotation. A set in which a
historian has ranked a claim preferred is information ("relative-conflict-ranked"), not an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from relations_db.analysis.findings import Finding, rules
from relations_db.domain import dates, relative, vocab
from relations_db.errors import DateError
from relations_db.read.claim_rows import ClaimRow
from relations_db.read.claims import claims_of
from relations_db.read.relative_rows import bounds, relatives
from relations_db.store.schema import citations as CI
from relations_db.store.schema import claims as CL
from relations_db.store.schema import events as EV
from relations_db.store.schema import sources as SO

_SIDE_CITATIONS = 2  # the citations a finding quotes for each claim (and says how many more)
_RELATIVE = (CL.c.other_event_id.is_not(None), CL.c.rank != "deprecated")


def _load(session: Session) -> tuple[list[relative.Relative], dict[int, relative.Bounds | None]]:
    """The relative claims that are not deprecated, and the recorded bounds of the events they involve."""
    claims = session.execute(select(CL.c.id, CL.c.event_id, CL.c.kind, CL.c.other_event_id, CL.c.at_least,
                                    CL.c.at_most).where(*_RELATIVE).order_by(CL.c.id)).all()
    if not claims:
        return [], {}
    involved = union(select(CL.c.event_id).where(*_RELATIVE), select(CL.c.other_event_id).where(*_RELATIVE))
    dated = session.execute(select(CL.c.event_id, CL.c.id, CL.c.date, CL.c.start_day, CL.c.end_day, CL.c.rank)
                            .where(CL.c.kind == "date", CL.c.event_id.in_(involved)).order_by(CL.c.id))
    return relatives(claims), bounds(dated)


def _event_citations(session: Session, event_id: int) -> list[dict[str, object]]:
    """The event's citations as `read.claims` takes them (source key and short form, the reporting work's)."""
    via = SO.alias("via")
    rows = session.execute(
        select(CI.c.id, SO.c.key, SO.c.short, CI.c.locator, CI.c.quote, via.c.key, via.c.short,
               CI.c.cited_in_locator).join(SO, SO.c.id == CI.c.source_id)
        .outerjoin(via, via.c.id == CI.c.cited_in_id).where(CI.c.event_id == event_id).order_by(CI.c.id))
    return [{"id": i, "source": k, "short": s, "locator": loc, "quote": q, "cited_in": vk, "cited_in_short": vs,
             "cited_in_locator": vloc} for i, k, s, loc, q, vk, vs, vloc in rows]


def _value(claim: ClaimRow) -> str:
    if claim["kind"] != "date":
        return claim["value"]
    try:
        return dates.display(claim["date"] or "")
    except DateError:
        return claim["date"] or ""


def _side(claim: ClaimRow, slug: str) -> str:
    """'k59 of 1961-12-03-…: 3 December 1961 (normal), per Duka 2007 in Lala 2014, p. 343: “…”': one claim with
    its support."""
    support = [e for e in claim["evidence"] if e["stance"] == "supports"]
    quoted = []
    for e in support[:_SIDE_CITATIONS]:
        where = f", {e['locator']}" if e["locator"] else ""
        if e["cited_in_short"]:
            where = f" in {e['cited_in_short']}" + (f", {e['cited_in_locator']}" if e["cited_in_locator"] else "")
        quoted.append(f"{e['short']}{where}" + (f": “{e['quote']}”" if e["quote"] else ""))
    more = len(support) - _SIDE_CITATIONS
    text = "; ".join(quoted) + (f"; and {more} more" if more > 0 else "") if quoted else "no supporting citation"
    return f"k{claim['id']} of {slug}: {_value(claim)} ({claim['rank']}), per {text}"


def _claim_rows(session: Session, ids: list[int]) -> list[tuple[str, ClaimRow]]:
    """(event slug, claim) of each claim of `ids`, in id order, with its evidence."""
    events = session.execute(select(CL.c.event_id, EV.c.slug).join(EV, EV.c.id == CL.c.event_id)
                             .where(CL.c.id.in_(ids)).distinct()).all()
    found: list[tuple[str, ClaimRow]] = []
    for event_id, slug in events:
        found += [(slug, row) for row in claims_of(session, event_id, _event_citations(session, event_id))
                  if row["id"] in ids]
    return sorted(found, key=lambda pair: pair[1]["id"])


def _finding(session: Session, ids: list[int]) -> Finding:
    # the relative claims first (what a historian added last, and may be mistaken), then the dates they contradict
    sides = sorted(_claim_rows(session, ids), key=lambda p: (p[1]["kind"] not in vocab.RELATIVE_CLAIMS, p[1]["id"]))
    slugs = list(dict.fromkeys(slug for slug, _ in sides))
    ranked = any(row["rank"] == "preferred" for _, row in sides)
    said = [row for _, row in sides if row["kind"] in vocab.RELATIVE_CLAIMS]
    first = said[0]["id"] if said else ids[0]
    fix = ("nothing to do: a claim of these is ranked preferred, the others stand as recorded" if ranked else
           f"deprecate or remove the claim that is mistaken (relations-db rank k{first} deprecated --reason \"…\", "
           f"or relations-db remove claim k{first}), or correct a date; `relations-db claims {slugs[0]}` lists "
           "the claims")
    message = ("these claims cannot all hold — " + " — against ".join(_side(row, slug) for slug, row in sides)
               + ".")
    return Finding("relative-conflict-ranked" if ranked else "relative-conflict",
                   vocab.RELATIVE_CONFLICT_RANKED_SEVERITY if ranked else vocab.RELATIVE_CONFLICT_SEVERITY,
                   tuple(("event", slug) for slug in slugs), message, fix)


@rules("relative-conflict", "relative-conflict-ranked")
def _relative_conflicts(session: Session) -> Iterator[Finding]:
    claims, recorded = _load(session)
    for ids in sorted(relative.conflicts(claims, recorded)):
        yield _finding(session, ids)
