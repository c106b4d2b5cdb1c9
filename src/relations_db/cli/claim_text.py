"""The claims of an event as `show` and `claims` print them: each claim with its evidence, and what its relative
claims derive (the plain-text profile of `cli/output.py`, which imports this)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from relations_db.domain.dates import bound_label

# How the profile wraps a line: (text, indent of the lines after the first, indent of the first).
Wrap = Callable[[str, str, str | None], str]


def _beyond_own(claims: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the claims say more than the event's fields and citations do (another source's value, a rank)."""
    return any(c["rank"] != "normal" or c["reason"] or any(not e["implicit"] for e in c["evidence"])
               for c in claims)


def evidence_text(evidence: Mapping[str, Any]) -> str:
    """'c17 Duka 2007, p. 281: “…”' (with 'disputes' when it does): one citation as it speaks to a claim."""
    text = f"c{evidence['citation']} {evidence['short']}"
    if evidence.get("locator"):
        text += f", {evidence['locator']}"
    if evidence.get("cited_in_short"):
        text += f" (in {evidence['cited_in_short']}" + (f", {evidence['cited_in_locator']}"
                                                        if evidence.get("cited_in_locator") else "") + ")"
    if evidence.get("quote"):
        text += f": “{evidence['quote']}”"
    return ("disputes: " if evidence["stance"] == "disputes" else "") + text


def evidence_lines(evidence: Sequence[Mapping[str, Any]]) -> list[str]:
    """A claim's evidence: the event's own citations (which support its own claims) by id on one line, each
    citation linked to the claim in full."""
    implicit = [f"c{e['citation']}" for e in evidence if e["implicit"]]
    return ([f"the event's citations: {', '.join(implicit)}"] if implicit else []) + \
           [evidence_text(e) for e in evidence if not e["implicit"]]


def derived_text(derived: Mapping[str, Any]) -> str:
    """'Derived from relative claims: not before 4 June 1961, not after 3 December 1961' (or that they
    contradict the dates: `check` names the claims)."""
    if derived.get("contradiction"):
        return ("Derived from relative claims: nothing — they contradict each other or the recorded dates "
                "(`relations-db check --rule relative-conflict` names the claims)")
    said = [f"{word} {bound_label(derived[key])}" for word, key in (("not before", "not_before"),
                                                                      ("not after", "not_after")) if derived[key]]
    return "Derived from relative claims: " + ", ".join(said)


def claim_text(claim: Mapping[str, Any]) -> str:
    """'k12 date 1959 · normal, not shown · reason: …': one claim's head line (a relative claim's value says its
    kind: 'k14 after 1961-12-03-… (at least 3 months)')."""
    state = claim["rank"] + ("" if claim["shown"] else ", not shown")
    value = claim["value"] if claim.get("other_event") else f"{claim['kind']} {claim['value']}"
    return f"k{claim['id']} {value} · {state}" + \
           (f" · reason: {claim['reason']}" if claim.get("reason") else "")


def claims_section(claims: Sequence[Mapping[str, Any]], wrapped: Wrap) -> list[str]:
    """The Claims of an event, each with its evidence — only when they say more than the event's fields (so an
    event that no source contradicts reads as it always has), then a note on each date not shown."""
    if not _beyond_own(claims):
        return []
    lines = ["", "Claims"]
    for claim in claims:
        lines.append(wrapped(claim_text(claim), "    ", "  "))
        lines += [wrapped(text, "        ", "      ") for text in evidence_lines(claim["evidence"])]
    notes = [c for c in claims if c["kind"] == "date" and not c["shown"]]
    for claim in notes:
        from relations_db.read.claim_rows import date_note

        givers = [e["short"] for e in claim["evidence"] if e["stance"] == "supports"]
        lines.append(wrapped(f"Note: {date_note(givers, claim['date'] or '', claim['rank'])}", "  ", ""))
    return lines
