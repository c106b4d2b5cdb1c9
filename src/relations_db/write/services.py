"""The write side: resolving names, keeping derived columns in step, and the rules every write obeys.

Functions here take a session and flush; they never commit (the command that owns the session does).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.read import names
from relations_db.errors import NotFound, UserError, ValidationError
from relations_db.store.models import (
    ACTOR_KINDS,
    EVENT_KINDS,
    SOURCE_KINDS,
    Actor,
    ActorAlias,
    Citation,
    Event,
    EventSearch,
    Participation,
    Place,
    Source,
)
from relations_db.domain.text import fold

# --- resolving names ------------------------------------------------------------------------------------------
# The matching rules live in `names` (Core statements, shared with the read path); these return ORM objects.

_suggest = names.suggest


def find_actors(session: Session, name: str) -> list[Actor]:
    """Actors whose canonical name or any alias matches `name`, case- and accent-insensitively."""
    return [session.get(Actor, row.id) for row in names.find_actors(session, name)]


def resolve_actor(session: Session, name: str) -> Actor:
    """The one actor called `name` (any alias, any case or accents); NotFound with suggestions, or Ambiguous."""
    return session.get(Actor, names.actor(session, name).id)


def resolve_place(session: Session, name: str) -> Place:
    """The one place called `name` (any alias, any case or accents)."""
    return session.get(Place, names.place(session, name).id)


def resolve_source(session: Session, ref: str) -> Source:
    """A source by key (`duka-2007`) or by short form (`Duka 2007`, case-insensitive)."""
    return session.get(Source, names.source(session, ref).id)


def resolve_event(session: Session, ref: str) -> Event:
    """An event by numeric id or slug."""
    return session.get(Event, names.event_id(session, ref))


# --- derived columns --------------------------------------------------------------------------------------


def surname(author: str | None, title: str) -> str:
    """The name part of a short form: 'Duka, V.' → 'Duka'; an institution stays whole; no author → title."""
    if not author:
        return title.strip()
    return author.split(",", 1)[0].strip() if "," in author else author.strip()


def short_forms(sources: Iterable[Source]) -> dict[int, str]:
    """Author–year forms, with a letter for a second work by the same author and year ('Hoxha 1980a')."""
    groups: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        base = f"{surname(source.author, source.title)} {source.year if source.year else 'n.d.'}"
        groups[fold(base)].append(source)
    result: dict[int, str] = {}
    for members in groups.values():
        members.sort(key=lambda s: s.key)
        for index, source in enumerate(members):
            base = f"{surname(source.author, source.title)} {source.year if source.year else 'n.d.'}"
            result[source.id] = base if index == 0 else base + "abcdefghijklmnopqrstuvwxyz"[(index - 1) % 26]
    return result


def refresh_short_forms(session: Session) -> None:
    """Recompute every source's short form (sources are few; a work added can shift another's letter)."""
    session.flush()
    sources = list(session.scalars(select(Source)))
    for source_id, short in short_forms(sources).items():
        source = session.get(Source, source_id)
        if source.short != short:
            source.short = short
    session.flush()


def search_text(event: Event) -> str:
    """What full-text search reads for an event: its title, summary and every quotation."""
    parts = [event.title, event.summary or ""] + [c.quote or "" for c in event.citations]
    return "\n".join(p for p in parts if p)


def refresh_search(session: Session, event: Event) -> None:
    """Keep the event's row in `event_search` (and so the full-text index) in step with the event."""
    session.flush()
    body = search_text(event)
    row = session.get(EventSearch, event.id)
    if row is None:
        session.add(EventSearch(event_id=event.id, body=body, folded=fold(body)))
    elif row.body != body:
        row.body, row.folded = body, fold(body)
    session.flush()


def refresh_search_many(session: Session, events: Iterable[Event]) -> None:
    """`refresh_search` for many events at once, for imports: bulk statements, one query per 500 events."""
    session.flush()
    store_search_texts(session, {event.id: search_text(event) for event in events})


