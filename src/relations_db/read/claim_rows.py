"""Rows → the claims of one event, in plain Python: shared by the SQLAlchemy read path (`read.claims`) and the
SQLite fast path (`read/sqlite_fast`), so that `show` hands out the same claims either way. Nothing here imports
SQLAlchemy.

A claim's evidence is its linked citations (supporting or disputing it) and, for the event's own claims (written
with the event), every citation of the event that links to no claim: those support the own claims implicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NotRequired, TypedDict

from relations_db.domain import claims as rule
from relations_db.domain import dates, relative, vocab

Row = Sequence[Any]


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
    # a relative claim's (before, after, during): the event it names, by slug, and the gaps as written ('3M')
    other_event: NotRequired[str]
    at_least: NotRequired[str | None]
    at_most: NotRequired[str | None]


def _value(kind: str, date: str | None, actor: str | None, role: str | None, place: str | None) -> str:
    if kind == "date":
        return date or ""
    if kind == "participant":
        return f"{actor} ({role})" if role else str(actor)
    if kind == "place":
        return place or ""
    return kind


def relative_value(kind: str, other: str, at_least: str | None, at_most: str | None) -> str:
    """'after 1961-12-03-soviet-union-breaks-relations (at least 3 months)': how a relative claim reads."""
    gaps = [f"{word} {relative.duration_label(d)}" for word, d in (("at least", at_least), ("at most", at_most))
            if d]
    return f"{kind} {other}" + (f" ({', '.join(gaps)})" if gaps else "")


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


def claim_rows(claims: Iterable[Row], links: Iterable[Row], citations: Iterable[Mapping[str, Any]]
               ) -> list[ClaimRow]:
    """The event's claims from the rows of `claims.claims_statement` (id, kind, date, actor, role, place, rank,
    reason, own, other event, at_least, at_most; in id order) and `claims.links_statement` (claim id, citation
    id, stance), with their evidence (`citations`: the event's, as `show` reads them) and whether the event shows
    each."""
    by_id = {c["id"]: c for c in citations}
    links = list(links)
    linked = {citation for _, citation, _ in links}
    unlinked = [c for i, c in by_id.items() if i not in linked]
    rows: list[ClaimRow] = []
    for id_, kind, date, actor, role, place, rank, reason, own, other, at_least, at_most in claims:
        evidence = [_evidence(c, vocab.STANCE_DEFAULT, True) for c in unlinked] if own else []
        evidence += [_evidence(by_id[cit], stance, False) for claim, cit, stance in links if claim == id_]
        row: ClaimRow = {"id": id_, "kind": kind, "value": _value(kind, date, actor, role, place), "date": date,
                         "actor": actor, "role": role, "place": place, "rank": rank, "reason": reason,
                         "shown": False, "evidence": evidence}
        if kind in vocab.RELATIVE_CLAIMS:
            row["value"] = relative_value(kind, other, at_least, at_most)
            row["other_event"], row["at_least"], row["at_most"] = other, at_least, at_most
        rows.append(row)
    _shown(rows)
    return rows


def disputed_dates(date_claims: Iterable[Row]) -> list[str]:
    """The EDTF dates the sources of a disputed event give: its best-ranked date claims, by id, from the rows of
    `claims.date_claims_statement` (id, date, start_day, end_day, rank)."""
    found = [rule.DateClaim(i, d, s, e, r) for i, d, s, e, r in date_claims]
    return [c.date for c in rule.best_claims(found)]


def disputed_display(found: list[str]) -> str:
    """'1961 or 1959 — sources disagree': how a disputed date reads."""
    return " or ".join(dates.display(d) for d in found) + " — sources disagree"


def date_text(event: Mapping[str, Any]) -> str:
    """How an event's date reads in a list: '3 December 1961', or, when its sources disagree (`dates`),
    '3 December 1961 or 1959 — sources disagree'."""
    found = event.get("dates")
    return disputed_display(found) if found else dates.display(event["date"])


def with_claims(detail: Any, dated: list[str] | None, claims: list[ClaimRow]) -> None:
    """Add to `show`'s answer (an EventDetail) its claims and, when its sources disagree on the date (`dated`: the
    dates they give, None when the event is not disputed), `disputed`, `dates` and how the date reads."""
    if dated is not None:
        detail["disputed"], detail["dates"] = True, dated
        detail["display"] = disputed_display(dated)
    detail["claims"] = claims


def with_derived(detail: Any, derived: Mapping[str, Any] | None) -> None:
    """Add to `show`'s answer what its relative claims derive (`read.relative_rows.DerivedBounds`), when they say
    more than its dates: `derived` (absent otherwise, so that an event without relative claims reads as before)."""
    if derived is not None:
        detail["derived"] = dict(derived)


def date_note(givers: Iterable[str], date: str, rank: str) -> str:
    """'Fixture 2022 gives 1959 (normal).': who gives a date the event does not show — the one wording of `show`,
    the chronology, Markdown and HTML."""
    named = list(dict.fromkeys(givers))
    who = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else (named[0] if named else "no source")
    return f"{who} give{'s' if len(named) <= 1 else ''} {dates.display(date)} ({rank})."


def _notes_of(rows: list[Row], citations: Sequence[Mapping[str, Any]]) -> list[str]:
    """The notes of one event from its rows of `events.noted_statement`; `citations`: the event's (an own claim is
    supported by those linked to no claim, as in `claim_rows`)."""
    linked = {r[6] for r in rows if r[1] is None}
    unlinked = [c["short"] for c in citations if c["id"] not in linked]
    claims: dict[int, tuple[str, str, list[str]]] = {}
    for _, claim_id, date, rank, own, short, _ in (r for r in rows if r[1] is not None):
        if claim_id not in claims:
            claims[claim_id] = (date, rank, list(unlinked) if own else [])
        if short is not None:
            claims[claim_id][2].append(short)
    return [date_note(givers, date, rank) for date, rank, givers in claims.values()]


def date_notes(events: Iterable[Any], fetch: Callable[[list[int]], Iterable[Row]], batch: int
               ) -> Iterator[Any]:
    """`events`, each with `date_notes` (the notes of the date claims it does not show) when it has any; `fetch`
    runs `events.noted_statement` for a batch of event ids — one query per `batch` events."""
    pending: list[Any] = []
    for event in events:
        pending.append(event)
        if len(pending) == batch:
            yield from _noted_batch(pending, fetch)
            pending = []
    if pending:
        yield from _noted_batch(pending, fetch)


def _noted_batch(events: list[Any], fetch: Callable[[list[int]], Iterable[Row]]) -> list[Any]:
    by_event: dict[int, list[Row]] = {}
    for row in fetch([e["id"] for e in events]):
        by_event.setdefault(row[0], []).append(row)
    for event in events:
        rows = by_event.get(event["id"])
        notes = _notes_of(rows, event["citations"]) if rows else []
        if notes:
            event["date_notes"] = notes
    return events
