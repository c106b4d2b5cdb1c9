"""Adding events and citations, removing events, and the rules that guard them: slugs, likely duplicates.

Functions here take a session and flush; they never commit (the command that owns the session does). Every
check runs before anything is written, and every problem with the input is reported at once.
(Changing an event is `write.edit`.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from sqlalchemy import Select, select, union_all
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.dates import slug_date
from relations_db.domain.text import slugify
from relations_db.errors import UserError
from relations_db.read.filters import span_conditions, span_legs
from relations_db.store.models import (
    Agreement,
    AgreementInvocation,
    Citation,
    Event,
    EventSearch,
    Meeting,
    Participation,
    RetiredSlug,
)
from relations_db.write import relative
from relations_db.write.checks import (
    Problems,
    check_kind_details,
    check_new_actor_kind,
    check_new_slug,
    check_tone,
    date_values,
    optional_text,
    require_citation,
    required_text,
    verbatim,
)
from relations_db.write.parts import (
    ActorSpec,
    CitationInput,
    create_participants,
    create_place,
    new_citation,
    participants,
)
from relations_db.write.resolve import place_or_new, resolve_agreements, resolve_event
from relations_db.write.search_index import refresh_search

# The class of each kind of event (joined-table inheritance: a meeting or an agreement has a row more).
EVENT_CLASSES: dict[str, type[Event]] = {"event": Event, "meeting": Meeting, "agreement": Agreement}

# --- slugs and likely duplicates ------------------------------------------------------------------------------


def unique_slug(session: Session, base: str, taken: set[str] | None = None) -> str:
    """`base`, or `base-2`, `base-3`… — the first not used by an event (nor in `taken`)."""
    used = set(session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%")))) | (taken or set())
    # (a former slug of a merged event still names it: never give it to another)
    used |= set(session.scalars(select(RetiredSlug.slug).where(RetiredSlug.slug.like(f"{base}%"))))
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def event_slug_base(date_text: str, title: str) -> str:
    """The slug an event is given from its date and title ('1961-12-03-the-soviet-union-breaks-off',
    '44bc-03-15-caesar-is-murdered')."""
    return slugify(f"{slug_date(date_text)} {title}")


def likely_duplicates(session: Session, start: int | None, end: int | None, title: str, actor_ids: set[int],
                      exclude_id: int | None = None) -> list[tuple[Event, str]]:
    """Events whose dates overlap these days (day numbers; None an open or unknown end) with a title that reads
    as the same event (`vocab.similar_titles`, the rule `check` uses too), or on the same days with the same
    participants (`actor_ids`; an empty set compares none), with the reason."""
    words = vocab.title_words(title)
    similar = [event_id for event_id, other in session.execute(
        select(Event.id, Event.title).where(Event.id.in_(overlapping(session, start, end))))
        if event_id != exclude_id and vocab.similar_titles(title, other, words)]
    found = [(event, "a similar title on overlapping dates")
             for event in session.scalars(select(Event).where(Event.id.in_(similar)).order_by(Event.id))]
    if actor_ids:
        same_days = select(Event).where(Event.start_day == start if start is not None else Event.start_day.is_(None),
                                        Event.end_day == end if end is not None else Event.end_day.is_(None),
                                        Event.id.not_in([*similar, exclude_id or 0]))
        found += [(other, "same date and the same participants") for other in session.scalars(same_days)
                  if {p.actor_id for p in other.participations} == actor_ids]
    return found


def overlapping(session: Session, start: int | None, end: int | None) -> Select[Any]:
    """A select of the ids of the events whose days overlap [start, end] (None: no limit on that side), read
    through the span-class indexes as the date filters are (a month among a million events reads a few
    thousand rows, not every event that began before it)."""
    legs = span_legs(session.connection().dialect.name, (start, end), [])
    if legs is None:
        return select(Event.id).where(*span_conditions((start, end)))
    return select(union_all(*legs).subquery().c.id)


def refuse_duplicates(duplicates: list[tuple[Event, str]]) -> None:
    """Refuse a write that records an event already there (`force` is the caller's way past this)."""
    if duplicates:
        listed = "; ".join(f"{e.slug} ({e.date}, {e.title!r}): {why}" for e, why in duplicates[:5])
        raise UserError(f"this looks like an event already recorded: {listed}. Nothing was written; "
                        "if it is a different event, force the write", field="force")


# --- adding ---------------------------------------------------------------------------------------------------


def add_event(
    session: Session,
    *,
    date: str,
    title: str,
    source: str | None,
    type: str | None = None,
    summary: str | None = None,
    place: str | None = None,
    tone: int | str | None = None,
    tone_note: str | None = None,
    kind: str = "event",
    meeting_format: str | None = None,
    outcome: str | None = None,
    status: str | None = None,
    subject: str | None = None,
    actors: Iterable[ActorSpec] = (),
    invokes: Iterable[str] = (),
    locator: str | None = None,
    quote: str | None = None,
    cited_as: str | None = None,
    cited_in: str | None = None,
    cited_in_locator: str | None = None,
    confidence: int | str | None = None,
    note: str | None = None,
    new_actor_kind: str | None = None,
    new_place: bool = False,
    force: bool = False,
    slug: str | None = None,
) -> Event:
    """Record a new event with its first citation, after checking every rule; raise UserError otherwise.

    Every problem with the input is reported at once. Unknown actors and places are errors with suggestions
    unless `new_actor_kind` / `new_place` say to create them; a likely duplicate (same date and a similar
    title, or the same participants) is refused unless `force`.
    """
    problems = Problems()
    values = problems.check(date_values, date)
    checked_title = problems.check(required_text, title, "the title")
    checked_type = optional_text(type)  # none: not classified (yet)
    checked_tone = problems.check(check_tone, tone)
    if verbatim(tone_note) and checked_tone is None:
        problems.add("a tone note gives the basis of a tone: give the tone too", field="tone_note")
    details = {"meeting_format": optional_text(meeting_format), "outcome": verbatim(outcome),
               "status": optional_text(status), "subject": verbatim(subject)}
    problems.check(check_kind_details, kind, details)
    problems.check(check_new_actor_kind, new_actor_kind)
    if slug is not None:
        problems.check(check_new_slug, session, slug)
    evidence: CitationInput = {"locator": locator, "quote": quote, "cited_as": cited_as, "cited_in": cited_in,
                               "cited_in_locator": cited_in_locator, "confidence": confidence, "note": note}
    citation = new_citation(session, source, evidence, problems)
    where = problems.check(place_or_new, session, place, new_place) if place and optional_text(place) else None
    parts = participants(session, actors, new_actor_kind if new_actor_kind in vocab.ACTOR_KINDS else None, problems)
    invoked = problems.check(resolve_agreements, session, invokes) or []
    problems.raise_if_any("add the event")
    # (raise_if_any has refused the write when any of these is missing)
    assert values is not None and checked_title is not None and citation is not None

    if not force:
        refuse_duplicates(likely_duplicates(session, values["start_day"], values["end_day"], checked_title,
                                            {a.id for a, _ in parts if not isinstance(a, str)}))
    people = create_participants(session, parts, new_actor_kind)
    at = create_place(session, where)
    extra = {vocab.DETAIL_FIELDS[f]: details[f] for f in vocab.EVENT_DETAILS.get(kind, ())}
    event = EVENT_CLASSES[kind](
        slug=slug or unique_slug(session, event_slug_base(values["date"], checked_title)), title=checked_title,
        summary=verbatim(summary), type=checked_type, tone=checked_tone, tone_note=verbatim(tone_note), place=at,
        **values, **extra)
    event.participations = [Participation(actor=a, role=r) for a, r in people]
    event.citations = [citation]
    event.invokes = invoked
    session.add(event)
    require_citation(event)
    refresh_search(session, event)
    return event


def add_citation(
    session: Session,
    event_ref: str,
    *,
    source: str,
    locator: str | None = None,
    quote: str | None = None,
    cited_as: str | None = None,
    cited_in: str | None = None,
    cited_in_locator: str | None = None,
    confidence: int | str | None = None,
    note: str | None = None,
) -> Citation:
    """Add more evidence to an existing event; an identical citation (source, locator, quote) is refused."""
    problems = Problems()
    event = problems.check(resolve_event, session, event_ref)
    evidence: CitationInput = {"locator": locator, "quote": quote, "cited_as": cited_as, "cited_in": cited_in,
                               "cited_in_locator": cited_in_locator, "confidence": confidence, "note": note}
    citation = new_citation(session, source, evidence, problems)
    problems.raise_if_any("add the citation")
    assert event is not None and citation is not None  # (raise_if_any has refused the write without them)
    for old in event.citations:
        if (old.source_id, old.locator, old.quote) == (citation.source.id, citation.locator, citation.quote):
            raise UserError(f"{event.slug!r} already cites {citation.source.key}"
                            f"{' at ' + citation.locator if citation.locator else ''} with this quotation; "
                            "nothing was written")
    event.citations.append(citation)
    refresh_search(session, event)
    return citation


# --- removing -------------------------------------------------------------------------------------------------


class RemovedEvent(TypedDict):
    """What `remove_event` removed: enough to tell the user, since the event itself is gone."""

    slug: str
    title: str
    date: str
    citations: int  # how many citations went with it
    invoked_by: list[str]  # the slugs of the events that invoked it (an agreement) and no longer do
    relative: int  # how many relative claims of other events named it (they went with it)


def invokers_of(session: Session, agreement_id: int) -> list[str]:
    """The slugs of the events that invoke the agreement, in date order."""
    return list(session.scalars(
        select(Event.slug).join(AgreementInvocation, AgreementInvocation.event_id == Event.id)
        .where(AgreementInvocation.agreement_id == agreement_id).order_by(Event.start_day.nulls_first(), Event.id)))


def remove_event(session: Session, event_ref: str) -> RemovedEvent:
    """Delete an event with its citations and participations, and the relative claims of other events that name
    it (its sources, actors and place stay)."""
    event = resolve_event(session, event_ref)
    gone: RemovedEvent = {"slug": event.slug, "title": event.title, "date": event.date,
                          "citations": len(event.citations), "invoked_by": invokers_of(session, event.id),
                          "relative": relative.naming(session, event.id)}
    search_row = session.get(EventSearch, event.id)
    if search_row is not None:  # explicitly, so that SQLite's full-text triggers see the row go
        session.delete(search_row)
    session.delete(event)
    session.flush()
    return gone