def refresh_search_for(session: Session, event_ids: Iterable[int]) -> None:
    """`refresh_search` for events given by id, read with Core statements (no ORM objects are loaded)."""
    from types import SimpleNamespace

    events_table, citations_table = Event.__table__, Citation.__table__
    ids = list(dict.fromkeys(event_ids))
    texts: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        quotes: dict[int, list] = defaultdict(list)
        for event_id, quote in session.execute(
                select(citations_table.c.event_id, citations_table.c.quote)
                .where(citations_table.c.event_id.in_(chunk)).order_by(citations_table.c.id)):
            quotes[event_id].append(SimpleNamespace(quote=quote))
        for event_id, title, summary in session.execute(
                select(events_table.c.id, events_table.c.title, events_table.c.summary)
                .where(events_table.c.id.in_(chunk))):
            texts[event_id] = search_text(SimpleNamespace(title=title, summary=summary, citations=quotes[event_id]))
    store_search_texts(session, texts)


def store_search_texts(session: Session, texts: dict[int, str]) -> None:
    """Write each event's search text (event id → text) into `event_search` where it is missing or differs.

    New rows go in with bulk statements (on SQLite one statement per 500 rows, so that the FTS5 index behind
    the table's triggers flushes once per statement, not once per row); changed rows are updated.
    """
    from sqlalchemy import bindparam, update

    from relations_db.store.bulk import BulkWriter

    table = EventSearch.__table__
    writer = BulkWriter(session)
    items = list(texts.items())
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        stored = {event_id: body for event_id, body in session.execute(
            select(table.c.event_id, table.c.body).where(table.c.event_id.in_([event_id for event_id, _ in chunk])))}
        writer.insert("event_search", ("event_id", "body", "folded"),
                      [(event_id, body, fold(body)) for event_id, body in chunk if event_id not in stored])
        changed = [{"_id": event_id, "new_body": body, "new_folded": fold(body)}
                   for event_id, body in chunk if event_id in stored and stored[event_id] != body]
        if changed:
            session.execute(update(table).where(table.c.event_id == bindparam("_id"))
                            .values(body=bindparam("new_body"), folded=bindparam("new_folded")), changed)
    # Rows loaded as ORM objects before (by `refresh_search`) would otherwise keep the old text.
    for event_id in texts:
        loaded = session.identity_map.get(session.identity_key(EventSearch, event_id))
        if loaded is not None:
            session.expire(loaded)


def require_citation(event: Event) -> None:
    """No event without a citation: checked before any write that creates or edits an event completes."""
    if not event.citations:
        raise UserError(
            f"event {event.slug!r} has no citation: every event needs a source "
            "(give --source KEY, with --locator and --quote)"
        )


def check_all_cited(session: Session) -> None:
    """Refuse to finish a write that leaves any event without a citation."""
    session.flush()
    uncited = session.scalars(
        select(Event.slug).where(~select(Citation.id).where(Citation.event_id == Event.id).exists()).limit(5)
    ).all()
    if uncited:
        raise UserError(f"these events would have no citation: {', '.join(uncited)}; nothing was written")


_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def valid_key(value: str) -> bool:
    """Keys and slugs are lower-case ASCII letters, digits and hyphens."""
    return bool(_SLUG_RE.match(value)) and len(value) <= 120


# --- checking values ---------------------------------------------------------------------------------------

TONE_MIN, TONE_MAX = -10, 10
CONFIDENCE_MIN, CONFIDENCE_MAX, CONFIDENCE_DEFAULT = 0, 4, 2
# How alike two folded titles on the same date must be (difflib ratio) for the second to look like a duplicate.
DUPLICATE_TITLE_RATIO = 0.8


def required_text(value: str | None, what: str) -> str:
    """`value` stripped, refused when missing or blank."""
    if value is None or not str(value).strip():
        raise UserError(f"{what} is required and cannot be empty")
    return str(value).strip()


