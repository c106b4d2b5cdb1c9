"""The audit's rules on claims: sources that disagree on a date.

They register with the audit's registry (`findings.rules`, for the rules `vocab.AUDIT_RULES` names);
`analysis.audit` imports this module so that they are registered before it builds its list of rules. Two
best-ranked date claims with disjoint spans are an error: the database cannot say when the event happened.
Once a historian ranks one side preferred, the disagreement is recorded, not open: the same finding becomes
information ("date-conflict-ranked"). Each finding names the claims side by side with source, page and quotation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from relations_db.analysis.findings import Finding, rules
from relations_db.domain import claims as date_rule
from relations_db.domain import dates, vocab
from relations_db.read.claim_rows import ClaimRow, Evidence
from relations_db.store.schema import citations as CI
from relations_db.store.schema import claim_citations as CC
from relations_db.store.schema import claims as CL
from relations_db.store.schema import events as EV
from relations_db.store.schema import sources as SO

_SIDE_CITATIONS = 2  # the citations a finding quotes for each side (and says how many more)


def _quoted(e: Evidence) -> str:
    """'Duka 2007 in Lala 2014, p. 343: “…”': one citation as a finding quotes it."""
    where = f", {e['locator']}" if e["locator"] else ""
    if e["cited_in_short"]:
        where = f" in {e['cited_in_short']}" + (f", {e['cited_in_locator']}" if e["cited_in_locator"] else "")
    return f"{e['short']}{where}" + (f": “{e['quote']}”" if e["quote"] else "")


def _quoting(evidence: list[Evidence], none: str) -> str:
    """The first citations of `evidence` quoted, saying how many more; `none` when there is none."""
    quoted = [_quoted(e) for e in evidence[:_SIDE_CITATIONS]]
    more = len(evidence) - _SIDE_CITATIONS
    return "; ".join(quoted) + (f"; and {more} more" if more > 0 else "") if quoted else none


def _side(claim: ClaimRow) -> str:
    """'k59 1961-12-03 (normal), per Duka 2007 in Lala 2014, p. 343: “…”; …': one claim with its support."""
    support = [e for e in claim["evidence"] if e["stance"] == "supports"]
    value = dates.display(claim["date"] or "") if claim["kind"] == "date" else claim["value"]
    return f"k{claim['id']} {value} ({claim['rank']}), per {_quoting(support, 'no supporting citation')}"


def side(claim: ClaimRow) -> str:
    """One claim with its support, as every claim finding names it (`_side`)."""
    return _side(claim)


def disputing(claim: ClaimRow) -> str:
    """'Fixture 2022, p. 4: “…”': the citations that dispute a claim, quoted as its support is."""
    return _quoting([e for e in claim["evidence"] if e["stance"] == "disputes"], "no citation")


def _disagreeing() -> Select[Any]:
    """The events with two date claims that are not deprecated and disagree: one ends before another starts (the
    earliest end before the latest start; an open or unknown end, NULL, reaches every day and is left out)."""
    return (select(CL.c.event_id).where(CL.c.kind == "date", CL.c.rank != "deprecated")
            .group_by(CL.c.event_id).having(func.count() > 1, func.min(CL.c.end_day) < func.max(CL.c.start_day)))


class Support(NamedTuple):
    """The evidence of some events' claims (`evidence_of`): their citations by event (in id order, as `Evidence`
    reads them), the links of their claims by claim (citation id, stance), and the citations linked to any claim
    by event."""

    cited: dict[int, list[Any]]
    links: dict[int, list[Any]]
    linked: dict[int, set[int]]


def evidence_of(session: Session, events: Select[Any] | list[int]) -> Support:
    """The evidence of the claims of `events` (a select of event ids, or a few ids): two statements for every
    finding of a rule together."""
    via = SO.alias("via")
    cited: dict[int, list[Any]] = {}
    for row in session.execute(
            select(CI.c.event_id, CI.c.id, SO.c.short, CI.c.locator, CI.c.quote, via.c.short, CI.c.cited_in_locator)
            .join(SO, SO.c.id == CI.c.source_id).outerjoin(via, via.c.id == CI.c.cited_in_id)
            .where(CI.c.event_id.in_(events)).order_by(CI.c.event_id, CI.c.id)):
        cited.setdefault(row[0], []).append({"id": row[1], "short": row[2], "locator": row[3], "quote": row[4],
                                             "cited_in_short": row[5], "cited_in_locator": row[6]})
    links: dict[int, list[Any]] = {}
    linked: dict[int, set[int]] = {}
    for event_id, claim_id, citation_id, stance in session.execute(
            select(CL.c.event_id, CC.c.claim_id, CC.c.citation_id, CC.c.stance).join(CL, CL.c.id == CC.c.claim_id)
            .where(CL.c.event_id.in_(events)).order_by(CC.c.claim_id, CC.c.citation_id)):
        links.setdefault(claim_id, []).append((citation_id, stance))
        linked.setdefault(event_id, set()).add(citation_id)
    return Support(cited, links, linked)


def with_evidence(claim: dict[str, Any], event_id: int, own: bool, support: Support) -> Any:
    """`claim` (id, kind, value, date, rank) with its evidence as `side` and `disputing` read it: an own claim's
    implicit support first (the event's citations linked to no claim, as `read.claim_rows` has it), then its
    linked citations with their stance."""
    citations = support.cited.get(event_id, [])
    by_id = {c["id"]: c for c in citations}
    linked = support.linked.get(event_id, set())
    evidence = [{**c, "stance": "supports"} for c in citations if c["id"] not in linked] if own else []
    evidence += [{**by_id[c], "stance": stance} for c, stance in support.links.get(claim["id"], ()) if c in by_id]
    return {**claim, "evidence": evidence}


class Conflict(NamedTuple):
    """One disagreement as `check` reports it: the rule, its severity, the event, what is wrong, how to fix it."""

    rule: str
    severity: str
    slug: str
    message: str
    fix: str


_CHUNK = 500  # the events whose claims one statement reads


def _date_claims(session: Session, event_ids: list[int]) -> dict[int, list[Any]]:
    """The date claims (not deprecated) of `event_ids`, by event in their order, with the event's slug and title."""
    found: dict[int, list[Any]] = {i: [] for i in event_ids}
    for row in session.execute(
            select(CL.c.event_id, CL.c.id, CL.c.date, CL.c.start_day, CL.c.end_day, CL.c.rank, CL.c.own, EV.c.slug,
                   EV.c.title).join(EV, EV.c.id == CL.c.event_id)
            .where(CL.c.kind == "date", CL.c.rank != "deprecated", CL.c.event_id.in_(event_ids))
            .order_by(CL.c.event_id, CL.c.id)):
        found[row[0]].append(row)
    return found


def date_conflicts(session: Session) -> Iterator[Conflict]:
    """Every pair of disjoint date claims that are not deprecated: an open disagreement (both best-ranked) is an
    error, one settled by a preferred rank information. The events are found in one pass over the claims, then
    read 500 at a time (their claims, then their evidence)."""
    ids = list(session.scalars(select(EV.c.id).where(EV.c.id.in_(_disagreeing())).order_by(EV.c.start_day, EV.c.id)))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        claimed, support = _date_claims(session, chunk), evidence_of(session, chunk)
        for event_id, rows in claimed.items():
            yield from _conflicts_of(event_id, rows, support)


def _conflicts_of(event_id: int, rows: list[Any], support: Support) -> Iterator[Conflict]:
    slug, title = rows[0][7], rows[0][8]
    pairs = date_rule.disjoint_pairs([date_rule.DateClaim(r[1], r[2] or "", r[3], r[4], r[5]) for r in rows])
    by_id = {r[1]: with_evidence({"id": r[1], "kind": "date", "value": r[2], "date": r[2], "rank": r[5]},
                                 event_id, r[6], support) for r in rows}
    for a, b in pairs:
        ranked = a.rank != b.rank  # (one is preferred: the best rank settles what is shown)
        fix = ("nothing to do: the preferred claim is shown, the other kept as a note" if ranked else
               f"rank the better-founded date preferred (relations-db rank k{a.id} preferred --reason \"…\"), "
               "or deprecate a mistaken one; `relations-db claims " + slug + "` lists them")
        yield Conflict("date-conflict-ranked" if ranked else "date-conflict",
                       vocab.DATE_CONFLICT_RANKED_SEVERITY if ranked else vocab.DATE_CONFLICT_SEVERITY, slug,
                       f"{title!r}: the sources disagree on its date — {_side(by_id[a.id])} — against "
                       f"{_side(by_id[b.id])}.", fix)


@rules("date-conflict", "date-conflict-ranked")
def _date_conflicts(session: Session) -> Iterator[Finding]:
    for found in date_conflicts(session):
        yield Finding(found.rule, found.severity, (("event", found.slug),), found.message, found.fix)
