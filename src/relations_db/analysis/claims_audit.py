"""The audit's rules on claims: sources that disagree on a date.

They register with the audit's registry (`findings.rules`, for the rules `vocab.AUDIT_RULES` names);
`analysis.audit` imports this module so that they are registered before it builds its list of rules. Two
best-ranked date claims with disjoint spans are an error: the database cannot say when the event happened.
Once a historian ranks one side preferred, the disagreement is recorded, not open: the same finding becomes
information ("date-conflict-ranked"). Each finding names the claims side by side with source, page and quotation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relations_db.analysis.findings import Finding, rules
from relations_db.domain import claims as date_rule
from relations_db.domain import dates, vocab
from relations_db.read.claim_rows import ClaimRow, Evidence
from relations_db.read.claims import claims_of
from relations_db.store.schema import citations as CI
from relations_db.store.schema import claims as CL
from relations_db.store.schema import events as EV
from relations_db.store.schema import sources as SO

_SIDE_CITATIONS = 2  # the citations a finding quotes for each side (and says how many more)


def _event_citations(session: Session, event_id: int) -> list[dict[str, object]]:
    """The event's citations as `read.claims` takes them (source key and short form, the reporting work's)."""
    via = SO.alias("via")
    rows = session.execute(
        select(CI.c.id, SO.c.key, SO.c.short, CI.c.locator, CI.c.quote, via.c.key, via.c.short,
               CI.c.cited_in_locator).join(SO, SO.c.id == CI.c.source_id)
        .outerjoin(via, via.c.id == CI.c.cited_in_id).where(CI.c.event_id == event_id).order_by(CI.c.id))
    return [{"id": i, "source": k, "short": s, "locator": loc, "quote": q, "cited_in": vk, "cited_in_short": vs,
             "cited_in_locator": vloc} for i, k, s, loc, q, vk, vs, vloc in rows]


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


def _multi_dated(session: Session) -> list[tuple[int, str, str]]:
    """The events with two date claims that are not deprecated and disagree: one ends before another starts (the
    earliest end before the latest start; an open or unknown end, NULL, reaches every day and is left out). Only
    they are read claim by claim."""
    many = (select(CL.c.event_id).where(CL.c.kind == "date", CL.c.rank != "deprecated")
            .group_by(CL.c.event_id).having(func.count() > 1, func.min(CL.c.end_day) < func.max(CL.c.start_day)))
    return [(r[0], r[1], r[2]) for r in session.execute(
        select(EV.c.id, EV.c.slug, EV.c.title).where(EV.c.id.in_(many)).order_by(EV.c.start_day, EV.c.id))]


class Conflict(NamedTuple):
    """One disagreement as `check` reports it: the rule, its severity, the event, what is wrong, how to fix it."""

    rule: str
    severity: str
    slug: str
    message: str
    fix: str


def date_conflicts(session: Session) -> Iterator[Conflict]:
    """Every pair of disjoint date claims that are not deprecated: an open disagreement (both best-ranked) is an
    error, one settled by a preferred rank information."""
    for event_id, slug, title in _multi_dated(session):
        rows = [r for r in claims_of(session, event_id, _event_citations(session, event_id))
                if r["kind"] == "date" and r["rank"] != "deprecated"]
        spans = {r["id"]: dates.parse(r["date"] or "") for r in rows}
        pairs = date_rule.disjoint_pairs([date_rule.DateClaim(r["id"], r["date"] or "", spans[r["id"]].start_day,
                                                              spans[r["id"]].end_day, r["rank"]) for r in rows])
        by_id = {r["id"]: r for r in rows}
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