def optional_text(value: str | None) -> str | None:
    """`value` stripped, with a blank value meaning 'none'."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _whole_number(value: int | str | None, what: str, low: int, high: int, meaning: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        number = int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else None
    if number is None or not low <= number <= high:
        raise UserError(f"{what} must be a whole number from {low} to {high} ({meaning}); found {value!r}")
    return number


def check_tone(value: int | str | None) -> int | None:
    """A tone: −10 (hostile) … +10 (cooperative), or None."""
    return _whole_number(value, "tone", TONE_MIN, TONE_MAX, "-10 hostile … 10 cooperative")


def check_confidence(value: int | str | None) -> int:
    """A confidence grade 0–4 (Gramps scale); None means the default, 2 (normal)."""
    number = _whole_number(value, "confidence", CONFIDENCE_MIN, CONFIDENCE_MAX,
                           "0 very low, 1 low, 2 normal, 3 high, 4 very high")
    return CONFIDENCE_DEFAULT if number is None else number


def parse_actor_spec(text: str) -> tuple[str, str | None]:
    """'Nikita Khrushchev:guest' → ('Nikita Khrushchev', 'guest'); no role → (name, None).

    The role follows the last colon. A colon followed by a space is part of the name ('CPSU: Presidium'), so
    that names with a colon can still be given without a role.
    """
    text = text.strip()
    name, colon, role = text.rpartition(":")
    if colon and name.strip() and not role[:1].isspace():
        return name.strip(), role.strip() or None
    if colon and not role.strip():  # 'Name:' — a trailing colon with no role
        return name.strip() or text, None
    return text, None


class _Problems:
    """Collects the user's mistakes so that one message lists every one of them."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.errors: list[UserError] = []

    def add(self, message: str) -> None:
        self.messages.append(message)
        self.errors.append(UserError(message))

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            self.messages.append(str(exc))
            self.errors.append(exc)
            return None

    def raise_if_any(self, doing: str) -> None:
        if len(self.messages) == 1:
            # One problem keeps its own class (NotFound, DateError…), so callers can tell what went wrong.
            raise type(self.errors[0])(f"{self.messages[0]} (nothing was written)")
        if self.messages:
            raise ValidationError(f"cannot {doing}; nothing was written:", self.messages)


# --- the parts of an event --------------------------------------------------------------------------------


def _date_values(text: str) -> dict:
    from relations_db.domain import dates

    parsed = dates.parse(required_text(text, "the date"))
    return {"date": parsed.text, "start_date": parsed.start, "end_date": parsed.end,
            "precision": parsed.precision, "approximate": parsed.approximate, "uncertain": parsed.uncertain}


def _sentence(message: object) -> str:
    text = str(message)
    return text if text.endswith(("?", ".", "!")) else text + "."


def _place_or_new(session: Session, name: str, create: bool) -> Place | str:
    """The place called `name`, or (when `create`) the name of a place to create once all checks pass."""
    try:
        return resolve_place(session, name)
    except NotFound as exc:
        if not create:
            raise NotFound(f"{_sentence(exc)} To record a new place, add --new-place.") from None
    return name.strip()


def _actor_or_new(session: Session, name: str, new_kind: str | None) -> Actor | str:
    """The actor called `name`, or (when `new_kind` is given) the name of an actor to create."""
    try:
        return resolve_actor(session, name)
    except NotFound as exc:
        if new_kind is None:
            raise NotFound(f"{_sentence(exc)} To record a new actor, add --new-actor KIND "
                           f"({', '.join(ACTOR_KINDS)}).") from None
    return name.strip()


def _created(session: Session, found: Actor | Place | str | None, new_actor_kind: str | None = None):
    """Create what `_actor_or_new`/`_place_or_new` left as a name (once every check has passed)."""
    if not isinstance(found, str):
        return found
    model = Actor if new_actor_kind else Place
    existing = session.scalar(select(model).where(model.name_folded == fold(found)))
    if existing is not None:  # the same new name given twice in one command
        return existing
    obj = (Actor(name=found, name_folded=fold(found), kind=new_actor_kind) if new_actor_kind
           else Place(name=found, name_folded=fold(found)))
    session.add(obj)
    session.flush()
    return obj


