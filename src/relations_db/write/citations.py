"""Correcting evidence: a citation edited or removed by its id (`c17` or `17`), planned, then applied.

A citation's id is stable: `show` prints it (`[c17]`), JSON carries it (`id`), and a YAML import updates a
citation in place (matched by source, locator and quote) rather than replacing it, so the id a user noted stays
good. An event keeps at least one citation: removing its last one is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy.orm import Session

from relations_db.errors import NotFound, UserError
from relations_db.store.models import Citation, Source
from relations_db.write.checks import Problems, check_confidence, optional_text, verbatim
from relations_db.write.resolve import resolve_source
from relations_db.write.search_index import refresh_search

# The fields `edit_citation` can set, in the order a change is reported.
CITATION_FIELDS = ("source", "locator", "quote", "cited_as", "cited_in", "cited_in_locator", "confidence", "note")
_ID = re.compile(r"[cC]?([0-9]+)")


def citation_id(ref: str | int) -> int:
    """The number of a citation as a user gives it: 'c17', 'C17', '17' or 17."""
    if isinstance(ref, int):
        return ref
    match = _ID.fullmatch(ref.strip())
    if match is None:
        raise UserError(f"{ref!r} is not a citation id: give it as `show` prints it, e.g. c17 (or 17)",
                        field="citation")
    return int(match.group(1))


def resolve_citation(session: Session, ref: str | int) -> Citation:
    """The citation with this id; NotFound says where ids are shown."""
    found = session.get(Citation, citation_id(ref))
    if found is None:
        raise NotFound(f"no citation c{citation_id(ref)}: `relations-db show EVENT` prints each citation's id, "
                       "e.g. [c17]", field="citation")
    return found


def describe(citation: Citation) -> str:
    """'c17 (duka-2007, p. 281, of 1957-04-hoxha-visits-moscow)': how messages name a citation."""
    where = f", {citation.locator}" if citation.locator else ""
    return f"c{citation.id} ({citation.source.key}{where}, of {citation.event.slug})"


@dataclass
class CitationEdit:
    """What `apply_citation_edit` will set: attribute → new value, and the fields that change, in order."""

    citation: Citation
    values: dict[str, object] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)


def _wanted(session: Session, citation: Citation, given: dict[str, str | int | None],
            problems: Problems) -> dict[str, object]:
    """field → the value it will have (only the fields given), each checked; problems recorded."""
    wanted: dict[str, object] = {}
    if "source" in given:
        if not optional_text(str(given["source"])):
            problems.add("the source cannot be removed from a citation: give another source, or remove the "
                         "citation", field="source")
        else:
            wanted["source"] = problems.check(resolve_source, session, str(given["source"]))
    if "cited_in" in given:
        ref = optional_text(str(given["cited_in"]))
        wanted["cited_in"] = problems.check(resolve_source, session, ref) if ref else None
    for name in ("locator", "cited_as", "cited_in_locator"):
        if name in given:
            wanted[name] = optional_text(str(given[name]))
    for name in ("quote", "note"):  # (kept as given, unstripped)
        if name in given:
            wanted[name] = verbatim(str(given[name]))
    if "confidence" in given:
        try:
            wanted["confidence"] = check_confidence(given["confidence"])
        except UserError as exc:  # (named, so that the command line leads with its option)
            problems.add(str(exc), field="confidence")
    source = wanted.get("source", citation.source)
    if source is not None and wanted.get("cited_in", citation.cited_in) is source:
        assert isinstance(source, Source)
        problems.add(f"a citation cannot be quoted in its own source ({source.key!r}): give the work that "
                     "reports it, or none", field="cited_in")
    return wanted


def plan_citation_edit(session: Session, ref: str | int, **changes: str | int | None) -> CitationEdit:
    """Check an edit of citation `ref` and work out what changes, writing nothing.

    `changes` holds the fields to set (`CITATION_FIELDS`); None leaves a field as it is, an empty text clears an
    optional one (locator, quote, cited_as, cited_in, cited_in_locator, note; a blank confidence is the default,
    2). Refused: an unknown id, a bad value, a citation that would repeat another of the same event.
    """
    unknown = set(changes) - set(CITATION_FIELDS)
    if unknown:
        raise TypeError(f"edit_citation: unknown fields {sorted(unknown)}")
    citation = resolve_citation(session, ref)
    problems = Problems()
    wanted = _wanted(session, citation, {k: v for k, v in changes.items() if v is not None}, problems)
    problems.raise_if_any(f"edit citation c{citation.id}")
    plan = CitationEdit(citation)
    for name in CITATION_FIELDS:
        if name in wanted and getattr(citation, name) is not wanted[name] and getattr(citation, name) != wanted[name]:
            plan.values[name] = wanted[name]
            plan.changed.append(name)
    if plan.changed:
        _refuse_repeat(citation, plan.values)
    return plan


def _refuse_repeat(citation: Citation, values: dict[str, object]) -> None:
    """Refuse an edit that makes the citation say what another citation of its event says already."""
    source = values.get("source", citation.source)
    key = (source, values.get("locator", citation.locator), values.get("quote", citation.quote))
    for other in citation.event.citations:
        if other is not citation and (other.source, other.locator, other.quote) == key:
            raise UserError(f"c{citation.id} would repeat {describe(other)}: same source, locator and quotation; "
                            f"remove one of them instead (`remove citation c{citation.id}`); nothing was written")


def apply_citation_edit(session: Session, plan: CitationEdit) -> Citation:
    """Carry out a plan of `plan_citation_edit` (in the session that made it) and refresh the search text and the
    event's CSV cells."""
    for name, value in plan.values.items():
        setattr(plan.citation, name, value)
    session.flush()
    refresh_search(session, plan.citation.event)  # (the search text, and the CSV cells: the locator, the source…)
    return plan.citation


def edit_citation(session: Session, ref: str | int, **changes: str | int | None) -> tuple[Citation, list[str]]:
    """Change a citation's fields; return it and the names of what changed (empty: it already says that)."""
    plan = plan_citation_edit(session, ref, **changes)
    return apply_citation_edit(session, plan), plan.changed


class RemovedCitation(TypedDict):
    """What `remove_citation` removed, to tell the user (the citation itself is gone)."""

    id: int
    source: str
    locator: str | None
    event: str  # the slug of its event
    left: int  # how many citations the event keeps


def remove_citation(session: Session, ref: str | int) -> RemovedCitation:
    """Delete one citation; refused when it is its event's last (every event needs a source)."""
    citation = resolve_citation(session, ref)
    event = citation.event
    if len(event.citations) <= 1:
        raise UserError(f"c{citation.id} is the only citation of {event.slug!r}, and every event needs a source: "
                        f"add another citation first (`add citation {event.slug} --source KEY`), or remove the "
                        "event; nothing was written")
    gone: RemovedCitation = {"id": citation.id, "source": citation.source.key, "locator": citation.locator,
                             "event": event.slug, "left": len(event.citations) - 1}
    event.citations.remove(citation)
    session.flush()
    refresh_search(session, event)
    return gone
