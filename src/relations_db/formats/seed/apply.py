"""Loading a seed-format file into the database: validated first, then upserted in the caller's transaction.

Everything is checked before anything is written (`validate`: every problem with its line); then sources,
actors, places and events are upserted by their keys. Loading the same file twice changes nothing; loading an
edited file updates what changed, and never removes what the file does not mention: aliases, participants and
citations are only ever added. A citation is matched by its source, locator and quotation and updated in place,
so that its id (`edit citation c17`) survives a load. A slug or source key merged into another record
(`merge event`, `merge source`) names the record that absorbed it. Only a flush: the caller commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from relations_db.domain import dates
from relations_db.domain.text import fold
from relations_db.domain.vocab import CONFIDENCE_DEFAULT
from relations_db.errors import UserError
from relations_db.formats.seed.claims import Names, apply_claims, own_dates
from relations_db.formats.seed.fields import DETAILS
from relations_db.formats.seed.read import Mapping, parse_yaml, read_file, text_of
from relations_db.formats.seed.sources import source_values
from relations_db.formats.seed.validate import validate
from relations_db.store.models import (
    Actor,
    ActorAlias,
    Agreement,
    Citation,
    Event,
    Meeting,
    Participation,
    Place,
    PlaceAlias,
    RetiredKey,
    RetiredSlug,
    Source,
)
from relations_db.write.bibliography import creators_of, set_creators
from relations_db.write.checks import check_all_cited
from relations_db.write.claims import DATE_FIELDS, follow_import, several_dates
from relations_db.write.records import refresh_short_forms
from relations_db.write.search_index import refresh_search_many

_COUNTED = ("sources", "actors", "places", "events")  # the sections a LoadReport counts
_MODELS: dict[str, type[Event]] = {"event": Event, "meeting": Meeting, "agreement": Agreement}
_CHUNK = 500  # keys per IN (...) list: well under every backend's limit on bound parameters

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    """What a load did, per section: how many records were added, updated, left unchanged."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {s: {"added": 0, "updated": 0, "unchanged": 0} for s in _COUNTED})
    seconds: float = 0.0

    def count(self, section: str, outcome: str) -> None:
        self.counts[section][outcome] += 1

    def summary(self) -> str:
        ev = self.counts["events"]
        others = ", ".join(f"{sum(self.counts[s].values())} {s}" for s in ("sources", "actors", "places"))
        return (f"events {ev['added']} added, {ev['updated']} updated, {ev['unchanged']} unchanged; "
                f"{others}; {self.seconds:.1f} s")


