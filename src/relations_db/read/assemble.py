"""Rows → the dicts of `rows.py`, in plain Python: shared by the SQLAlchemy read path (`events`, `catalog`) and the
SQLite fast path (`read/sqlite_fast`), so that both hand out the same values in the same shape, key for key.

Rows are indexed by position (a SQLAlchemy Row and an `sqlite3` tuple alike). Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from relations_db.domain import dates
from relations_db.domain.citing import citation_text
from relations_db.domain.text import fold
from relations_db.domain.vocab import ACTOR_KINDS
from relations_db.errors import UserError
from relations_db.read.claim_rows import disputed_dates
from relations_db.read.rows import Citation, EventDetail, EventRef, EventRow

Row = Sequence[Any]


def batch_ids(dialect: str, ids: list[int]) -> str:
    """A batch of event ids as the one parameter `ids` of the details statements: a JSON array on SQLite (read by
    `json_each`), an array literal on PostgreSQL."""
    text = ",".join(map(str, ids))
    return f"[{text}]" if dialect == "sqlite" else f"{{{text}}}"


def event_dict(row: Row) -> EventRow:
    """An event from a row of `events.base_select` (its first 21 columns)."""
    (id_, slug, kind, date, _, _, start, end, start_kind, end_kind, precision, title, summary, type_, tone,
     tone_note, place, format_, outcome, status, subject) = row[:21]
    # The kind of a missing end only where there is one, so that the events with both days keep their shape.
    kinds = {**({"start_kind": start_kind} if start_kind else {}), **({"end_kind": end_kind} if end_kind else {})}
    event: EventRow = {
        "id": id_, "slug": slug, "kind": kind, "date": date, "start": start, "end": end,
        **kinds,  # type: ignore[typeddict-item]  # (the optional kinds, spread in after the days)
        "precision": precision, "title": title, "summary": summary, "type": type_, "tone": tone,
        "tone_note": tone_note, "place": place,
        "actors": [], "citations": [], "invokes": [],
    }
    if kind == "meeting":
        event["meeting"] = {"format": format_, "outcome": outcome}
    elif kind == "agreement":
        event["agreement"] = {"status": status, "subject": subject}
    return event


def attach_details(by_id: dict[int, EventRow], sources: dict[int, tuple[str, str]], participants: Iterable[Row],
                   citations: Iterable[Row], invokes: Iterable[Row], dated: Iterable[Row]) -> None:
    """Fill `actors`, `citations` and `invokes` of a batch of events from the rows of the details statements
    (`events.details_statements`), and `disputed` and `dates` of its disputed events (`dated`: their
    best-ranked date claims); `sources` maps a source id to its (key, short form)."""
    for event_id, name, kind, role in participants:
        by_id[event_id]["actors"].append({"name": name, "kind": kind, "role": role})
    none = (None, None)
    for event_id, citation_id, source_id, locator, quote, cited_as, in_id, in_locator, confidence, note in citations:
        key, short = sources[source_id]
        in_key, in_short = sources[in_id] if in_id is not None else none
        citation: Citation = {
            "id": citation_id, "source": key, "short": short, "locator": locator, "quote": quote,
            "cited_as": cited_as, "cited_in": in_key, "cited_in_short": in_short, "cited_in_locator": in_locator,
            "confidence": confidence, "note": note,
            "text": citation_text(short, locator, in_short, in_locator),
        }
        by_id[event_id]["citations"].append(citation)
    for event_id, slug in invokes:
        by_id[event_id]["invokes"].append(slug)
    claimed: dict[int, list[Row]] = {}
    for event_id, *claim in dated:
        claimed.setdefault(event_id, []).append(claim)
    for event_id, claims in claimed.items():
        by_id[event_id]["disputed"], by_id[event_id]["dates"] = True, disputed_dates(claims)


def event_detail(event: EventRow, invoked: Mapping[str, Any]) -> EventDetail:
    """`event_by_ref`'s answer: the event, each invoked agreement's (slug, date, title) from `invoked` (by slug),
    and how its date reads."""
    parsed = dates.parse(event["date"])
    # (the keys in the order the JSON output has always shown them: the event's, then how its date reads)
    return {
        **event,  # type: ignore[typeddict-unknown-key]  # EventRow may carry keys of other listings: not this one
        "invokes": [{"slug": s, "date": invoked[s][1], "title": invoked[s][2]} for s in event["invokes"]],
        "display": dates.display(parsed), "approximate": parsed.approximate, "uncertain": parsed.uncertain,
        "claims": [],  # (filled by `claim_rows.with_claims`)
    }


def invoked_by(agreement_ids: list[int], rows: Iterable[Row]) -> dict[int, list[EventRef]]:
    """For each agreement id, the events invoking it, from the rows of `events.invoked_by_statement`."""
    found: dict[int, list[EventRef]] = {i: [] for i in agreement_ids}
    for agreement_id, id_, slug, date, title in rows:
        found[agreement_id].append({"id": id_, "slug": slug, "date": date, "title": title})
    return found


def check_actor_kind(kind: str | None) -> None:
    """Refuse a kind of actor that is not one of the vocabulary's."""
    if kind and kind not in ACTOR_KINDS:
        raise UserError(f"the kind of actor must be one of {', '.join(ACTOR_KINDS)} (got {kind!r})", field="kind")


def like_pattern(search: str) -> str:
    """The LIKE pattern of `actors --search`: the folded text anywhere, its wildcards escaped (ESCAPE '\\')."""
    escaped = fold(search).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"


def is_event_id(ref: str) -> bool:
    """Whether `ref` can be an event id: ASCII digits of a number the databases store (a longer one is no id,
    and binding it failed with a traceback)."""
    return ref.isdigit() and ref.isascii() and int(ref) < 2**63
