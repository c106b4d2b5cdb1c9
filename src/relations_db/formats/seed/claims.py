"""An event's `claims` (seed format 5): checking the entries, and writing them after every event of the file.

An event states its own claims by its fields — its `date`, `place` and each of its `participants` — supported by
every citation of the event that no claim entry names (docs/claims.md). A `claims` entry either gives one of
those own claims a rank, a reason or linked citations (`own: true`, with the same value), or states another claim:
another date, place or participant, that the event occurred, or that it came before, after or during another
event (named by slug, resolved once every event of the file is written). `supports` and `disputes` name the
event's citations by their 1-based position in its `citations` list.

A load into a database that has the event already updates a claim with the same kind and value in place (its
rank and reason when the entry gives them, its links added or their stance set) and adds the claims it lacks;
it removes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relations_db.domain import dates
from relations_db.domain.text import control_problem, fold
from relations_db.domain.vocab import CLAIM_KINDS, CLAIM_RANK_DEFAULT, CLAIM_RANKS, RELATIVE_CLAIMS, STANCES
from relations_db.errors import DateError
from relations_db.formats.seed.fields import CLAIM_FIELDS, CLAIM_VALUE_FIELDS, CLAIM_VALUES, OWN_CLAIM_KINDS
from relations_db.formats.seed.read import Mapping, date_problem, text_of
from relations_db.store.models import Claim, ClaimCitation, Event, Participation, RetiredSlug
from relations_db.write.claims import recompute, write_own_rows

# The kinds of own claims whose value is the event's field of that name: an own entry of such a kind gives none.
OWN_VALUE_FIELDS = ("date", "place")

def is_duration(value: object) -> bool:
    """Whether `value` is a gap as the database stores it (`10D`, `2W`, `3M`, `1Y`: `domain.relative`'s rule, so
    that whatever `add claim` accepts, an export writes and an import reads back)."""
    from relations_db.domain.relative import normal_duration
    from relations_db.errors import UserError

    try:
        return isinstance(value, str) and normal_duration(value) == value
    except UserError:
        return False
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


class Problems(Protocol):
    """Where the validator collects problems: a line and a message."""

    def add(self, line: int, message: str) -> None: ...


# How the validator resolves an actor or a place name: the problem with it, or None when it names one record.
Resolver = Callable[[object], str | None]


# --- checking --------------------------------------------------------------------------------------------------


def own_flag(entry: Mapping) -> bool | None:
    """Whether an entry is the event's own claim (`own: true`); None when `own` is not true or false."""
    value = text_of(entry.get("own", "false"))
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    return None


def _text(entry: Mapping, key: str) -> str | None:
    """A field's text as written (what is stored, so that an export gives it back), None when blank."""
    value = text_of(entry.get(key))
    return value if isinstance(value, str) and value.strip() else None


def claim_value(entry: Mapping) -> tuple[object, ...]:
    """What identifies a claim entry within its event: its kind and value, names folded, dates as parsed (the
    event's own date or place: its kind alone, as its value is the event's field)."""
    kind = entry.get("kind")
    if kind in OWN_VALUE_FIELDS and own_flag(entry):
        return (kind, "own")
    if kind == "date":
        try:
            return (kind, dates.parse(_text(entry, "date") or "").text)
        except DateError:
            return (kind, _text(entry, "date"))
    if kind == "place":
        return (kind, fold(_text(entry, "place") or ""))
    if kind == "participant":
        return (kind, fold(_text(entry, "actor") or ""), _text(entry, "role"))
    if kind in RELATIVE_CLAIMS:
        return (kind, _text(entry, "event"))
    return (kind,)


def own_values(item: Mapping) -> set[tuple[object, ...]]:
    """The values of the claims an event entry states by its fields (as `claim_value` gives them)."""
    found: set[tuple[object, ...]] = set()
    date = text_of(item.get("date"))
    if isinstance(date, str):
        found |= {claim_value(_as_entry({"kind": "date", "date": date})), ("date", "own")}
    if isinstance(text_of(item.get("place")), str):
        found |= {("place", fold(text_of(item["place"]))), ("place", "own")}
    for part in item.get("participants") or []:
        if isinstance(part, Mapping) and isinstance(text_of(part.get("actor")), str):
            found.add(("participant", fold(text_of(part["actor"])), _text(part, "role")))
    return found


def _as_entry(values: dict[str, Any]) -> Mapping:
    entry = Mapping()
    entry.update(values)
    return entry


