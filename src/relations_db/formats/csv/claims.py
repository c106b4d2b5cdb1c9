"""The claim columns of the long form: which claim each citation speaks to, how, and the claim's rank.

A citation linked to claims (`add claim`, `claim_citations`) has a row per claim it supports or disputes:
`claim_id` (k12; derived, ignored on import), `claim_kind`, `claim_value` — the date (EDTF), the place, the
participant as NAME:ROLE, or the slug of the event a before/after/during claim names —, `stance`, `rank`,
`reason`, a relative claim's `at_least`/`at_most`, and `own` ("yes" for the event's own claims, which every
citation linked to no claim supports). A citation linked to no claim supports the own claims implicitly: one
row, the claim cells empty. An own claim that the chronology CSV does not state — ranked, given a reason, or a
date or place other than the one the event shows — has a row of its own, with empty citation cells and no stance.

Import, after the citations of the file are written: a row with a stance states its claim on its citation, as
`add claim` does (the same value adds the citation to the claim that has it, else the claim is made), and the
row's `own` says whether the claim is the event's own; a row without a citation makes the claim the event's own
(made when missing) with its rank and reason. So the chronology CSV and the long form together give back every
claim with its evidence: a claim the chronology import made its own (a disputed participant, the date another
source gives) is told apart again by the long form. The claim cells of a row are checked with the row, before
anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from relations_db.domain import vocab
from relations_db.domain.text import control_problem
from relations_db.formats.csv.header import CLAIM_COLUMNS

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.orm import Session

    from relations_db.formats.csv.header import Layout
    from relations_db.formats.csv.reader import Names
    from relations_db.formats.csv.report import ImportReport

# What `ix_claims_marked` indexes (migration 0010): a claim that says more than its event's columns.
MARKED = "rank != 'normal' OR reason IS NOT NULL OR NOT own"
# The kinds whose value is another event's slug.
_NAMES_EVENT = vocab.RELATIVE_CLAIMS


@dataclass(slots=True)
class ClaimCells:
    """The claim a long-form row speaks to, checked: its kind and value, and what the row says of it."""

    kind: str
    value: str
    stance: str | None
    rank: str | None
    reason: str | None
    at_least: str | None
    at_most: str | None
    own: bool


# --- export --------------------------------------------------------------------------------------------------


class ClaimJoins:
    """The tables a long-form export joins to give each citation's claims, with the claim cells as SQL."""

    def __init__(self) -> None:
        from relations_db.store.schema import actors, claim_citations, claims, events, participations, places

        self.links, self.claims = claim_citations, claims
        self.place, self.part, self.actor = places.alias("claim_place"), participations, actors
        self.other = events.alias("claim_other")

    def joined(self, base: Any, via_links: bool) -> Any:
        """`base` joined to the claims (through the citations' links when `via_links`) and their values."""
        cl = self.claims
        if via_links:
            from relations_db.store.schema import citations

            base = (base.outerjoin(self.links, self.links.c.citation_id == citations.c.id)
                    .outerjoin(cl, cl.c.id == self.links.c.claim_id))
        return (base.outerjoin(self.place, self.place.c.id == cl.c.place_id)
                .outerjoin(self.part, self.part.c.id == cl.c.participation_id)
                .outerjoin(self.actor, self.actor.c.id == self.part.c.actor_id)
                .outerjoin(self.other, self.other.c.id == cl.c.other_event_id))

    def cells(self, stance: ColumnElement[Any] | None) -> list[ColumnElement[Any]]:
        """The claim cells as text, '' for none: id, kind, value, stance, rank, reason, at_least, at_most."""
        from sqlalchemy import Text, case, cast, func, literal

        cl = self.claims
        text = (lambda column: func.coalesce(column, ""))  # noqa: E731
        role = func.coalesce(literal(":").concat(self.part.c.role), "")
        value = case((cl.c.kind == "date", cl.c.date), (cl.c.kind == "place", self.place.c.name),
                     (cl.c.kind == "participant", self.actor.c.name.concat(role)),
                     (cl.c.kind.in_(_NAMES_EVENT), self.other.c.slug), else_="")
        return [text(literal("k").concat(cast(cl.c.id, Text))), text(cl.c.kind), text(value),
                text(stance) if stance is not None else literal(""), text(cl.c.rank), text(cl.c.reason),
                text(cl.c.at_least), text(cl.c.at_most), case((cl.c.own, "yes"), else_="")]

    def any_marked(self, session: Session) -> bool:
        """Whether any claim says more than its event's columns — ranked, given a reason, or another source's —,
        asked of the partial index `ix_claims_marked` (migration 0010); else every claim cell is empty."""
        from sqlalchemy import text

        # (the index's own predicate, spelt as the migration spells it: SQLite takes a partial index only for a
        # WHERE that implies its predicate, which a bound parameter for 'normal' would not)
        return session.scalar(text("SELECT EXISTS (SELECT 1 FROM claims WHERE " + MARKED + ")")) == 1

    def unstated_own(self, event_cells: list[Any], blanks: int, chosen: Select[Any] | None) -> Select[Any]:
        """The rows of the own claims the chronology CSV does not state (see the module): the event's cells, empty
        citation cells, the claim's cells."""
        from sqlalchemy import literal, select

        from relations_db.store.schema import events

        cl = self.claims
        stmt = (select(*event_cells, *[literal("") for _ in range(blanks)], *self.cells(None))
                .select_from(self.joined(cl.join(events, events.c.id == cl.c.event_id), via_links=False))
                .where(cl.c.own, (cl.c.rank != vocab.CLAIM_RANK_DEFAULT) | cl.c.reason.is_not(None)
                       | ((cl.c.kind == "date") & (cl.c.date != events.c.date))
                       | ((cl.c.kind == "place") & cl.c.place_id.is_distinct_from(events.c.place_id))))
        return stmt.where(cl.c.event_id.in_(chosen)) if chosen is not None else stmt


