"""The read side: filters → statements → plain dicts, streamed.

Every list the command line prints comes from here as dicts in the JSON shape of DESIGN §3, so that the
table, CSV, JSON and Markdown writers and the export command read one shape. Reading uses Core `select()`s
of the needed columns, streamed in batches (`yield_per`); the actors, citations and invoked agreements of a
batch of events are loaded with one query each per batch, never one per event.

An event dict: `id`, `slug`, `kind`, `date` (EDTF), `start`, `end` (ISO days), `precision`, `title`,
`summary`, `type`, `tone`, `place`, `actors` [{name, kind, role}], `citations` [{source, short, locator,
quote, cited_as, cited_in, cited_in_short, cited_in_locator, confidence, note}], `invokes` [agreement slugs],
plus `meeting` {format, outcome} on meetings and `agreement` {status, subject} on agreements. `cited_in` is
the key of the reporting source (e.g. "lala-2014") and `cited_in_locator` the page there ("p. 343").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from sqlalchemy import column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from relations_db import dates
from relations_db.errors import NotFound, UserError
from relations_db.models import (
    Actor,
    ActorAlias,
    Agreement,
    AgreementInvocation,
    Citation,
    Event,
    EventSearch,
    Meeting,
    Participation,
    Place,
    PlaceAlias,
    Source,
)
from relations_db.services import _suggest, resolve_actor, resolve_place, resolve_source
from relations_db.text import fold

BATCH = 500

# Core tables: the read path selects columns, never loads ORM entities.
EV = Event.__table__
PL = Place.__table__
ME = Meeting.__table__
AG = Agreement.__table__
PA = Participation.__table__
AC = Actor.__table__
AA = ActorAlias.__table__
CI = Citation.__table__
SO = Source.__table__
INV = AgreementInvocation.__table__
ES = EventSearch.__table__
PLA = PlaceAlias.__table__
# The SQLite FTS5 index made by the first migration (external content over event_search.body).
FTS = table("events_fts", column("rowid"), column("rank"))


@dataclass
class Filters:
    """What `events`, `chronology`, `export` and `timeline` may ask for; every field narrows the result."""

    year: int | None = None
    from_year: int | None = None
    to_year: int | None = None
    actors: list[str] = field(default_factory=list)  # names or aliases: events involving ALL of them
    type: str | None = None
    place: str | None = None
    source: str | None = None  # key or short form ("Duka 2007"); as source or as cited_in
    search: str | None = None  # full-text, accent-insensitive
    limit: int | None = None
    kind: str | None = None  # event | meeting | agreement (the `meetings` and `agreements` lists)

    def is_empty(self, ignore_kind: bool = False) -> bool:
        """True when nothing narrows the events (`limit` aside)."""
        return not (self.year or self.from_year or self.to_year or self.actors or self.type or self.place
                    or self.source or self.search or (self.kind and not ignore_kind))


# --- filters → conditions -------------------------------------------------------------------------------------


def _year(value: Any, option: str) -> int:
    if isinstance(value, str):
        return dates.parse_year(value)
    try:
        dates.year_bounds(value)
    except UserError as exc:
        raise type(exc)(f"{option}: {exc}") from None
    return value


def date_range(filters: Filters) -> tuple[dt.date, dt.date] | None:
    """The closed range of days the date filters ask for, or None when there is none."""
    if filters.year is not None and (filters.from_year is not None or filters.to_year is not None):
        raise UserError("give either --year or --from/--to, not both")
    if filters.year is not None:
        return dates.year_bounds(_year(filters.year, "--year"))
    if filters.from_year is None and filters.to_year is None:
        return None
    start = dates.year_bounds(_year(filters.from_year, "--from"))[0] if filters.from_year is not None else dt.date.min
    end = dates.year_bounds(_year(filters.to_year, "--to"))[1] if filters.to_year is not None else dt.date.max
    if start > end:
        raise UserError(f"--from {filters.from_year} is after --to {filters.to_year}: the range is empty "
                        "(did you swap them?)")
    return start, end


def _resolve_type(session: Session, value: str) -> str:
    """The stored spelling of an event type; case-insensitive; NotFound with the closest types."""
    value = value.strip()
    if session.execute(select(EV.c.id).where(EV.c.type == value).limit(1)).first():
        return value
    types = list(session.scalars(select(EV.c.type).distinct()))
    same = [t for t in types if fold(t) == fold(value)]
    if len(same) == 1:
        return same[0]
    raise NotFound(_suggest(value, types, "event type") + (f" (known types: {', '.join(sorted(types))})"
                                                          if types and len(types) <= 30 else ""))


def search_terms(session: Session, text: str) -> list[list[str]]:
    """The user's words, folded, each with the other spellings of the actor or place it names.

    Every word must occur; a word that is a name or alias (`vlora`, `hrushov`) also matches the other
    spellings of that place or actor ("Vlorë", "Valona"), since sources print names differently.
    """
    words = [w for w in fold(text).split() if re.search(r"[^\W_]", w)]
    if not words:
        raise UserError(f"nothing to search for in {text!r}: give at least one word")
    others = _other_spellings(session, {w.strip(".,;:!?\"'()[]") for w in words})
    return [[w, *sorted(others.get(w.strip(".,;:!?\"'()[]"), set()) - {w})] for w in words]


def _other_spellings(session: Session, keys: set[str]) -> dict[str, set[str]]:
    """folded word → every folded spelling of the actors and places it is a name or alias of."""
    found: dict[str, set[str]] = defaultdict(set)
    for owner, owner_folded, alias, alias_owner in ((AC, AC.c.name_folded, AA, AA.c.actor_id),
                                                    (PL, PL.c.name_folded, PLA, PLA.c.place_id)):
        hits: dict[int, set[str]] = defaultdict(set)
        for row in session.execute(select(owner.c.id, owner_folded).where(owner_folded.in_(keys))):
            hits[row.id].add(row[1])
        for row in session.execute(select(alias_owner, alias.c.folded).where(alias.c.folded.in_(keys))):
            hits[row[0]].add(row[1])
        if not hits:
            continue
        spellings: dict[int, set[str]] = defaultdict(set)
        for row in session.execute(select(owner.c.id, owner_folded).where(owner.c.id.in_(hits))):
            spellings[row[0]].add(row[1])
        for row in session.execute(select(alias_owner, alias.c.folded).where(alias_owner.in_(hits))):
            spellings[row[0]].add(row[1])
        for owner_id, keys_hit in hits.items():
            for key in keys_hit:
                found[key] |= spellings[owner_id]
    return found


def fts_query(terms: list[list[str]]) -> str:
    """An FTS5 query that punctuation cannot break: each spelling a quoted string (a phrase), the spellings
    of one word joined by OR, the words by AND."""
    def quoted(spelling: str) -> str:
        return '"' + spelling.replace('"', '""') + '"'

    groups = [quoted(g[0]) if len(g) == 1 else "(" + " OR ".join(quoted(x) for x in g) + ")" for g in terms]
    return " AND ".join(groups)


def _pg_tsvector():
    # Spelled exactly as the GIN index expression of the first migration, so that the planner uses it.
    return func.to_tsvector(literal_column("'simple'"), ES.c.folded)


def _pg_tsquery(terms: list[list[str]]):
    """The PostgreSQL twin of `fts_query`: phrases OR-ed (||) within a word, words AND-ed (&&)."""
    def phrase(spelling: str):
        return func.phraseto_tsquery(literal_column("'simple'"), spelling)

    def any_of(group: list[str]):
        return reduce(lambda a, b: a.op("||")(b), (phrase(x) for x in group))

    return reduce(lambda a, b: a.op("&&")(b), (any_of(g) for g in terms))


def search_condition(session: Session, text: str):
    """A condition on events.id: events whose title, summary or quotations contain every word of `text`."""
    terms = search_terms(session, text)
    if session.get_bind().dialect.name == "sqlite":
        return EV.c.id.in_(select(FTS.c.rowid).where(literal_column("events_fts").match(fts_query(terms))))
    return EV.c.id.in_(select(ES.c.event_id).where(_pg_tsvector().op("@@")(_pg_tsquery(terms))))


def conditions(session: Session, filters: Filters) -> list:
    """The WHERE conditions for `filters`, after checking and resolving every value (names → ids)."""
    where = []
    span = date_range(filters)
    if span is not None:
        start, end = span
        if start > dt.date.min:
            where.append(EV.c.end_date >= start)
        if end < dt.date.max:
            where.append(EV.c.start_date <= end)
    for name in dict.fromkeys(filters.actors or []):
        actor = resolve_actor(session, name)
        where.append(select(PA.c.id).where(PA.c.event_id == EV.c.id, PA.c.actor_id == actor.id).exists())
    if filters.type:
        where.append(EV.c.type == _resolve_type(session, filters.type))
    if filters.place:
        where.append(EV.c.place_id == resolve_place(session, filters.place).id)
    if filters.source:
        source = resolve_source(session, filters.source)
        where.append(select(CI.c.id).where(CI.c.event_id == EV.c.id,
                                           or_(CI.c.source_id == source.id, CI.c.cited_in_id == source.id)).exists())
    if filters.search:
        where.append(search_condition(session, filters.search))
    if filters.kind:
        where.append(EV.c.kind == filters.kind)
    if filters.limit is not None and filters.limit < 0:
        raise UserError(f"--limit must be 0 or more (got {filters.limit})")
    return where


# --- rows → event dicts ---------------------------------------------------------------------------------------

_EVENT_COLUMNS = (EV.c.id, EV.c.slug, EV.c.kind, EV.c.date, EV.c.start_date, EV.c.end_date, EV.c.precision,
                  EV.c.title, EV.c.summary, EV.c.type, EV.c.tone, PL.c.name.label("place"),
                  ME.c.format, ME.c.outcome, AG.c.status, AG.c.subject)


def _base_select(*extra):
    return (select(*_EVENT_COLUMNS, *extra)
            .select_from(EV.outerjoin(PL, PL.c.id == EV.c.place_id)
                         .outerjoin(ME, ME.c.id == EV.c.id).outerjoin(AG, AG.c.id == EV.c.id)))


def _event_dict(row) -> dict:
    (id_, slug, kind, date, start, end, precision, title, summary, type_, tone, place,
     format_, outcome, status, subject) = row[:16]
    event = {
        "id": id_, "slug": slug, "kind": kind, "date": date, "start": start.isoformat(), "end": end.isoformat(),
        "precision": precision, "title": title, "summary": summary, "type": type_, "tone": tone, "place": place,
        "actors": [], "citations": [], "invokes": [],
    }
    if kind == "meeting":
        event["meeting"] = {"format": format_, "outcome": outcome}
    elif kind == "agreement":
        event["agreement"] = {"status": status, "subject": subject}
    return event


def _attach_details(conn, events: list[dict], sources: dict[int, tuple[str, str]]) -> None:
    """Fill `actors`, `citations` and `invokes` of a batch of events: three queries for the whole batch.

    `sources` maps a source id to its (key, short form): sources are few, so they are read once per listing
    instead of being joined twice into every citation row.
    """
    by_id = {e["id"]: e for e in events}
    ids = list(by_id)
    parts = (select(PA.c.event_id, AC.c.name, AC.c.kind, PA.c.role)
             .join(AC, AC.c.id == PA.c.actor_id).where(PA.c.event_id.in_(ids)).order_by(PA.c.event_id, PA.c.id))
    for event_id, name, kind, role in conn.execute(parts):
        by_id[event_id]["actors"].append({"name": name, "kind": kind, "role": role})
    cits = (select(CI.c.event_id, CI.c.source_id, CI.c.locator, CI.c.quote, CI.c.cited_as, CI.c.cited_in_id,
                   CI.c.cited_in_locator, CI.c.confidence, CI.c.note)
            .where(CI.c.event_id.in_(ids)).order_by(CI.c.event_id, CI.c.id))
    none = (None, None)
    for event_id, source_id, locator, quote, cited_as, in_id, in_locator, confidence, note in conn.execute(cits):
        key, short = sources[source_id]
        in_key, in_short = sources[in_id] if in_id is not None else none
        by_id[event_id]["citations"].append({
            "source": key, "short": short, "locator": locator, "quote": quote, "cited_as": cited_as,
            "cited_in": in_key, "cited_in_short": in_short, "cited_in_locator": in_locator,
            "confidence": confidence, "note": note,
        })
    target = EV.alias("target")
    invokes = (select(INV.c.event_id, target.c.slug).join(target, target.c.id == INV.c.agreement_id)
               .where(INV.c.event_id.in_(ids)).order_by(INV.c.event_id, target.c.start_date, target.c.id))
    for event_id, slug in conn.execute(invokes):
        by_id[event_id]["invokes"].append(slug)


def _stream(session: Session, stmt, extra: Iterable[str] = ()) -> Iterator[dict]:
    """Run `stmt` (over `_base_select`) streamed, and yield complete event dicts, batch by batch.

    `extra` names further selected columns copied into each dict (e.g. the search snippet's body). Core
    execution on the session's connection: no ORM entities, and the session's transaction still applies.
    """
    conn = session.connection()
    sources = {row.id: (row.key, row.short) for row in conn.execute(select(SO.c.id, SO.c.key, SO.c.short))}
    result = conn.execution_options(yield_per=BATCH).execute(stmt)
    for rows in result.partitions(BATCH):
        events = []
        for row in rows:
            event = _event_dict(row)
            for name in extra:
                event[name] = getattr(row, name)
            events.append(event)
        _attach_details(conn, events, sources)
        yield from events


def event_rows(session: Session, filters: Filters) -> Iterator[dict]:
    """The events matching `filters`, in date order (start, end, id), as dicts in the JSON shape.

    The filters are checked and names resolved before the first event is yielded — call `next()` or iterate
    to trigger it; errors are UserError (bad years, empty range), NotFound (with suggestions) or Ambiguous.
    """
    where = conditions(session, filters)  # eager: a bad filter fails before anything is written
    return _generate(session, filters, where)


def _generate(session: Session, filters: Filters, where: list) -> Iterator[dict]:
    stmt = _base_select().where(*where).order_by(EV.c.start_date, EV.c.end_date, EV.c.id)
    if filters.limit is not None:
        stmt = stmt.limit(filters.limit)
    yield from _stream(session, stmt)


def max_event_id(session: Session) -> int:
    """The largest event id (0 when there are none): how wide an ID column must be."""
    return session.scalar(select(func.max(EV.c.id))) or 0


def count_events(session: Session, filters: Filters) -> int:
    """How many events match `filters` (ignoring `limit`)."""
    where = conditions(session, filters)
    return session.scalar(select(func.count()).select_from(EV).where(*where)) or 0


# --- one event ------------------------------------------------------------------------------------------------


def event_by_ref(session: Session, ref: str) -> dict:
    """Everything about one event (id or slug): the event dict plus `approximate`, `uncertain`, `display`
    (the date as a reader writes it), `invoked_by` (for agreements) and each invoked agreement's title."""
    from relations_db.services import resolve_event

    event_id = resolve_event(session, ref).id
    (event,) = list(_stream(session, _base_select().where(EV.c.id == event_id)))
    parsed = dates.parse(event["date"])
    event["display"] = dates.display(parsed)
    event["approximate"], event["uncertain"] = parsed.approximate, parsed.uncertain
    if event["invokes"]:
        rows = session.execute(select(EV.c.slug, EV.c.date, EV.c.title).where(EV.c.slug.in_(event["invokes"])))
        info = {r.slug: r for r in rows}
        event["invokes"] = [{"slug": s, "date": info[s].date, "title": info[s].title} for s in event["invokes"]]
    if event["kind"] == "agreement":
        event["invoked_by"] = invoked_by(session, [event_id])[event_id]
    return event


def invoked_by(session: Session, agreement_ids: list[int]) -> dict[int, list[dict]]:
    """For each agreement id: the events that invoke it, in date order, as {id, slug, date, title}."""
    found: dict[int, list[dict]] = {i: [] for i in agreement_ids}
    stmt = (select(INV.c.agreement_id, EV.c.id, EV.c.slug, EV.c.date, EV.c.title)
            .join(EV, EV.c.id == INV.c.event_id).where(INV.c.agreement_id.in_(agreement_ids))
            .order_by(EV.c.start_date, EV.c.end_date, EV.c.id))
    for row in session.execute(stmt):
        found[row.agreement_id].append({"id": row.id, "slug": row.slug, "date": row.date, "title": row.title})
    return found


def agreement_rows(session: Session, filters: Filters) -> Iterator[dict]:
    """Agreements matching `filters` (kind forced), each with `invoked_by`: the events that invoke it."""
    filters = Filters(**{**filters.__dict__, "kind": "agreement"})
    rows = event_rows(session, filters)

    def generate() -> Iterator[dict]:
        batch: list[dict] = []
        for event in rows:
            batch.append(event)
            if len(batch) == BATCH:
                yield from _with_invoked_by(session, batch)
                batch = []
        yield from _with_invoked_by(session, batch)

    return generate()


def _with_invoked_by(session: Session, batch: list[dict]) -> list[dict]:
    if batch:
        users = invoked_by(session, [e["id"] for e in batch])
        for event in batch:
            event["invoked_by"] = users[event["id"]]
    return batch


# --- search ---------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def snippet(body: str, text: str | Iterable[str], width: int = 160) -> str:
    """The line of `body` (title, summary or a quotation) holding most words of `text` (a text, or the
    spellings of `search_terms`), cut to about
    `width` characters around it, the matching words in [brackets] and '…' where cut.

    Made here rather than by FTS5 `snippet()` / PostgreSQL `ts_headline`, so that both backends show the
    same snippet, and PostgreSQL's (which matches on folded text) still shows the words with their accents.
    """
    words = [text] if isinstance(text, str) else list(text)
    wanted = {w for spelling in words for w in _WORD.findall(fold(spelling))}
    if any(len(w) > 1 for w in wanted):  # the "s" of "Khrushchev's" would mark every lone s
        wanted = {w for w in wanted if len(w) > 1}
    lines = [" ".join(line.split()) for line in body.splitlines() if line.strip()] or [""]
    line, hits, best = lines[0], [], 0
    for candidate in lines:  # the line with the most of the words, the first of equals
        found = [m for m in _WORD.finditer(candidate) if fold(m.group()) in wanted]
        distinct = len({fold(m.group()) for m in found})
        if distinct > best:
            line, hits, best = candidate, found, distinct
    start = 0
    if hits and hits[0].start() > width // 3:
        # Start at a word boundary about a third of the width before the first hit.
        start = line.find(" ", hits[0].start() - width // 3) + 1
    end = len(line)
    if end - start > width:
        end = line.rfind(" ", start, start + width)
        end = start + width if end <= (hits[0].end() if hits else start) else end
    pieces, pos = [], start
    for match in hits:
        if match.start() >= start and match.end() <= end:
            pieces += [line[pos:match.start()], "[", match.group(), "]"]
            pos = match.end()
    pieces.append(line[pos:end])
    return ("… " if start else "") + "".join(pieces) + (" …" if end < len(line) else "")


def search_rows(session: Session, text: str, filters: Filters | None = None) -> Iterator[dict]:
    """Events whose title, summary or quotations contain every word of `text` (any case, any accents),
    best match first, each event dict with a `snippet` of the matching text. `filters` narrow further."""
    filters = filters or Filters()
    if filters.search:
        raise UserError("give the search words once (as the argument of `search`)")
    terms = search_terms(session, text)
    where = conditions(session, filters)
    if session.get_bind().dialect.name == "sqlite":
        stmt = (_base_select(ES.c.body).join(FTS, FTS.c.rowid == EV.c.id).join(ES, ES.c.event_id == EV.c.id)
                .where(literal_column("events_fts").match(fts_query(terms)), *where)
                .order_by(FTS.c.rank, EV.c.start_date, EV.c.id))
    else:
        tsquery = _pg_tsquery(terms)
        stmt = (_base_select(ES.c.body).join(ES, ES.c.event_id == EV.c.id)
                .where(_pg_tsvector().op("@@")(tsquery), *where)
                .order_by(func.ts_rank(_pg_tsvector(), tsquery).desc(), EV.c.start_date, EV.c.id))
    if filters.limit is not None:
        stmt = stmt.limit(filters.limit)

    def generate() -> Iterator[dict]:
        for event in _stream(session, stmt, extra=("body",)):
            event["snippet"] = snippet(event.pop("body"), [x for group in terms for x in group])
            yield event

    return generate()


# --- actors, places, sources ------------------------------------------------------------------------------------


def actor_rows(session: Session, kind: str | None = None, search: str | None = None) -> list[dict]:
    """Actors by name, each {name, kind, description, aliases, events}; `search` matches any part of a name
    or alias, case- and accent-insensitively; `kind` one of the actor kinds."""
    from relations_db.models import ACTOR_KINDS

    stmt = select(AC.c.id, AC.c.name, AC.c.kind, AC.c.description).order_by(AC.c.name)
    if kind:
        if kind not in ACTOR_KINDS:
            raise UserError(f"--kind must be one of {', '.join(ACTOR_KINDS)} (got {kind!r})")
        stmt = stmt.where(AC.c.kind == kind)
    if search:
        pattern = "%" + _escape_like(fold(search)) + "%"
        by_alias = select(AA.c.actor_id).where(AA.c.folded.like(pattern, escape="\\"))
        stmt = stmt.where(or_(AC.c.name_folded.like(pattern, escape="\\"), AC.c.id.in_(by_alias)))
    actors = [{"id": r.id, "name": r.name, "kind": r.kind, "description": r.description, "aliases": [],
               "events": 0} for r in session.execute(stmt)]
    by_id = {a["id"]: a for a in actors}
    for chunk in _chunks(list(by_id)):
        for row in session.execute(select(AA.c.actor_id, AA.c.name).where(AA.c.actor_id.in_(chunk))
                                   .order_by(AA.c.id)):
            by_id[row.actor_id]["aliases"].append(row.name)
        counts = (select(PA.c.actor_id, func.count(PA.c.event_id.distinct()))
                  .where(PA.c.actor_id.in_(chunk)).group_by(PA.c.actor_id))
        for actor_id, n in session.execute(counts):
            by_id[actor_id]["events"] = n
    for actor in actors:
        del actor["id"]
    return actors


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i:i + BATCH]


def actor_profile(session: Session, name: str) -> dict:
    """One actor (any alias): {name, kind, description, aliases, events}, `events` being the actor's own
    chronology — a lazy iterator of event dicts, each with `roles`, the actor's roles in it."""
    actor = resolve_actor(session, name)
    aliases = list(session.scalars(select(AA.c.name).where(AA.c.actor_id == actor.id).order_by(AA.c.id)))

    def chronology() -> Iterator[dict]:
        for event in event_rows(session, Filters(actors=[actor.name])):
            event["roles"] = [a["role"] for a in event["actors"] if a["name"] == actor.name]
            yield event

    return {"name": actor.name, "kind": actor.kind, "description": actor.description, "aliases": aliases,
            "events": chronology()}


_SOURCE_FIELDS = ("key", "kind", "author", "title", "year", "publisher", "url", "short", "container", "volume",
                  "issue", "pages", "place", "doi", "fund", "file", "note")


def _source_dict(row) -> dict:
    return {name: getattr(row, name) for name in _SOURCE_FIELDS}


def source_rows(session: Session) -> list[dict]:
    """Every source, in bibliography order (short form, then key), with `citations`: how many citations
    name it as their source or as the work that reports them (`cited_in`)."""
    rows = session.execute(select(*(SO.c[n] for n in _SOURCE_FIELDS), SO.c.id)
                           .order_by(func.lower(SO.c.short), SO.c.key)).all()
    counts: dict[int, int] = defaultdict(int)
    for column_ in (CI.c.source_id, CI.c.cited_in_id):
        for source_id, n in session.execute(select(column_, func.count()).where(column_.is_not(None))
                                            .group_by(column_)):
            counts[source_id] += n
    return [{**_source_dict(r), "citations": counts[r.id]} for r in rows]


def source_profile(session: Session, ref: str) -> dict:
    """One source (key or short form): its bibliography fields and `citations`, a lazy iterator over every
    citation that names it as source or as `cited_in`, in date order, each with its event {id, slug, date,
    title} and `as` ("source" or "cited_in")."""
    source = resolve_source(session, ref)
    row = session.execute(select(*(SO.c[n] for n in _SOURCE_FIELDS)).where(SO.c.id == source.id)).one()
    src, cited_in = SO.alias("src"), SO.alias("cited_in")
    stmt = (select(EV.c.id, EV.c.slug, EV.c.date, EV.c.title, src.c.key, src.c.short, CI.c.locator, CI.c.quote,
                   CI.c.cited_as, cited_in.c.key.label("in_key"), cited_in.c.short.label("in_short"),
                   CI.c.cited_in_locator, CI.c.confidence, CI.c.note, CI.c.source_id)
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id).join(src, src.c.id == CI.c.source_id)
                         .outerjoin(cited_in, cited_in.c.id == CI.c.cited_in_id))
            .where(or_(CI.c.source_id == source.id, CI.c.cited_in_id == source.id))
            .order_by(EV.c.start_date, EV.c.end_date, EV.c.id, CI.c.id))

    def citations() -> Iterator[dict]:
        for r in session.execute(stmt, execution_options={"yield_per": BATCH}):
            yield {"event": {"id": r.id, "slug": r.slug, "date": r.date, "title": r.title},
                   "as": "source" if r.source_id == source.id else "cited_in",
                   "source": r.key, "short": r.short, "locator": r.locator, "quote": r.quote,
                   "cited_as": r.cited_as, "cited_in": r.in_key, "cited_in_short": r.in_short,
                   "cited_in_locator": r.cited_in_locator, "confidence": r.confidence, "note": r.note}

    return {**_source_dict(row), "citations": citations()}


__all__ = [
    "Filters", "actor_profile", "actor_rows", "agreement_rows", "count_events", "max_event_id", "date_range", "event_by_ref",
    "event_rows", "fts_query", "search_terms", "invoked_by", "search_rows", "snippet", "source_profile", "source_rows",
]