def validate_claims(item: Mapping, what: str, slugs: Container[str], problems: Problems, actor: Resolver,
                    place: Resolver) -> None:
    """Check an event's `claims` (version 5): each entry's kind, value, rank, reason and citation positions;
    `slugs` are the events a relative claim may name (the file's and the database's)."""
    claims = item.get("claims")
    if claims is None:
        return
    if not isinstance(claims, list):
        problems.add(item.line_of("claims"), f"{what}: claims must be a list")
        return
    citations = item.get("citations")
    count = len(citations) if isinstance(citations, list) else 0
    own, seen = own_values(item), set()
    for entry in claims:
        if not isinstance(entry, Mapping):
            problems.add(item.line_of("claims"), f"{what}: a claim must be a mapping of fields")
            continue
        _validate_claim(entry, what, problems, count, (actor, place))
        if entry.get("kind") in RELATIVE_CLAIMS:
            _validate_relative(entry, item, what, slugs, problems)
        value = claim_value(entry)
        _validate_own(entry, value, own, what, problems)
        if value in seen:
            problems.add(entry.line, f"{what}: two claims say the same ({_reads(value)}); give it once, with "
                                     "every citation that speaks to it")
        seen.add(value)


def _reads(value: tuple[object, ...]) -> str:
    return " ".join(str(v) for v in value if v is not None)


def _validate_claim(entry: Mapping, what: str, problems: Problems, count: int,
                    resolvers: tuple[Resolver, Resolver]) -> None:
    for key in entry:
        if key not in CLAIM_FIELDS:
            problems.add(entry.line_of(key), f"{what} claim: unknown field {key!r} (allowed: "
                                             f"{', '.join(CLAIM_FIELDS)})")
    kind = entry.get("kind")
    if kind not in CLAIM_KINDS:
        problems.add(entry.line_of("kind"), f"{what} claim: kind must be one of {', '.join(CLAIM_KINDS)} "
                                            f"(found {kind!r})")
        return
    for key in CLAIM_VALUE_FIELDS:
        if key in entry and key not in CLAIM_VALUES[kind]:
            problems.add(entry.line_of(key), f"{what} {kind} claim: {key!r} is not a field of a {kind} claim "
                                             f"(it takes {', '.join(CLAIM_VALUES[kind]) or 'no value'})")
    _validate_value(entry, kind, what, problems, resolvers)
    _validate_rank(entry, what, problems)
    _validate_links(entry, what, problems, count)


def _validate_value(entry: Mapping, kind: str, what: str, problems: Problems,
                    resolvers: tuple[Resolver, Resolver]) -> None:
    """The value of a date, place or participant claim: present, well-formed, naming one record (the event's own
    date or place has the event's: the entry gives none)."""
    actor, place = resolvers
    if kind in OWN_VALUE_FIELDS and own_flag(entry):
        if kind in entry:
            problems.add(entry.line_of(kind), f"{what} {kind} claim: the event's own {kind} is its `{kind}` field; "
                                              f"leave {kind!r} out of an own: true entry")
    elif kind == "date":
        date = _required(entry, "date", what, problems)
        problem = date_problem(date) if date is not None else None
        if problem:
            problems.add(entry.line_of("date"), f"{what} date claim: {problem}")
    elif kind == "place" and _required(entry, "place", what, problems) is not None:
        problem = place(entry["place"])
        if problem:
            problems.add(entry.line_of("place"), f"{what} place claim: place {problem}")
    elif kind == "participant" and _required(entry, "actor", what, problems) is not None:
        problem = actor(entry["actor"])
        if problem:
            problems.add(entry.line_of("actor"), f"{what} participant claim: actor {problem}")
        if "role" in entry and _text(entry, "role") is None:
            problems.add(entry.line_of("role"), f"{what} participant claim: a role is text (leave it out for none)")


def _required(entry: Mapping, key: str, what: str, problems: Problems) -> str | None:
    value = _text(entry, key)
    if value is None:
        problems.add(entry.line_of(key), f"{what} {entry.get('kind')} claim: missing {key!r}")
    return value


def _validate_rank(entry: Mapping, what: str, problems: Problems) -> None:
    rank = entry.get("rank", CLAIM_RANK_DEFAULT)
    if rank not in CLAIM_RANKS:
        problems.add(entry.line_of("rank"), f"{what} claim: rank must be one of {', '.join(CLAIM_RANKS)} "
                                            f"(found {rank!r})")
    reason = text_of(entry.get("reason"))
    if reason is not None and not (isinstance(reason, str) and reason.strip()):
        problems.add(entry.line_of("reason"), f"{what} claim: a reason is text (leave it out for none)")
    elif isinstance(reason, str) and control_problem(reason, one_line=True):
        problems.add(entry.line_of("reason"), f"{what} claim: 'reason' {control_problem(reason, one_line=True)}")