def _check_actor_kind(kind: str | None, what: str = "actor kind") -> str | None:
    if kind is not None and kind not in ACTOR_KINDS:
        raise UserError(f"{what} must be one of {', '.join(ACTOR_KINDS)}; found {kind!r}")
    return kind


def _participants(session: Session, specs: Iterable[str | tuple[str, str | None]],
                  new_kind: str | None, problems: _Problems) -> list[tuple[Actor | str, str | None]]:
    """Resolved (actor, role) pairs; an actor still to be created is its name (see `_created`)."""
    result: list[tuple[Actor | str, str | None]] = []
    for spec in specs:
        name, role = parse_actor_spec(spec) if isinstance(spec, str) else spec
        if not name.strip():
            problems.add(f"{spec!r}: give an actor as NAME or NAME:ROLE")
            continue
        actor = problems.check(_actor_or_new, session, name, new_kind)
        if actor is not None and (actor, role) not in result:
            result.append((actor, role))
    return result


def _create_participants(session: Session, pairs: list[tuple[Actor | str, str | None]],
                         new_kind: str | None) -> list[tuple[Actor, str | None]]:
    created = [(_created(session, a, new_kind), r) for a, r in pairs]
    return list(dict.fromkeys((a, r) for a, r in created))


def _new_citation(session: Session, source: str, *, locator=None, quote=None, cited_as=None, cited_in=None,
                  cited_in_locator=None, confidence=None, note=None, problems: _Problems) -> Citation | None:
    """A Citation built from user input (not yet attached), or None with the problems recorded."""
    found = problems.check(resolve_source, session, source) if optional_text(source) else None
    if not optional_text(source):
        problems.add("a source is required: every event needs a citation "
                     "(give --source KEY, with --locator and --quote)")
    via = problems.check(resolve_source, session, cited_in) if optional_text(cited_in) else None
    grade = problems.check(check_confidence, confidence)
    if found is None or grade is None or (optional_text(cited_in) and via is None):
        return None
    return Citation(source=found, locator=optional_text(locator), quote=_keep(quote),
                    cited_as=optional_text(cited_as), cited_in=via, cited_in_locator=optional_text(cited_in_locator),
                    confidence=grade, note=_keep(note))


def _keep(value: str | None) -> str | None:
    """Quotations and notes are kept verbatim (only a blank one means 'none')."""
    return value if value is not None and value.strip() else None


