"""The audit's rules on the evidence behind claims: a participant or place that a source disputes, an event that
rests on one citation or is known only second-hand, and stored event values that its claims no longer give.

Each rule selects its findings in SQL over the whole table (GROUP BY, EXISTS), never one query per event; only
the events whose claims need the rule of `domain.claims` (several date or place claims) are read into Python,
and only the findings read an event's claims one by one. A dispute settled by a rank — the claim ranked
preferred (kept) or deprecated (set aside), or, for a place, another place claim ranked preferred — is no
finding: the historian has decided, and `claims EVENT` shows the decision and its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from itertools import groupby
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from relations_db.analysis.claims_audit import disputing, evidence_of, side, with_evidence
from relations_db.analysis.findings import Finding, rule
from relations_db.analysis.findings import when as _when
from relations_db.domain import claims as claim_rule
from relations_db.domain.citing import citation_text
from relations_db.store.schema import citations as CI
from relations_db.store.schema import claim_citations as CC
from relations_db.store.schema import claims as CL
from relations_db.store.schema import events as EV
from relations_db.store.schema import places as PL
from relations_db.store.schema import sources as SO

_KIND_WORDS = {"participant": "a participant", "place": "its place"}


# --- claim-disputed -------------------------------------------------------------------------------------------


def _open_disputes() -> Any:
    """(claim id, event id, slug, title, kind, own, start day) of each participant or place claim that a citation
    disputes and no rank settles; read from the links (few), not from every claim."""
    other = CL.alias("other")
    place_preferred = select(other.c.id).where(other.c.event_id == CL.c.event_id, other.c.kind == "place",
                                               other.c.rank == "preferred").exists()
    return (select(CL.c.id, CL.c.event_id, EV.c.slug, EV.c.title, CL.c.kind, CL.c.own, EV.c.start_day).distinct()
            .select_from(CC.join(CL, CL.c.id == CC.c.claim_id).join(EV, EV.c.id == CL.c.event_id))
            .where(CC.c.stance == "disputes", CL.c.kind.in_(tuple(_KIND_WORDS)), CL.c.rank == "normal",
                   ~and_(CL.c.kind == "place", place_preferred)))


def _values(session: Session, claim_ids: list[int]) -> dict[int, str]:
    """How each claim reads: 'Hysni Kapo (delegate)', 'Bucharest'."""
    from relations_db.store.schema import actors as AC
    from relations_db.store.schema import participations as PA

    found: dict[int, str] = {}
    for i in range(0, len(claim_ids), 500):
        for claim_id, actor, role, place in session.execute(
                select(CL.c.id, AC.c.name, PA.c.role, PL.c.name).outerjoin(PA, PA.c.id == CL.c.participation_id)
                .outerjoin(AC, AC.c.id == PA.c.actor_id).outerjoin(PL, PL.c.id == CL.c.place_id)
                .where(CL.c.id.in_(claim_ids[i:i + 500]))):
            found[claim_id] = place if place is not None else (f"{actor} ({role})" if role else str(actor))
    return found


@rule("claim-disputed")
def _claims_disputed(session: Session) -> Iterator[Finding]:
    disputed = _open_disputes().subquery()
    rows = list(session.execute(select(disputed).order_by(disputed.c.start_day.nulls_first(), disputed.c.slug,
                                                          disputed.c.id)))
    if not rows:
        return
    support = evidence_of(session, select(disputed.c.event_id))
    values = _values(session, [r[0] for r in rows])
    for claim_id, event_id, slug, title, kind, own, _ in rows:
        claim = with_evidence({"id": claim_id, "kind": kind, "value": values[claim_id], "date": None,
                               "rank": "normal"}, event_id, own, support)
        yield Finding("claim-disputed", "warning", (("event", slug),),
                      f"{title!r}: a source disputes {_KIND_WORDS[kind]} — {side(claim)} — disputed by "
                      f"{disputing(claim)}.",
                      f"rank the better-founded side: `relations-db rank k{claim_id} preferred --reason \"…\"` keeps "
                      f"the claim, `relations-db rank k{claim_id} deprecated` sets it aside; `relations-db claims "
                      f"{slug}` lists the evidence")


# --- single-citation, second-hand ----------------------------------------------------------------------------


@rule("single-citation")
def _single_citations(session: Session) -> Iterator[Finding]:
    single = select(CI.c.event_id).group_by(CI.c.event_id).having(func.count() == 1).subquery()
    via = SO.alias("via")
    stmt = (select(EV.c.slug, EV.c.date, EV.c.title, SO.c.short, CI.c.locator, via.c.short, CI.c.cited_in_locator)
            .select_from(single.join(EV, EV.c.id == single.c.event_id).join(CI, CI.c.event_id == EV.c.id)
                         .join(SO, SO.c.id == CI.c.source_id).outerjoin(via, via.c.id == CI.c.cited_in_id))
            .order_by(EV.c.start_day.nulls_first(), EV.c.slug))
    when = cache(_when)  # (dates repeat: a million events have a few thousand)
    for slug, date, title, short, locator, in_short, in_locator in session.execute(stmt):
        yield Finding("single-citation", "info", (("event", slug),),
                      f"{title!r} ({when(date)}) rests on a single citation: "
                      f"{citation_text(short, locator, in_short, in_locator)}.",
                      f"a second source that reports it makes it firmer: relations-db add citation {slug} "
                      "--source KEY --locator PAGE --quote \"…\"")


@rule("second-hand")
def _second_hand(session: Session) -> Iterator[Finding]:
    # Read from the second-hand citations (on the index of `cited_in_id`), then kept when the event has no
    # first-hand one: no pass over every event's citations.
    first_hand = CI.alias("first_hand")
    reported = (select(CI.c.event_id).where(CI.c.cited_in_id.is_not(None))
                .where(~select(first_hand.c.id).where(first_hand.c.event_id == CI.c.event_id,
                                                      first_hand.c.cited_in_id.is_(None)).exists()))
    via = SO.alias("via")
    stmt = (select(EV.c.slug, EV.c.date, EV.c.title, func.min(via.c.short), func.count(func.distinct(via.c.id)))
            .select_from(EV.join(CI, CI.c.event_id == EV.c.id).join(via, via.c.id == CI.c.cited_in_id))
            .where(EV.c.id.in_(reported))
            .group_by(EV.c.id, EV.c.slug, EV.c.date, EV.c.title, EV.c.start_day)
            .order_by(EV.c.start_day.nulls_first(), EV.c.slug))
    for slug, date, title, reporter, works in session.execute(stmt):
        more = f" and {works - 1} other work{'s' if works > 2 else ''}" if works > 1 else ""
        yield Finding("second-hand", "info", (("event", slug),),
                      f"{title!r} ({_when(date)}) is known only second-hand: every citation is of a work quoted in "
                      f"{reporter}{more}.",
                      "the document itself (an archive file, an edition, a witness), cited first-hand, makes it "
                      f"firmer: relations-db add citation {slug} --source KEY --locator PAGE --quote \"…\"")


# --- claims-out-of-step ---------------------------------------------------------------------------------------


def _out_of_step(slug: str, title: str, claim_id: int, rank: str, problems: list[str]) -> Finding:
    return Finding("claims-out-of-step", "error", (("event", slug),),
                   f"{title!r}: {'; '.join(problems)} — lists, filters and exports read the stored values.",
                   f"write the event again from its claims: relations-db rank k{claim_id} {rank} (its rank as it is)")


def _of_one(kind: str) -> Any:
    """The events with exactly one claim of `kind` that counts (a date: not deprecated; a place: any), with that
    claim's id: the rule's trivial case, compared in SQL."""
    counted = [CL.c.kind == kind] + ([CL.c.rank != "deprecated"] if kind == "date" else [])
    return (select(CL.c.event_id, func.min(CL.c.id).label("claim_id")).where(*counted)
            .group_by(CL.c.event_id).having(func.count() == 1).subquery())


def _dates_of_one_claim(session: Session) -> Iterator[Finding]:
    one, c = _of_one("date"), CL.alias("c")
    stmt = (select(EV.c.slug, EV.c.title, EV.c.date, EV.c.disputed, c.c.id, c.c.rank, c.c.date)
            .select_from(one.join(c, c.c.id == one.c.claim_id).join(EV, EV.c.id == one.c.event_id))
            .where(or_(EV.c.date != c.c.date, EV.c.start_day.is_distinct_from(c.c.start_day),
                       EV.c.end_day.is_distinct_from(c.c.end_day), EV.c.disputed == true()))
            .order_by(EV.c.slug))
    for slug, title, date, disputed, claim_id, rank, claimed in session.execute(stmt):
        problems = [f"its date is stored as {date!r}, its one date claim says {claimed!r}" if date != claimed
                    else f"its stored days are not those of its one date claim ({claimed!r})"]
        if disputed:
            problems.append("it is marked disputed with one date claim")
        yield _out_of_step(slug, title, claim_id, rank, problems)


def _dates_of_several_claims(session: Session) -> Iterator[Finding]:
    many = (select(CL.c.event_id).where(CL.c.kind == "date", CL.c.rank != "deprecated")
            .group_by(CL.c.event_id).having(func.count() > 1))
    stmt = (select(CL.c.event_id, CL.c.id, CL.c.date, CL.c.start_day, CL.c.end_day, CL.c.rank, EV.c.slug,
                   EV.c.title, EV.c.date, EV.c.start_day, EV.c.end_day, EV.c.disputed)
            .join(EV, EV.c.id == CL.c.event_id).where(CL.c.kind == "date", CL.c.event_id.in_(many))
            .order_by(CL.c.event_id, CL.c.id))
    for _, group in groupby(session.execute(stmt), key=lambda r: r[0]):
        rows = list(group)
        outcome = claim_rule.date_outcome([claim_rule.DateClaim(*r[1:6]) for r in rows])
        slug, title, date, start, end, disputed = rows[0][6:]
        if outcome is None:
            continue
        problems = []
        if date != outcome.shown.date:
            problems.append(f"its date is stored as {date!r}, its claims show {outcome.shown.date!r}")
        if (start, end) != (outcome.start_day, outcome.end_day):
            problems.append("its stored days are not the hull of its best-ranked date claims")
        if bool(disputed) != outcome.disputed:
            problems.append("it is marked disputed, but its best-ranked date claims agree" if disputed else
                            "its best-ranked date claims disagree, but it is not marked disputed")
        if problems:
            yield _out_of_step(slug, title, outcome.shown.id, outcome.shown.rank, problems)


def _place_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    known = {i for i in ids if i is not None}
    names: dict[int | None, str] = {None: "no place"}
    if known:
        names.update(session.execute(select(PL.c.id, PL.c.name).where(PL.c.id.in_(known))).all())
    return names


def _places(session: Session) -> Iterator[Finding]:
    """Events whose stored place is not the one their place claims show: one claim compared in SQL, several by
    `domain.claims.shown_place`."""
    one, c = _of_one("place"), CL.alias("c")
    single = (select(EV.c.id, EV.c.place_id, c.c.id, c.c.place_id, c.c.rank)
              .select_from(one.join(c, c.c.id == one.c.claim_id).join(EV, EV.c.id == one.c.event_id))
              .where(or_(and_(c.c.rank != "deprecated", EV.c.place_id.is_distinct_from(c.c.place_id)),
                         and_(c.c.rank == "deprecated", EV.c.place_id.is_not(None)))))
    found = [(r[0], r[1], [claim_rule.PlaceClaim(*r[2:])]) for r in session.execute(single)]
    many = select(CL.c.event_id).where(CL.c.kind == "place").group_by(CL.c.event_id).having(func.count() > 1)
    stmt = (select(CL.c.event_id, EV.c.place_id, CL.c.id, CL.c.place_id, CL.c.rank).join(EV, EV.c.id == CL.c.event_id)
            .where(CL.c.kind == "place", CL.c.event_id.in_(many)).order_by(CL.c.event_id, CL.c.id))
    for event_id, group in groupby(session.execute(stmt), key=lambda r: r[0]):
        rows = list(group)
        claims = [claim_rule.PlaceClaim(*r[2:]) for r in rows]
        if claim_rule.shown_place(claims) != rows[0][1]:
            found.append((event_id, rows[0][1], claims))
    if not found:
        return
    names = _place_names(session, {p for _, stored, claims in found for p in [stored, *(c.place_id for c in claims)]})
    events = dict(session.execute(select(EV.c.id, EV.c.slug).where(EV.c.id.in_([f[0] for f in found]))).all())
    titles = dict(session.execute(select(EV.c.slug, EV.c.title).where(EV.c.id.in_(list(events)))).all())
    for event_id, stored, claims in sorted(found, key=lambda f: events[f[0]]):
        shown = claim_rule.shown_place(claims)
        shown_id = shown if isinstance(shown, int) else None
        anchor = min(claims, key=lambda c: c.id) if shown_id is None else next(c for c in claims
                                                                            if c.place_id == shown_id)
        slug = events[event_id]
        yield _out_of_step(slug, titles[slug], anchor.id, anchor.rank,
                           [f"its place is stored as {names[stored]}, its place claims show {names[shown_id]}"])


@rule("claims-out-of-step")
def _claims_out_of_step(session: Session) -> Iterator[Finding]:
    yield from _dates_of_one_claim(session)
    yield from _dates_of_several_claims(session)
    yield from _places(session)