# --- import --------------------------------------------------------------------------------------------------


def check_claim(layout: Layout, cells: list[str], has_citation: bool, names: Names,
                errors: list[str]) -> ClaimCells | None:
    """The claim cells of a row, checked (None when the row names no claim); what is wrong goes to `errors`."""
    from relations_db.formats.csv.columns import unquote

    def cell(name: str) -> str:
        return unquote(layout.cell(cells, name)).strip()

    given = {name: cell(name) for name in CLAIM_COLUMNS if name != "claim_id"}
    if not any(given.values()):
        return None
    kind, value = given["claim_kind"], given["claim_value"]
    if kind not in vocab.CLAIM_KINDS:
        errors.append(f"the claim_kind {kind!r} is not a kind of claim: give one of {', '.join(vocab.CLAIM_KINDS)}"
                      if kind else "a row with claim cells needs its claim_kind")
        return None
    _check_value(kind, value, names, errors)
    for name, choices in (("stance", vocab.STANCES), ("rank", vocab.CLAIM_RANKS)):
        if given[name] and given[name] not in choices:
            errors.append(f"the {name} {given[name]!r} is not one of {', '.join(choices)}")
    if has_citation != bool(given["stance"]):
        errors.append("a claim row with a citation needs its stance (supports or disputes)" if has_citation else
                      "a stance needs the citation it is of: give the source")
    if given["own"] not in ("", "yes"):
        errors.append(f"own is 'yes' (the event's own claim) or empty, not {given['own']!r}")
    elif not has_citation and not given["own"]:
        errors.append("a claim row without a citation states an own claim of the event: own must be 'yes' (or "
                      "give the source and stance of the citation that speaks to it)")
    if (given["at_least"] or given["at_most"]) and kind not in ("before", "after"):
        errors.append("at_least and at_most bound the gap of a before or after claim")
    problem = control_problem(given["reason"], True) if given["reason"] else None
    if problem:
        errors.append(f"the reason {problem}")
    return ClaimCells(kind, value, given["stance"] or None, given["rank"] or None, given["reason"] or None,
                      given["at_least"] or None, given["at_most"] or None, given["own"] == "yes")


def _check_value(kind: str, value: str, names: Names, errors: list[str]) -> None:
    if kind == "occurred":
        if value:
            errors.append("an occurred claim has no claim_value")
        return
    if not value:
        errors.append(f"a {kind} claim needs its claim_value")
        return
    error: str | None = None
    if kind == "date":
        error = names.date(value)[1]
    elif kind == "place":
        error = names.place_of(value)[1]
    elif kind == "participant":
        error = names.spec(value)[1]
    if error:
        errors.append(error)


def write_claims(session: Session, rows: list[Any], found: dict[int, tuple[int, str]], report: ImportReport,
                 source_keys: dict[int, str]) -> list[tuple[int, str]]:
    """The claim cells of the rows written, in the file's order, once their citations are (see the module);
    returns what could not be written, by line (the caller then writes nothing at all)."""
    from relations_db.errors import UserError

    problems: list[tuple[int, str]] = []
    for row in rows:
        if row.claim is None:
            continue
        try:
            _write_claim(session, row, found[row.line][1], report, source_keys)
        except UserError as exc:
            problems.append((row.line, str(exc)))
    return problems


def _write_claim(session: Session, row: Any, slug: str, report: ImportReport, source_keys: dict[int, str]) -> None:
    from relations_db.write.claims import add_claim, find_claim, own_claim, recompute
    from relations_db.write.parts import CitationInput

    claim: ClaimCells = row.claim
    given = _claim_input(claim)
    recorded = find_claim(session, slug, given)
    was = None if recorded is None else (recorded.rank, recorded.reason, recorded.own)
    if row.source_id is None:
        stated, _ = own_claim(session, slug, given, claim.rank, claim.reason)
    else:
        values = row.values
        evidence = CitationInput(locator=values.get("locator"), quote=values.get("quote"),
                                 cited_as=values.get("cited_as"),
                                 cited_in=source_keys.get(values.get("cited_in_id", -1)),
                                 cited_in_locator=values.get("cited_in_locator"),
                                 confidence=values.get("confidence"), note=values.get("note"))
        stated = add_claim(session, slug, given, source=source_keys[row.source_id], evidence=evidence,
                           stance=claim.stance or vocab.STANCE_DEFAULT, rank=claim.rank, reason=claim.reason).claim
        if stated.own != claim.own:
            stated.own = claim.own
            recompute(session, stated.event)
    what = f"claim k{stated.id} ({claim.kind}{' ' + claim.value if claim.value else ''})"
    if was is None:
        report.detail(row.line, f"updated {slug}: {what} added")
    elif was != (stated.rank, stated.reason, stated.own):
        report.detail(row.line, f"updated {slug}: {what}: rank {stated.rank}"
                                + (", the event's own" if stated.own else ""))


def _claim_input(claim: ClaimCells) -> Any:
    from relations_db.errors import UserError
    from relations_db.write.claims import ClaimInput

    if claim.kind in _NAMES_EVENT:
        raise UserError(f"a {claim.kind} claim cannot be imported from CSV yet")
    return ClaimInput(date=claim.value if claim.kind == "date" else None,
                      actor=claim.value if claim.kind == "participant" else None,
                      place=claim.value if claim.kind == "place" else None, occurred=claim.kind == "occurred")