def _validate_links(entry: Mapping, what: str, problems: Problems, count: int) -> None:
    """`supports` and `disputes`: lists of 1-based positions in the event's `citations`, each at most once."""
    named: set[int] = set()
    for stance in STANCES:
        positions = entry.get(stance)
        if positions is None:
            continue
        if not isinstance(positions, list):
            problems.add(entry.line_of(stance), f"{what} claim: {stance} must be a list of citation numbers, "
                                                "e.g. [1, 3]")
            continue
        for position in positions:
            if not isinstance(position, int) or not 1 <= position <= count:
                problems.add(entry.line_of(stance), f"{what} claim: {stance} {position!r} is not a citation of the "
                                                    f"event (they are numbered 1 to {count}, in the order of "
                                                    "its `citations`)")
            elif position in named:
                problems.add(entry.line_of(stance), f"{what} claim: citation {position} is named twice (a "
                                                    "citation supports or disputes a claim, not both)")
            if isinstance(position, int):
                named.add(position)


def _validate_relative(entry: Mapping, item: Mapping, what: str, slugs: Container[str], problems: Problems) -> None:
    kind, other = entry["kind"], _text(entry, "event")
    if other is None:
        problems.add(entry.line_of("event"), f"{what} {kind} claim: missing 'event' (the slug of the event it "
                                             f"is {kind})")
    elif other not in slugs:
        problems.add(entry.line_of("event"), f"{what} {kind} claim: event {other!r} is not an event slug in the "
                                             "file or the database")
    elif other == item.get("slug"):
        problems.add(entry.line_of("event"), f"{what} {kind} claim: an event is not {kind} itself")
    for key in ("at_least", "at_most"):
        value = text_of(entry.get(key))
        if value is not None and not is_duration(value):
            problems.add(entry.line_of(key), f"{what} {kind} claim: {key} is a duration such as 10D, 2W, 3M or "
                                             f"1Y (found {value!r})")


def _validate_own(entry: Mapping, value: tuple[object, ...], own: set[tuple[object, ...]], what: str,
                  problems: Problems) -> None:
    flag, kind = own_flag(entry), entry.get("kind")
    if flag is None:
        problems.add(entry.line_of("own"), f"{what} claim: own is true or false (found {entry.get('own')!r})")
    elif flag and kind not in OWN_CLAIM_KINDS:
        problems.add(entry.line_of("own"), f"{what} {kind} claim: only a date, place or participant claim is the "
                                           "event's own (stated by its fields)")
    elif flag and kind in OWN_VALUE_FIELDS and (kind, "own") not in own:
        problems.add(entry.line, f"{what} claim: own: true, but the event has no `{kind}`")
    elif flag and kind not in OWN_VALUE_FIELDS and value not in own:
        problems.add(entry.line, f"{what} claim: own: true, but the event's `date`, `place` or `participants` do "
                                 f"not state {_reads(value)}")
    elif not flag and kind in OWN_CLAIM_KINDS and value in own:
        problems.add(entry.line, f"{what} claim: the event's own fields state {_reads(value)} already: write "
                                 "`own: true` to rank it or name its citations")


# --- writing -----------------------------------------------------------------------------------------------------


def _other_events(session: Session, items: list[Mapping]) -> dict[str, int]:
    """slug → id of every event the file's relative claims name (a merged-away slug: the event that absorbed it)."""
    slugs = sorted({text_of(c["event"]) for item in items for c in item.get("claims") or []
                    if c.get("kind") in RELATIVE_CLAIMS})
    found: dict[str, int] = {}
    for i in range(0, len(slugs), 500):
        chunk = slugs[i:i + 500]
        found.update(dict(session.execute(select(RetiredSlug.slug, RetiredSlug.event_id)
                                          .where(RetiredSlug.slug.in_(chunk))).all()))
        found.update(dict(session.execute(select(Event.slug, Event.id).where(Event.slug.in_(chunk))).all()))
    return found


def own_dates(session: Session, event_ids: set[int]) -> dict[int, str]:
    """The own date claim's date of each of these events (the date a version-5 file gives as the event's)."""
    ids, found = sorted(event_ids), dict[int, str]()
    for i in range(0, len(ids), 500):
        found.update(dict(session.execute(
            select(Claim.event_id, func.coalesce(Claim.date, "")).where(Claim.kind == "date", Claim.own,
                                                     Claim.event_id.in_(ids[i:i + 500]))).all()))
    return found


@dataclass
class Names:
    """What the loader resolved: folded actor / place spelling → id, source key → id (a merged-away key: the
    source that absorbed it), and (filled here) the slugs relative claims name → event id."""

    actors: dict[str, int]
    places: dict[str, int]
    sources: dict[str, int]
    events: dict[str, int] = field(default_factory=dict)