def unique_slug(session: Session, base: str, taken: set[str] | None = None) -> str:
    """`base`, or `base-2`, `base-3`… — the first not used by an event (nor in `taken`)."""
    used = set(session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%")))) | (taken or set())
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def event_slug_base(date_text: str, title: str) -> str:
    from relations_db.domain.text import slugify

    return slugify(f"{date_text} {title}")


def likely_duplicates(session: Session, start, end, title: str, actor_ids: set[int],
                      exclude_id: int | None = None) -> list[tuple[Event, str]]:
    """Events on the same date with a similar title or the same participants, with the reason."""
    stmt = select(Event).where(Event.start_date == start, Event.end_date == end)
    if exclude_id is not None:
        stmt = stmt.where(Event.id != exclude_id)
    found = []
    for other in session.scalars(stmt):
        ratio = difflib.SequenceMatcher(None, fold(title), fold(other.title)).ratio()
        if ratio >= DUPLICATE_TITLE_RATIO:
            found.append((other, "same date and a similar title"))
        elif actor_ids and {p.actor_id for p in other.participations} == actor_ids:
            found.append((other, "same date and the same participants"))
    return found


def _refuse_duplicates(duplicates: list[tuple[Event, str]]) -> None:
    if duplicates:
        listed = "; ".join(f"{e.slug} ({e.date}, {e.title!r}): {why}" for e, why in duplicates[:5])
        raise UserError(f"this looks like an event already recorded: {listed}. Nothing was written; "
                        "if it is a different event, add --force")


_DETAILS = {"meeting": ("meeting_format", "outcome"), "agreement": ("status", "subject")}
_DETAIL_COLUMNS = {"meeting_format": "format", "outcome": "outcome", "status": "status", "subject": "subject"}


def _check_kind_details(kind: str, details: dict[str, str | None]) -> None:
    if kind not in EVENT_KINDS:
        raise UserError(f"the kind of event must be one of {', '.join(EVENT_KINDS)}; found {kind!r}")
    for other, fields in _DETAILS.items():
        if other != kind:
            given = [f for f in fields if details.get(f) is not None]
            if given:
                options = ", ".join("--" + f.replace("_", "-") for f in given)
                raise UserError(f"{options} describe a {other}: add --kind {other}")


def _agreements(session: Session, refs: Iterable[str]) -> list:
    from relations_db.store.models import Agreement

    result = []
    for ref in refs:
        event = resolve_event(session, ref)
        if not isinstance(event, Agreement):
            raise UserError(f"{event.slug!r} is a {event.kind}, not an agreement: only agreements can be invoked")
        result.append(event)
    return result


# --- adding and changing events ----------------------------------------------------------------------------


def add_event(
    session: Session,
    *,
    date: str,
    title: str,
    type: str,
    source: str | None,
    summary: str | None = None,
    place: str | None = None,
    tone: int | str | None = None,
    kind: str = "event",
    meeting_format: str | None = None,
    outcome: str | None = None,
    status: str | None = None,
    subject: str | None = None,
    actors: Iterable[str | tuple[str, str | None]] = (),
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
    from relations_db.store.models import Agreement, Meeting

    problems = _Problems()
    values = problems.check(_date_values, date) or {}
    title = problems.check(required_text, title, "the title")
    type_ = problems.check(required_text, type, "the type")
    tone = problems.check(check_tone, tone)
    details = {"meeting_format": optional_text(meeting_format), "outcome": _keep(outcome),
               "status": optional_text(status), "subject": _keep(subject)}
    problems.check(_check_kind_details, kind, details)
    problems.check(_check_actor_kind, new_actor_kind, "--new-actor")
    if slug is not None:
        problems.check(_check_new_slug, session, slug)
    citation = _new_citation(session, source, locator=locator, quote=quote, cited_as=cited_as, cited_in=cited_in,
                             cited_in_locator=cited_in_locator, confidence=confidence, note=note, problems=problems)
    where = problems.check(_place_or_new, session, place, new_place) if optional_text(place) else None
    parts = _participants(session, actors, new_actor_kind if new_actor_kind in ACTOR_KINDS else None, problems)
    invoked = problems.check(_agreements, session, invokes) or []
    problems.raise_if_any("add the event")

    if not force:
        _refuse_duplicates(likely_duplicates(session, values["start_date"], values["end_date"], title,
                                             {a.id for a, _ in parts if isinstance(a, Actor)}))
    parts = _create_participants(session, parts, new_actor_kind)
    where = _created(session, where)
    model = {"event": Event, "meeting": Meeting, "agreement": Agreement}[kind]
    extra = {_DETAIL_COLUMNS[f]: details[f] for f in _DETAILS.get(kind, ())}
    event = model(slug=slug or unique_slug(session, event_slug_base(values["date"], title)), title=title,
                  summary=_keep(summary), type=type_, tone=tone, place=where, **values, **extra)
    event.participations = [Participation(actor=a, role=r) for a, r in parts]
    event.citations = [citation]
    event.invokes = invoked
    session.add(event)
    require_citation(event)
    refresh_search(session, event)
    return event


def _check_new_slug(session: Session, slug: str) -> str:
    if not valid_key(slug):
        raise UserError(f"slug {slug!r}: a slug is lower-case letters, digits and hyphens (at most 120)")
    if session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        raise UserError(f"an event with the slug {slug!r} already exists")
    return slug


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
    problems = _Problems()
    event = problems.check(resolve_event, session, event_ref)
    citation = _new_citation(session, source, locator=locator, quote=quote, cited_as=cited_as, cited_in=cited_in,
                             cited_in_locator=cited_in_locator, confidence=confidence, note=note, problems=problems)
    problems.raise_if_any("add the citation")
    for old in event.citations:
        if (old.source_id, old.locator, old.quote) == (citation.source.id, citation.locator, citation.quote):
            raise UserError(f"{event.slug!r} already cites {citation.source.key}"
                            f"{' at ' + citation.locator if citation.locator else ''} with this quotation; "
                            "nothing was written")
    event.citations.append(citation)
    refresh_search(session, event)
    return citation


_EDITABLE = ("slug", "date", "title", "summary", "type", "tone", "place", "kind", "meeting_format", "outcome",
             "status", "subject")


def edit_event(
    session: Session,
    event_ref: str,
    *,
    add_actors: Iterable[str | tuple[str, str | None]] = (),
    remove_actors: Iterable[str] = (),
    remove_citations: Iterable[str] = (),
    add_invokes: Iterable[str] = (),
    remove_invokes: Iterable[str] = (),
    new_actor_kind: str | None = None,
    new_place: bool = False,
    force: bool = False,
    **changes: str | int | None,
) -> tuple[Event, list[str]]:
    """Change an event's fields; return it and the names of what changed (empty: nothing to change).

    `changes` holds the fields to set (`_EDITABLE`); a value of None is "leave as it is", an empty string
    clears an optional field (summary, place, tone, outcome…). The date is parsed again; `remove_citations`
    names sources whose citations go (the event must keep at least one); a change that makes the event look
    like a duplicate of another is refused unless `force`.
    """
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"edit_event: unknown fields {sorted(unknown)}")
    changes = {k: v for k, v in changes.items() if v is not None}
    event = resolve_event(session, event_ref)
    problems = _Problems()
    kind = changes.get("kind", event.kind)
    new: dict = {}
    if "date" in changes:
        new.update(problems.check(_date_values, changes["date"]) or {})
    for field_, what in (("title", "the title"), ("type", "the type")):
        if field_ in changes:
            new[field_] = problems.check(required_text, changes[field_], what)
    if "summary" in changes:
        new["summary"] = _keep(changes["summary"])
    if "tone" in changes:
        new["tone"] = problems.check(check_tone, changes["tone"])
    if "slug" in changes and changes["slug"] != event.slug:
        new["slug"] = problems.check(_check_new_slug, session, changes["slug"])
    if "place" in changes:
        new["place"] = (problems.check(_place_or_new, session, changes["place"], new_place)
                        if optional_text(changes["place"]) else None)
    details = {f: changes[f] for f in _DETAIL_COLUMNS if f in changes}
    problems.check(_check_kind_details, kind, details)
    problems.check(_check_actor_kind, new_actor_kind, "--new-actor")
    adding = _participants(session, add_actors, new_actor_kind if new_actor_kind in ACTOR_KINDS else None, problems)
    dropping = [problems.check(resolve_actor, session, name) for name in remove_actors]
    for actor in dropping:
        if actor is not None and actor.id not in {p.actor_id for p in event.participations}:
            problems.add(f"{actor.name!r} is not a participant of {event.slug!r}")
    uncite = [problems.check(resolve_source, session, ref) for ref in remove_citations]
    for source in uncite:
        if source is not None and source.id not in {c.source_id for c in event.citations}:
            problems.add(f"{event.slug!r} has no citation of {source.key!r}")
    invoke = problems.check(_agreements, session, add_invokes) or []
    revoke = problems.check(_agreements, session, remove_invokes) or []
    problems.raise_if_any(f"edit {event.slug!r}")

    if "place" in new:
        new["place"] = _created(session, new["place"])
    adding = _create_participants(session, adding, new_actor_kind)
    changed: list[str] = []
    if kind != event.kind:
        event = _change_kind(session, event, kind)
        changed.append("kind")
    for key, value in new.items():
        if getattr(event, key) != value:
            setattr(event, key, value)
            # start, end and precision follow from the date: report them as the date
            shown = "date" if key in ("start_date", "end_date", "precision", "approximate", "uncertain") else key
            if shown not in changed:
                changed.append(shown)
    for key, value in details.items():
        value = optional_text(value) if key in ("meeting_format", "status") else _keep(value)
        if getattr(event, _DETAIL_COLUMNS[key]) != value:
            setattr(event, _DETAIL_COLUMNS[key], value)
            changed.append(key)
    drop_ids = {a.id for a in dropping if a is not None}
    if drop_ids:
        event.participations = [p for p in event.participations if p.actor_id not in drop_ids]
        changed.append("actors")
    have = {(p.actor_id, p.role) for p in event.participations}
    for actor, role in adding:
        if (actor.id, role) not in have:
            event.participations.append(Participation(actor=actor, role=role))
            have.add((actor.id, role))
            if "actors" not in changed:
                changed.append("actors")
    uncite_ids = {s.id for s in uncite if s is not None}
    if uncite_ids:
        event.citations = [c for c in event.citations if c.source_id not in uncite_ids]
        changed.append("citations")
    invoked_ids = {a.id for a in event.invokes}
    wanted = [a for a in event.invokes if a.id not in {r.id for r in revoke}]
    wanted += [a for a in invoke if a.id not in invoked_ids and a.id != event.id]
    if [a.id for a in wanted] != [a.id for a in event.invokes]:
        event.invokes = wanted
        changed.append("invokes")
    require_citation(event)
    if changed and not force and ({"date", "title", "actors"} & set(changed)):
        _refuse_duplicates(likely_duplicates(session, event.start_date, event.end_date, event.title,
                                             {p.actor_id for p in event.participations}, exclude_id=event.id))
    if changed:
        refresh_search(session, event)
    return event, changed


def _change_kind(session: Session, event: Event, kind: str) -> Event:
    """Make an event a meeting, an agreement or a plain event, keeping its id, actors and citations.

    With joined-table inheritance the kind decides which detail table holds a row, and the ORM cannot change
    an object's class, so the rows are moved with plain SQL and the event is loaded again.
    """
    from sqlalchemy import delete, insert, update

    from relations_db.store.models import Agreement, AgreementInvocation, Meeting

    session.flush()
    if event.kind == "agreement":
        invokers = list(session.scalars(
            select(Event.slug).join(AgreementInvocation, AgreementInvocation.event_id == Event.id)
            .where(AgreementInvocation.agreement_id == event.id)))
        if invokers:
            raise UserError(f"{event.slug!r} is invoked as an agreement by {', '.join(invokers)}: remove those "
                            "links first (edit event SLUG --remove-invokes …); nothing was written")
    event_id = event.id
    tables = {"meeting": Meeting.__table__, "agreement": Agreement.__table__}
    if event.kind in tables:
        session.execute(delete(tables[event.kind]).where(tables[event.kind].c.id == event_id))
    session.execute(update(Event.__table__).where(Event.__table__.c.id == event_id).values(kind=kind))
    if kind in tables:
        session.execute(insert(tables[kind]).values(id=event_id))
    session.expunge(event)
    return session.get(Event, event_id)


def remove_event(session: Session, event_ref: str) -> dict:
    """Delete an event with its citations and participations (its sources, actors and place stay).

    Returns what went: slug, title, date, the number of citations, and the slugs of the events that invoked
    it (an agreement), which no longer do.
    """
    from relations_db.store.models import AgreementInvocation

    event = resolve_event(session, event_ref)
    invokers = list(session.scalars(
        select(Event.slug).join(AgreementInvocation, AgreementInvocation.event_id == Event.id)
        .where(AgreementInvocation.agreement_id == event.id).order_by(Event.start_date, Event.id)))
    gone = {"slug": event.slug, "title": event.title, "date": event.date, "citations": len(event.citations),
            "invoked_by": invokers}
    search_row = session.get(EventSearch, event.id)
    if search_row is not None:  # explicitly, so that SQLite's full-text triggers see the row go
        session.delete(search_row)
    session.delete(event)
    session.flush()
    return gone


# --- adding sources and actors -----------------------------------------------------------------------------

SOURCE_TEXT_FIELDS = ("author", "container", "volume", "issue", "pages", "publisher", "place", "url", "doi",
                      "fund", "file", "note")


def add_source(session: Session, *, kind: str, title: str, key: str | None = None, year: int | str | None = None,
               **fields: str | None) -> Source:
    """Record a work (book, article, archive file…). Without a key, one is made from author and year."""
    unknown = set(fields) - set(SOURCE_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"add_source: unknown fields {sorted(unknown)}")
    problems = _Problems()
    if kind not in SOURCE_KINDS:
        problems.add(f"the kind of source must be one of {', '.join(SOURCE_KINDS)}; found {kind!r}")
    title = problems.check(required_text, title, "the title")
    year = problems.check(_whole_number, year, "year", 1, 9999, "the year the work appeared, e.g. 2007")
    values = {f: (_keep(v) if f == "note" else optional_text(v)) for f, v in fields.items()}
    if key is not None:
        key = key.strip()
        if not valid_key(key):
            problems.add(f"source key {key!r}: a key is lower-case letters, digits and hyphens, "
                                     "e.g. duka-2007")
        elif session.scalar(select(Source.id).where(Source.key == key)) is not None:
            problems.add(f"a source with the key {key!r} already exists "
                                     "(see `relations-db source " + key + "`)")
    problems.raise_if_any("add the source")
    if key is None:
        from relations_db.domain.text import slugify

        base = slugify(f"{surname(values.get('author'), title)} {year or ''}", max_length=60)
        taken = set(session.scalars(select(Source.key).where(Source.key.like(f"{base}%"))))
        key = base if base not in taken else next(f"{base}-{n}" for n in range(2, 10_000) if f"{base}-{n}" not in taken)
    source = Source(key=key, kind=kind, title=title, year=year, short="", **values)
    session.add(source)
    refresh_short_forms(session)
    return source


def _actor_owner(session: Session, name: str) -> Actor | None:
    actors = find_actors(session, name)
    return actors[0] if actors else None


def add_actor(session: Session, *, name: str, kind: str, description: str | None = None,
              aliases: Iterable[str] = ()) -> Actor:
    """Record an actor; refused when its name or an alias already names another actor."""
    problems = _Problems()
    name = problems.check(required_text, name, "the name")
    problems.check(_check_actor_kind, kind)
    if kind is None:
        problems.add(f"the kind of actor is required ({', '.join(ACTOR_KINDS)})")
    if name is not None:
        owner = _actor_owner(session, name)
        if owner is not None:
            problems.add(f"{name!r} already names the actor {owner.name!r} ({owner.kind})")
    spellings: dict[str, str] = {}
    for alias in aliases:
        alias = alias.strip()
        if not alias or (name is not None and fold(alias) == fold(name)) or fold(alias) in spellings:
            continue
        owner = _actor_owner(session, alias)
        if owner is not None:
            problems.add(f"the alias {alias!r} already names the actor {owner.name!r}: "
                                     "an alias must name one actor")
        spellings[fold(alias)] = alias
    problems.raise_if_any("add the actor")
    actor = Actor(name=name, name_folded=fold(name), kind=kind, description=optional_text(description),
                  aliases=[ActorAlias(name=a, folded=f) for f, a in spellings.items()])
    session.add(actor)
    session.flush()
    return actor