def _set_fields(obj: object, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; whether any did."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _outcome(added: bool, changed: bool) -> str:
    return "added" if added else "updated" if changed else "unchanged"


# --- sources, actors, places -----------------------------------------------------------------------------


def _apply_sources(session: Session, items: list[Mapping], report: LoadReport) -> dict[str, Source]:
    existing = {s.key: s for s in session.scalars(select(Source))}
    # The key of a source merged into another names the one that absorbed it, whose fields stay.
    absorbed = dict(session.execute(select(RetiredKey.key, Source).join(Source, Source.id == RetiredKey.source_id))
                    .all())
    for item in items:
        if item["key"] in absorbed:
            report.count("sources", "unchanged")
            continue
        values, names = source_values(item)
        source = existing.get(item["key"])
        if source is None:
            source = Source(key=item["key"], short="", **values)
            set_creators(source, names)
            session.add(source)
            existing[source.key] = source
            report.count("sources", "added")
        else:
            changed = _set_fields(source, values) | (creators_of(source) != names)
            set_creators(source, names)
            report.count("sources", "updated" if changed else "unchanged")
    refresh_short_forms(session)
    return {**absorbed, **existing}


# Actors and places are upserted alike: by name, their fields set, their aliases only ever added. Each kind is
# its record class and the fields an entry sets besides the name and aliases.
_Record = TypeVar("_Record", Actor, Place)


def _actor_fields(item: Mapping) -> dict[str, Any]:
    return {"kind": item["kind"], "description": text_of(item.get("description"))}


def _place_fields(item: Mapping) -> dict[str, Any]:
    return {"country": text_of(item.get("country"))}


def _apply_named(session: Session, items: list[Mapping], report: LoadReport, section: str,
                 record_class: type[_Record], fields: Callable[[Mapping], dict[str, Any]]) -> None:
    """Upsert the actors or places (`section`) of the file by name: new ones added, the fields of the others
    set where they differ, and the aliases whose folded spelling the record lacks added to it."""
    existing = {o.name: o for o in session.scalars(select(record_class).options(selectinload(record_class.aliases)))}
    for item in items:
        name = item["name"]
        values = fields(item)
        record = existing.get(name)
        added = record is None
        if record is None:
            record = existing[name] = record_class(name=name, name_folded=fold(name), **values)
            session.add(record)
        changed = added or _set_fields(record, values)
        spellings = _new_aliases(item, {a.folded for a in record.aliases} | {fold(name)})
        _add_aliases(record, spellings)
        report.count(section, _outcome(added, changed or bool(spellings)))
    session.flush()


def _add_aliases(record: Actor | Place, spellings: list[str]) -> None:
    if isinstance(record, Actor):
        record.aliases.extend(ActorAlias(name=alias, folded=fold(alias)) for alias in spellings)
    else:
        record.aliases.extend(PlaceAlias(name=alias, folded=fold(alias)) for alias in spellings)


def _new_aliases(item: Mapping, have: set[str]) -> list[str]:
    """The entry's aliases (stripped) whose folded spelling `have` lacks, each spelling once."""
    new: list[str] = []
    for alias in item.get("aliases") or []:
        alias = text_of(alias).strip()
        if fold(alias) not in have:
            new.append(alias)
            have.add(fold(alias))
    return new


def _ids_by_spelling(session: Session, names: Select[str, int],
                     aliases: Select[str, int]) -> dict[str, int]:
    """folded name or alias → id (validation has made sure each names one record); a name wins over an alias."""
    table: dict[str, int] = {}
    for folded, id_ in session.execute(names):
        table[folded] = id_
    for folded, id_ in session.execute(aliases):
        table.setdefault(folded, id_)
    return table


# --- events --------------------------------------------------------------------------------------------------


@dataclass
class _EventContext:
    """What writing each event needs: ids of the records it may name, the events already stored."""

    sources: dict[str, Source]
    actors: dict[str, int]
    places: dict[str, int]
    existing: dict[str, Event]
    absorbed: dict[str, Event] = field(default_factory=dict)  # a merged-away slug → the event that absorbed it
    several_dates: set[int] = field(default_factory=set)  # the events with several date claims
    own_dates: dict[int, str] = field(default_factory=dict)  # their own date claims' dates
    name: str = "<seed>"  # the file's, for the messages


def _existing_events(session: Session, slugs: list[str]) -> dict[str, Event]:
    existing: dict[str, Event] = {}
    for chunk in range(0, len(slugs), _CHUNK):
        stmt = (select(Event).where(Event.slug.in_(slugs[chunk:chunk + _CHUNK]))
                .options(selectinload(Event.participations), selectinload(Event.citations),
                         selectinload(Event.invokes)))
        existing.update({e.slug: e for e in session.scalars(stmt)})
    return existing


def _absorbing_events(session: Session, slugs: list[str]) -> dict[str, Event]:
    """Of `slugs`, those of events merged into another (`retired_slugs`) → the event that absorbed each."""
    found: dict[str, Event] = {}
    for chunk in range(0, len(slugs), _CHUNK):
        stmt = (select(RetiredSlug.slug, Event).join(Event, Event.id == RetiredSlug.event_id)
                .where(RetiredSlug.slug.in_(slugs[chunk:chunk + _CHUNK])))
        found.update({slug: event for slug, event in session.execute(stmt)})
    return found


def _event_values(item: Mapping, kind: str, places: dict[str, int]) -> dict[str, Any]:
    """The columns of an event entry (with its kind's details), as the ORM model takes them."""
    parsed = dates.parse(text_of(item["date"]))
    place = item.get("place")
    details = item.get(kind) or {} if kind in DETAILS else {}
    return {
        "date": parsed.text, "start_day": parsed.start_day, "end_day": parsed.end_day,
        "start_kind": parsed.start_kind, "end_kind": parsed.end_kind, "start_iso": parsed.start_iso,
        "end_iso": parsed.end_iso, "precision": parsed.precision,
        "approximate": parsed.approximate, "uncertain": parsed.uncertain, "title": item["title"],
        "summary": text_of(item.get("summary")), "type": text_of(item.get("type")) or None, "tone": item.get("tone"),
        "tone_note": text_of(item.get("tone_note")),
        "place_id": places[fold(text_of(place))] if place is not None else None,
        **{name: text_of(details.get(name)) for name in DETAILS.get(kind, ())},
    }


def _citation_match(c: Citation) -> tuple[object, ...]:
    """What identifies a citation across loads: its source, locator and quotation."""
    return (c.source_id, c.locator, c.quote)


_CITATION_DETAILS = ("cited_as", "cited_in_id", "cited_in_locator", "confidence", "note")


def _citation(c: Mapping, sources: dict[str, Source]) -> Citation:
    return Citation(source_id=sources[c["source"]].id, locator=text_of(c.get("locator")),
                    quote=text_of(c.get("quote")), cited_as=text_of(c.get("cited_as")),
                    cited_in_id=sources[c["cited_in"]].id if c.get("cited_in") else None,
                    cited_in_locator=text_of(c.get("cited_in_locator")),
                    confidence=c.get("confidence", CONFIDENCE_DEFAULT), note=text_of(c.get("note")))


def _sync_participants(event: Event, item: Mapping, actors: dict[str, int]) -> bool:
    """Add the entry's participants the event lacks (in the entry's order); whether any was added. Participants
    absent from the entry stay: a file never removes what it does not mention."""
    parts = [(actors[fold(text_of(p["actor"]))], text_of(p.get("role"))) for p in item.get("participants") or []]
    have = {(p.actor_id, p.role) for p in event.participations}
    adding = [pair for pair in dict.fromkeys(parts) if pair not in have]
    event.participations.extend(Participation(actor_id=a, role=r) for a, r in adding)
    return bool(adding)


def _sync_citations(event: Event, item: Mapping, sources: dict[str, Source]) -> bool:
    """Update in place the event's citations that the entry's match (same source, locator and quotation), so that
    their ids stay, and add the others; whether anything changed. Citations absent from the entry stay."""
    have = {_citation_match(c): c for c in event.citations}
    changed = False
    for entry in item["citations"]:
        citation = _citation(entry, sources)
        old = have.get(_citation_match(citation))
        if old is None:
            event.citations.append(citation)
            have[_citation_match(citation)] = citation
            changed = True
        elif _set_fields(old, {name: getattr(citation, name) for name in _CITATION_DETAILS}):
            changed = True
    return changed


def _apply_event(session: Session, item: Mapping, context: _EventContext) -> tuple[Event, bool, bool]:
    """Add or update one event (without the agreements it invokes); return it, whether it was added, and
    whether it changed."""
    kind = item.get("kind") or "event"
    values = _event_values(item, kind, context.places)
    absorbed = context.absorbed.get(item["slug"])
    if absorbed is not None:
        # The slug of an event merged into another: the file's evidence joins the event that absorbed it, whose
        # own fields stay (they were chosen at the merge).
        changed = _sync_participants(absorbed, item, context.actors)
        return absorbed, False, _sync_citations(absorbed, item, context.sources) or changed
    event = context.existing.get(item["slug"])
    if event is not None and event.kind != kind:
        # The kind decides which detail table holds the row; changing it means writing the event anew.
        session.delete(event)
        session.flush()
        event = None
    added = event is None
    if event is not None and event.id in context.several_dates:
        _keep_disputed_date(event, values, context.name, context.own_dates.get(event.id))
    if event is None:
        event = _MODELS[kind](slug=item["slug"], **values)
        session.add(event)
    changed = added or _set_fields(event, values)
    if _sync_participants(event, item, context.actors):
        changed = True
    if _sync_citations(event, item, context.sources):
        changed = True
    return event, added, changed


def _keep_disputed_date(event: Event, values: dict[str, Any], name: str, own: str | None) -> None:
    """An event with several date claims keeps its date columns (the hull of its claims): a file that gives the
    date it shows, or its own date claim's (which a version-5 file writes), changes nothing; one that gives
    another date is refused — an import does not choose between sources."""
    if values["date"] not in (event.date, own):
        raise UserError(f"{name}: event {event.slug!r} has several date claims (its sources disagree), so an import "
                        f"cannot change its date to {values['date']!r}: change one claim with `edit claim`; nothing "
                        "was written")
    for column in DATE_FIELDS:
        values.pop(column, None)


def _link_invoked(session: Session, touched: list[tuple[Mapping, Event, bool]], report: LoadReport) -> None:
    """Point each event at the agreements it invokes (they may come later in the file, hence a second pass); an
    agreement it invokes that the entry does not name stays invoked (a file never removes what it omits)."""
    slugs = {s for item, _, _ in touched for s in item.get("invokes") or []}
    agreements = {a.slug: a for a in session.scalars(select(Agreement).where(Agreement.slug.in_(slugs)))}
    agreements.update({slug: a for slug, a in session.execute(  # (the slug of an agreement merged into another)
        select(RetiredSlug.slug, Agreement).join(Agreement, Agreement.id == RetiredSlug.event_id)
        .where(RetiredSlug.slug.in_(list(slugs - set(agreements)))))})
    for item, event, changed in touched:
        have = {a.id for a in event.invokes}
        adding = [a for a in dict.fromkeys(agreements[s] for s in item.get("invokes") or []) if a.id not in have]
        if adding:
            event.invokes.extend(adding)
            if not changed:
                report.counts["events"]["unchanged"] -= 1
                report.counts["events"]["updated"] += 1


def _apply_events(session: Session, items: list[Mapping], sources: dict[str, Source], report: LoadReport,
                  progress: Progress | None = None, name: str = "<seed>") -> tuple[list[int], _Written]:
    """Add or update the file's events; the ids of those added or changed, and what the claims need."""
    context = _EventContext(
        sources=sources,
        actors=_ids_by_spelling(session, select(Actor.name_folded, Actor.id),
                                select(ActorAlias.folded, ActorAlias.actor_id)),
        places=_ids_by_spelling(session, select(Place.name_folded, Place.id),
                                select(PlaceAlias.folded, PlaceAlias.place_id)),
        existing=_existing_events(session, [item["slug"] for item in items]))
    context.absorbed = _absorbing_events(session, [item["slug"] for item in items if item["slug"] not in
                                                   context.existing])
    context.several_dates, context.name = several_dates(session), name
    context.own_dates = own_dates(session, context.several_dates)
    touched: list[tuple[Mapping, Event, bool]] = []
    for item in items:
        event, added, changed = _apply_event(session, item, context)
        touched.append((item, event, changed))
        report.count("events", _outcome(added, changed))
        if progress is not None and len(touched) % 100 == 0:
            progress(len(touched))
    session.flush()
    _link_invoked(session, touched, report)
    # One flush for all the search texts rather than one per event: much faster for large files.
    refresh_search_many(session, [event for _, event, changed in touched if changed])
    if progress is not None:
        progress(len(touched))
    names = Names(context.actors, context.places, {key: source.id for key, source in sources.items()})
    return [event.id for _, event, changed in touched if changed], _Written(
        [(item, event) for item, event, _ in touched], names)


@dataclass
class _Written:
    """The file's events as written (each entry with its event) and the names they resolved, for the claims."""

    events: list[tuple[Mapping, Event]]
    names: Names


# --- loading -------------------------------------------------------------------------------------------------


def load_seed(session: Session, data: Any, name: str = "<seed>", progress: Progress | None = None) -> LoadReport:
    """Validate parsed seed data against the format and the database, then write it (flush only; the caller
    commits). `name` is the file's, for the messages."""
    started = time.perf_counter()
    validate(data, session, name)
    report = LoadReport()
    sources = _apply_sources(session, data.get("sources") or [], report)
    _apply_named(session, data.get("actors") or [], report, "actors", Actor, _actor_fields)
    _apply_named(session, data.get("places") or [], report, "places", Place, _place_fields)
    changed, written = _apply_events(session, data.get("events") or [], sources, report, progress, name)
    follow_import(session, changed)  # a changed date or place: the one own claim of it that has a row
    # Then the claims the file states beyond those (version 5): every event is written, so relative claims resolve.
    newly_changed = len(apply_claims(session, written.events, written.names) - set(changed))
    report.counts["events"]["unchanged"] -= newly_changed
    report.counts["events"]["updated"] += newly_changed
    check_all_cited(session)
    report.seconds = time.perf_counter() - started
    return report


def load_seed_text(session: Session, text: str, name: str = "<seed>",
                   progress: Progress | None = None) -> LoadReport:
    """Load seed-format YAML text into the session's transaction (see `load_seed_file`)."""
    return load_seed(session, parse_yaml(text, name), name, progress)


def load_seed_file(session: Session, path: str | Path, progress: Progress | None = None) -> LoadReport:
    """Load a seed-format YAML file into the session's transaction.

    `progress`, when given, is called with the number of events written so far (every 100 and at the end).
    """
    return load_seed_text(session, read_file(path), str(path), progress)


def default_seed_text() -> str:
    """The seed shipped with the package (data/seed.yaml in the repository)."""
    return files("relations_db.data").joinpath("seed.yaml").read_text(encoding="utf-8")


def load_default_seed(session: Session) -> LoadReport:
    """Load the shipped seed: the paper's chronology."""
    return load_seed_text(session, default_seed_text(), "data/seed.yaml")
