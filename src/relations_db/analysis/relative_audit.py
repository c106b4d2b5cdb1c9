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

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import exists, select, union
from sqlalchemy.orm import Session

from relations_db.analysis.findings import Finding, rules
from relations_db.domain import dates, relative, vocab
from relations_db.errors import DateError
from relations_db.read.claim_rows import relative_value
from relations_db.read.relative_rows import bounds, relatives
from relations_db.store.own_claims import all_claims
from relations_db.store.schema import citations as CI
from relations_db.store.schema import claim_citations as CC
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
    every = all_claims(of_events=lambda column: column.in_(involved))  # (an own date claim may have no row)
    dated = session.execute(select(every.c.event_id, every.c.id, every.c.date, every.c.start_day,
                                   every.c.end_day, every.c.rank)
                            .where(every.c.kind == "date").order_by(every.c.id))
    return relatives(claims), bounds(dated)


_BATCH = 500  # findings whose claims are read together (a handful of statements a batch, never one per claim)


def _citations(session: Session, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The citations of these events, each with `linked`: whether it speaks to a claim of its own (otherwise it
    supports the event's own claims implicitly)."""
    via = SO.alias("via")
    linked = exists().where(CC.c.citation_id == CI.c.id)
    rows = session.execute(
        select(CI.c.event_id, CI.c.id, SO.c.short, CI.c.locator, CI.c.quote, via.c.short, CI.c.cited_in_locator,
               linked).join(SO, SO.c.id == CI.c.source_id).outerjoin(via, via.c.id == CI.c.cited_in_id)
        .where(CI.c.event_id.in_(event_ids)).order_by(CI.c.id))
    found: dict[int, list[dict[str, Any]]] = {}
    for event_id, id_, short, locator, quote, via_short, via_locator, is_linked in rows:
        found.setdefault(event_id, []).append({
            "id": id_, "short": short, "locator": locator, "quote": quote, "cited_in_short": via_short,
            "cited_in_locator": via_locator, "linked": bool(is_linked)})
    return found


def _claims(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The claims `ids` as a finding quotes them: slug of their event, value as it reads, rank, supporting
    citations (linked ones, and for an own claim its event's unlinked ones)."""
    # (an own date claim may have no row: its id names its event)
    owners = sorted({owner for kind, owner in filter(None, map(vocab.own_claim_owner, ids)) if kind == "date"})
    other, every = EV.alias("other_event"), all_claims(of_events=lambda column: column.in_(owners), rows_too=False)
    rows = session.execute(
        select(every.c.id, every.c.event_id, EV.c.slug, every.c.kind, every.c.date, every.c.rank, every.c.own,
               other.c.slug, every.c.at_least, every.c.at_most).join(EV, EV.c.id == every.c.event_id)
        .outerjoin(other, other.c.id == every.c.other_event_id).where(every.c.id.in_(ids))).all()
    links = session.execute(select(CC.c.claim_id, CC.c.citation_id).where(CC.c.claim_id.in_(ids),
                                                                         CC.c.stance == "supports")).all()
    cited = _citations(session, sorted({r[1] for r in rows}))
    found = {}
    for id_, event_id, slug, kind, date, rank, own, other_slug, least, most in rows:
        by_id = {c["id"]: c for c in cited.get(event_id, [])}
        support = [c for c in by_id.values() if not c["linked"]] if own else []
        support += [by_id[c] for k, c in links if k == id_ and c in by_id]
        value = relative_value(kind, other_slug, least, most) if kind in vocab.RELATIVE_CLAIMS else \
            _date(date) if kind == "date" else kind
        found[id_] = {"id": id_, "slug": slug, "kind": kind, "value": value, "rank": rank, "support": support,
                      "own": bool(own)}
    return found


def _date(text: str | None) -> str:
    try:
        return dates.display(text or "")
    except DateError:
        return text or ""


def _side(claim: Mapping[str, Any]) -> str:
    """'k59 of 1961-12-03-…: 3 December 1961 (normal), per Duka 2007 in Lala 2014, p. 343: “…”': one claim with
    its support."""
    support = claim["support"]
    quoted = []
    for e in support[:_SIDE_CITATIONS]:
        where = f", {e['locator']}" if e["locator"] else ""
        if e["cited_in_short"]:
            where = f" in {e['cited_in_short']}" + (f", {e['cited_in_locator']}" if e["cited_in_locator"] else "")
        quoted.append(f"{e['short']}{where}" + (f": “{e['quote']}”" if e["quote"] else ""))
    more = len(support) - _SIDE_CITATIONS
    text = "; ".join(quoted) + (f"; and {more} more" if more > 0 else "") if quoted else "no supporting citation"
    return f"k{claim['id']} of {claim['slug']}: {claim['value']} ({claim['rank']}), per {text}"


def _finding(claims: Mapping[int, Mapping[str, Any]], ids: list[int]) -> Finding:
    # the relative claims first (what a historian added last, and may be mistaken), then the dates they contradict
    sides = sorted((claims[i] for i in ids if i in claims),
                   key=lambda c: (c["kind"] not in vocab.RELATIVE_CLAIMS,
                                  vocab.claim_order(c["own"], c["kind"], c["id"])))
    slugs = list(dict.fromkeys(c["slug"] for c in sides))
    ranked = any(c["rank"] == "preferred" for c in sides)
    first = sides[0]["id"] if sides else ids[0]
    fix = ("nothing to do: a claim of these is ranked preferred, the others stand as recorded" if ranked else
           f"deprecate or remove the claim that is mistaken (relations-db rank k{first} deprecated --reason \"…\", "
           f"or relations-db remove claim k{first}), or correct a date; `relations-db claims {slugs[0]}` lists "
           "the claims")
    message = "these claims cannot all hold — " + " — against ".join(_side(c) for c in sides) + "."
    return Finding("relative-conflict-ranked" if ranked else "relative-conflict",
                   vocab.RELATIVE_CONFLICT_RANKED_SEVERITY if ranked else vocab.RELATIVE_CONFLICT_SEVERITY,
                   tuple(("event", slug) for slug in slugs), message, fix)


@rules("relative-conflict", "relative-conflict-ranked")
def _relative_conflicts(session: Session) -> Iterator[Finding]:
    claims, recorded = _load(session)
    found = relative.conflicts(claims, recorded)
    for i in range(0, len(found), _BATCH):
        batch = found[i:i + _BATCH]
        quoted = _claims(session, sorted({c for ids in batch for c in ids}))
        yield from (_finding(quoted, ids) for ids in batch)