def apply_claims(session: Session, touched: list[tuple[Mapping, Event]], names: Names) -> set[int]:
    """Write the `claims` of the file's events (after every event is written and has its own claims); then each
    event shows what its claims decide. Returns the ids of the events whose claims changed."""
    with_claims = [(item, event) for item, event in touched if item.get("claims")]
    if not with_claims:
        return set()
    names.events = _other_events(session, [item for item, _ in with_claims])
    changed: set[int] = set()
    write_own_rows(session, [event.id for _, event in with_claims])
    for item, event in with_claims:
        session.refresh(event, ["claims", "participations", "citations"])
        if any([_apply_entry(session, event, item, entry, names) for entry in item["claims"]]):
            changed.add(event.id)
        recompute(session, event)
    return changed


def _matching(event: Event, entry: Mapping, names: Names) -> Claim | None:
    """The event's claim with the entry's kind and value (an own entry: preferring the own claim)."""
    kind = entry["kind"]
    if kind in OWN_VALUE_FIELDS and own_flag(entry):
        own = [c for c in event.claims if c.kind == kind and c.own]
        if own:  # (an own entry of a date or place is the event's own claim of it, whatever its value now)
            return min(own, key=lambda c: c.id)
    found = [c for c in event.claims if c.kind == kind and _same_value(c, entry, names)]
    found.sort(key=lambda c: (c.own != (own_flag(entry) is True), c.id))
    return found[0] if found else None


def _same_value(claim: Claim, entry: Mapping, names: Names) -> bool:
    kind = entry["kind"]
    if kind == "date":
        return claim.date == dates.parse(text_of(entry["date"])).text
    if kind == "place":
        return claim.place_id == names.places[fold(text_of(entry["place"]))]
    if kind == "participant":
        part = claim.participation
        return part is not None and (part.actor_id, part.role) == (names.actors[fold(text_of(entry["actor"]))],
                                                                  _text(entry, "role"))
    if kind in RELATIVE_CLAIMS:
        return claim.other_event_id == names.events[text_of(entry["event"])]
    return True


def _apply_entry(session: Session, event: Event, item: Mapping, entry: Mapping, names: Names) -> bool:
    """Write one claim entry: update the claim with its value in place, or add it; whether anything changed."""
    kind = entry["kind"]
    if kind in OWN_VALUE_FIELDS and own_flag(entry):  # its value is the event's field
        entry = _as_entry({**entry, kind: item[kind]})
    claim = _matching(event, entry, names)
    changed = claim is None
    if claim is None:
        claim = _new_claim(event, entry, names)
    values: dict[str, Any] = {}
    if "rank" in entry or changed:
        values["rank"] = entry.get("rank", CLAIM_RANK_DEFAULT)
    if _text(entry, "reason") is not None:
        values["reason"] = _text(entry, "reason")
    for key in ("at_least", "at_most"):
        if entry.get("kind") in RELATIVE_CLAIMS and (key in entry or changed):
            values[key] = _text(entry, key)
    for key, value in values.items():
        if getattr(claim, key) != value:
            setattr(claim, key, value)
            changed = True
    session.flush()
    return _link(session, event, claim, item, entry, names) or changed


def _new_claim(event: Event, entry: Mapping, names: Names) -> Claim:
    kind = entry["kind"]
    claim = Claim(kind=kind, own=own_flag(entry) is True, rank=CLAIM_RANK_DEFAULT)
    if kind == "date":
        parsed = dates.parse(text_of(entry["date"]))
        claim.date, claim.start_day, claim.end_day = parsed.text, parsed.start_day, parsed.end_day
    elif kind == "place":
        claim.place_id = names.places[fold(text_of(entry["place"]))]
    elif kind == "participant":
        part = Participation(actor_id=names.actors[fold(text_of(entry["actor"]))], role=_text(entry, "role"))
        event.participations.append(part)
        claim.participation = part
    elif kind in RELATIVE_CLAIMS:
        claim.other_event_id = names.events[text_of(entry["event"])]
    event.claims.append(claim)
    return claim


def _link(session: Session, event: Event, claim: Claim, item: Mapping, entry: Mapping, names: Names) -> bool:
    """Link the citations the entry names to the claim, each with its stance (the citation of the event that
    the entry's citation at that position is: the loader matched or added it); whether any link changed."""
    by_match = {(c.source_id, c.locator, c.quote): c for c in event.citations}
    changed = False
    for stance in STANCES:
        for position in entry.get(stance) or []:
            cited = item["citations"][position - 1]
            citation = by_match.get((names.sources[cited["source"]], text_of(cited.get("locator")),
                                     text_of(cited.get("quote"))))
            if citation is None:  # (the event absorbed the entry's slug: its citation was matched elsewhere)
                continue
            link = session.get(ClaimCitation, (claim.id, citation.id))
            if link is None:
                session.add(ClaimCitation(claim_id=claim.id, citation_id=citation.id, stance=stance))
                changed = True
            elif link.stance != stance:
                link.stance, changed = stance, True
    return changed

