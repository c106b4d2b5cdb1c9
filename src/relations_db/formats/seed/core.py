"""The seed format (YAML) in and out of the database: validated, transactional, idempotent.

`load_*` reads a file in the format of `docs/seed-format.md`, validates all of it first — every problem is
reported with its line number, and nothing is written when there is one — then upserts sources, actors,
places and events by their keys in the caller's transaction. Loading the same file twice changes nothing;
loading an edited file updates what changed (aliases are only ever added, never dropped).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, TextIO

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from relations_db.domain import dates
from relations_db.errors import DateError, UserError, ValidationError
from relations_db.domain.vocab import ACTOR_KINDS, EVENT_KINDS, SOURCE_KINDS, valid_key
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
    Source,
)
from relations_db.write.checks import check_all_cited
from relations_db.write.records import refresh_short_forms
from relations_db.write.search_index import refresh_search_many
from relations_db.domain.text import fold

SEED_FORMAT = "relations-db/seed 1"
MAX_BYTES = 50 * 1024 * 1024

SOURCE_FIELDS = ("key", "kind", "author", "title", "year", "container", "volume", "issue", "pages",
                 "publisher", "place", "url", "doi", "fund", "file", "note")
ACTOR_FIELDS = ("name", "kind", "description", "aliases")
PLACE_FIELDS = ("name", "country", "aliases")
EVENT_FIELDS = ("slug", "kind", "date", "title", "summary", "type", "tone", "place", "meeting", "agreement",
                "invokes", "participants", "citations")
CITATION_FIELDS = ("source", "locator", "quote", "cited_as", "cited_in", "cited_in_locator", "confidence", "note")
MEETING_FIELDS = ("format", "outcome")
AGREEMENT_FIELDS = ("status", "subject")
PARTICIPANT_FIELDS = ("actor", "role")


# --- reading YAML with line numbers, safely ----------------------------------------------------------------


class Mapping(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers, refuses duplicate keys, and leaves dates as text (EDTF)."""


# Dates stay strings: `1961-06-04` must reach the EDTF parser, not become a datetime.date.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    mapping = Mapping()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, name: str = "<seed>") -> Any:
    """Parse seed YAML: no anchors or aliases (they can blow up memory), line numbers kept, errors located."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValidationError(f"{name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it")
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ValidationError(
                    f"{name}, line {event.start_mark.line + 1}: YAML anchors and aliases (&name, *name) are not "
                    "accepted in seed files; write each value out in full")
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None:  # where the unfinished construct began
            problem += f" ({context} at line {context_mark.line + 1})"
        raise ValidationError(f"{name}{where}: not valid YAML: {problem}") from None


def read_file(path: str | Path) -> str:
    """The text of a seed file, refused before reading when it is too large or not UTF-8."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise ValidationError(f"{path}: the file is {size // (1024 * 1024)} MiB, larger than the "
                              f"{MAX_BYTES // (1024 * 1024)} MiB a seed file may be; split it")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


# --- validation -----------------------------------------------------------------------------------------------


@dataclass
class _Known:
    """Names the file may refer to: those it defines plus those already in the database."""

    sources: set[str] = field(default_factory=set)
    actors: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # folded → canonical names
    places: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    event_kinds: dict[str, str] = field(default_factory=dict)  # slug → kind


def _known_in_database(session: Session | None) -> _Known:
    known = _Known()
    if session is None:
        return known
    known.sources.update(session.scalars(select(Source.key)))
    for name, folded in session.execute(select(Actor.name, Actor.name_folded)):
        known.actors[folded].add(name)
    for name, folded in session.execute(select(Actor.name, ActorAlias.folded).join(ActorAlias.actor)):
        known.actors[folded].add(name)
    for name, folded in session.execute(select(Place.name, Place.name_folded)):
        known.places[folded].add(name)
    for name, folded in session.execute(select(Place.name, PlaceAlias.folded).join(PlaceAlias.place)):
        known.places[folded].add(name)
    known.event_kinds.update(dict(session.execute(select(Event.slug, Event.kind)).all()))
    return known


class _Problems(list):
    def add(self, line: int, message: str) -> None:
        self.append((line, message))


def _text(value: Any) -> str | None:
    """Scalars as text (YAML reads `3` and `434/3` differently); None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, (int, float)) else value


def _check_fields(item: Any, allowed: tuple[str, ...], what: str, problems: _Problems, line: int) -> bool:
    if not isinstance(item, Mapping):
        problems.add(line, f"{what} must be a mapping of fields, not {type(item).__name__}")
        return False
    for key in item:
        if key not in allowed:
            problems.add(item.line_of(key), f"{what}: unknown field {key!r} (allowed: {', '.join(allowed)})")
    return True


def _require_text(item: Mapping, key: str, what: str, problems: _Problems) -> str | None:
    value = _text(item.get(key))
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(item.line, f"{what}: missing {key!r}")
        return None
    if not isinstance(value, str):
        problems.add(item.line_of(key), f"{what}: {key!r} must be text")
        return None
    return value


def _optional_text(item: Mapping, key: str, what: str, problems: _Problems) -> None:
    value = _text(item.get(key))
    if value is not None and not isinstance(value, str):
        problems.add(item.line_of(key), f"{what}: {key!r} must be text")


def _section(data: Mapping, name: str, problems: _Problems) -> list:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(data.line_of(name), f"{name!r} must be a list")
        return []
    return value


def validate(data: Any, session: Session | None = None, name: str = "<seed>") -> None:
    """Raise ValidationError listing every problem in the seed data (with line numbers), or return."""
    problems = _Problems()
    if not isinstance(data, Mapping):
        raise ValidationError(f"{name}: a seed file is a mapping with 'format', 'sources', 'actors', 'places' "
                              "and 'events'")
    if data.get("format") != SEED_FORMAT:
        problems.add(data.line_of("format"), f"'format' must be {SEED_FORMAT!r} (found {data.get('format')!r})")
    for key in data:
        if key not in ("format", "sources", "actors", "places", "events"):
            problems.add(data.line_of(key), f"unknown section {key!r}")

    known = _known_in_database(session)
    _validate_sources(_section(data, "sources", problems), known, problems)
    _validate_named(_section(data, "actors", problems), "actor", ACTOR_FIELDS, known.actors, problems)
    _validate_named(_section(data, "places", problems), "place", PLACE_FIELDS, known.places, problems)
    _validate_events(_section(data, "events", problems), known, problems)

    if problems:
        lines = [f"line {line}: {message}" for line, message in sorted(problems, key=lambda p: p[0])]
        raise ValidationError(f"{name}: {len(lines)} problem{'s' if len(lines) != 1 else ''}, nothing was written:",
                              lines)


def _validate_sources(items: list, known: _Known, problems: _Problems) -> None:
    seen: set[str] = set()
    for item in items:
        if not _check_fields(item, SOURCE_FIELDS, "source", problems, getattr(item, "line", 0)):
            continue
        key = _require_text(item, "key", "source", problems)
        what = f"source {key!r}" if key else "source"
        if key is not None:
            if not valid_key(key):
                problems.add(item.line_of("key"), f"{what}: a key is lower-case letters, digits and hyphens")
            if key in seen:
                problems.add(item.line_of("key"), f"duplicate source key {key!r}")
            seen.add(key)
            known.sources.add(key)
        kind = item.get("kind")
        if kind not in SOURCE_KINDS:
            problems.add(item.line_of("kind"), f"{what}: kind must be one of {', '.join(SOURCE_KINDS)} (found {kind!r})")
        _require_text(item, "title", what, problems)
        year = item.get("year")
        if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and 1 <= year <= 9999):
            problems.add(item.line_of("year"), f"{what}: year must be a whole number such as 2007 (found {year!r})")
        for key_ in SOURCE_FIELDS:
            if key_ not in ("key", "kind", "title", "year"):
                _optional_text(item, key_, what, problems)


def _validate_named(items: list, noun: str, allowed: tuple[str, ...], known: dict[str, set[str]],
                    problems: _Problems) -> None:
    seen: set[str] = set()
    defined: dict[str, set[str]] = defaultdict(set)  # folded spelling → canonical names, within the file
    lines: dict[str, int] = {}
    for item in items:
        if not _check_fields(item, allowed, noun, problems, getattr(item, "line", 0)):
            continue
        name = _require_text(item, "name", noun, problems)
        if name is None:
            continue
        what = f"{noun} {name!r}"
        if fold(name) in seen:
            problems.add(item.line_of("name"), f"duplicate {noun} {name!r}")
        seen.add(fold(name))
        if noun == "actor":
            kind = item.get("kind")
            if kind not in ACTOR_KINDS:
                problems.add(item.line_of("kind"),
                             f"{what}: kind must be one of {', '.join(ACTOR_KINDS)} (found {kind!r})")
            _optional_text(item, "description", what, problems)
        else:
            _optional_text(item, "country", what, problems)
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(_text(a), str) and _text(a).strip() for a in aliases):
            problems.add(item.line_of("aliases"), f"{what}: aliases must be a list of names")
            aliases = []
        for spelling in [name, *(_text(a) for a in aliases)]:
            defined[fold(spelling)].add(name)
            lines.setdefault(fold(spelling), item.line_of("aliases") if spelling != name else item.line)
    for folded, names in defined.items():
        others = {n for n in known.get(folded, set()) if fold(n) not in seen}  # database records not redefined
        owners = names | others
        if len(owners) > 1:
            problems.add(lines[folded], f"the {noun} name or alias {folded!r} belongs to several {noun}s: "
                                        f"{', '.join(sorted(owners))}; an alias must name one {noun}")
    for folded, names in defined.items():
        known.setdefault(folded, set()).update(names)


def _resolve_name(known: dict[str, set[str]], name: Any) -> tuple[str | None, str | None]:
    """(canonical name, problem) for a reference to an actor or place."""
    if not isinstance(_text(name), str) or not _text(name).strip():
        return None, "must name one"
    owners = known.get(fold(_text(name)), set())
    if len(owners) == 1:
        return next(iter(owners)), None
    if owners:
        return None, f"{name!r} is ambiguous ({', '.join(sorted(owners))})"
    return None, f"{name!r} is not defined in the file or the database"


def _validate_events(items: list, known: _Known, problems: _Problems) -> None:
    seen: set[str] = set()
    for item in items:  # first pass: slugs and kinds, so that `invokes` may point forward
        if isinstance(item, Mapping) and isinstance(item.get("slug"), str):
            known.event_kinds[item["slug"]] = item.get("kind") or "event"
    for item in items:
        if not _check_fields(item, EVENT_FIELDS, "event", problems, getattr(item, "line", 0)):
            continue
        slug = _require_text(item, "slug", "event", problems)
        what = f"event {slug!r}" if slug else "event"
        if slug is not None:
            if not valid_key(slug):
                problems.add(item.line_of("slug"), f"{what}: a slug is lower-case letters, digits and hyphens")
            if slug in seen:
                problems.add(item.line_of("slug"), f"duplicate event slug {slug!r}")
            seen.add(slug)
        kind = item.get("kind") or "event"
        if kind not in EVENT_KINDS:
            problems.add(item.line_of("kind"), f"{what}: kind must be one of {', '.join(EVENT_KINDS)}")
        date = _require_text(item, "date", what, problems)
        if date is not None:
            try:
                dates.parse(date)
            except DateError as exc:
                problems.add(item.line_of("date"), f"{what}: {exc}")
        _require_text(item, "title", what, problems)
        _require_text(item, "type", what, problems)
        _optional_text(item, "summary", what, problems)
        tone = item.get("tone")
        if tone is not None and not (isinstance(tone, int) and not isinstance(tone, bool) and -10 <= tone <= 10):
            problems.add(item.line_of("tone"), f"{what}: tone must be a whole number from -10 to 10 (found {tone!r})")
        if item.get("place") is not None:
            _, problem = _resolve_name(known.places, item["place"])
            if problem:
                problems.add(item.line_of("place"), f"{what}: place {problem}")
        for sub, allowed, kind_needed in (("meeting", MEETING_FIELDS, "meeting"),
                                          ("agreement", AGREEMENT_FIELDS, "agreement")):
            if item.get(sub) is not None:
                if kind != kind_needed:
                    problems.add(item.line_of(sub), f"{what}: {sub!r} details need kind: {kind_needed}")
                elif _check_fields(item[sub], allowed, f"{what} {sub}", problems, item.line_of(sub)):
                    for key in allowed:
                        _optional_text(item[sub], key, f"{what} {sub}", problems)
        invokes = item.get("invokes") or []
        if not isinstance(invokes, list):
            problems.add(item.line_of("invokes"), f"{what}: invokes must be a list of agreement slugs")
            invokes = []
        for target in invokes:
            if known.event_kinds.get(target) != "agreement":
                problems.add(item.line_of("invokes"), f"{what}: invokes {target!r}, which is not an agreement "
                                                      "in the file or the database")
        participants = item.get("participants") or []
        if not isinstance(participants, list):
            problems.add(item.line_of("participants"), f"{what}: participants must be a list")
            participants = []
        for part in participants:
            if _check_fields(part, PARTICIPANT_FIELDS, f"{what} participant", problems, item.line_of("participants")):
                _, problem = _resolve_name(known.actors, part.get("actor"))
                if problem:
                    problems.add(part.line, f"{what}: participant actor {problem}")
                _optional_text(part, "role", f"{what} participant", problems)
        citations = item.get("citations") or []
        if not isinstance(citations, list) or not citations:
            problems.add(item.line_of("citations"), f"{what}: no citation; every event needs at least one source")
            continue
        for cit in citations:
            if not _check_fields(cit, CITATION_FIELDS, f"{what} citation", problems, item.line_of("citations")):
                continue
            for key in ("source", "cited_in"):
                ref = cit.get(key)
                if key == "source" and ref is None:
                    problems.add(cit.line, f"{what}: citation has no source")
                elif ref is not None and ref not in known.sources:
                    problems.add(cit.line_of(key), f"{what}: citation {key} {ref!r} is not a source key in the file "
                                                   "or the database")
            confidence = cit.get("confidence", 2)
            if not (isinstance(confidence, int) and not isinstance(confidence, bool) and 0 <= confidence <= 4):
                problems.add(cit.line_of("confidence"), f"{what}: confidence must be 0–4 (found {confidence!r})")
            for key in ("locator", "quote", "cited_as", "cited_in_locator", "note"):
                _optional_text(cit, key, f"{what} citation", problems)


# --- applying -------------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load did, per section: how many records were added, updated, left unchanged."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {s: {"added": 0, "updated": 0, "unchanged": 0}
                                 for s in ("sources", "actors", "places", "events")})
    seconds: float = 0.0

    def count(self, section: str, outcome: str) -> None:
        self.counts[section][outcome] += 1

    def summary(self) -> str:
        ev = self.counts["events"]
        others = ", ".join(f"{sum(self.counts[s].values())} {s}" for s in ("sources", "actors", "places"))
        return (f"events {ev['added']} added, {ev['updated']} updated, {ev['unchanged']} unchanged; "
                f"{others}; {self.seconds:.1f} s")


def _set_fields(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _apply_sources(session: Session, items: list[Mapping], report: LoadReport) -> dict[str, Source]:
    existing = {s.key: s for s in session.scalars(select(Source))}
    for item in items:
        values = {f: _text(item.get(f)) for f in SOURCE_FIELDS if f not in ("key", "year")}
        values["year"] = item.get("year")
        source = existing.get(item["key"])
        if source is None:
            source = Source(key=item["key"], short="", **values)
            session.add(source)
            existing[source.key] = source
            report.count("sources", "added")
        else:
            report.count("sources", "updated" if _set_fields(source, values) else "unchanged")
    refresh_short_forms(session)
    return existing


def _apply_named(session: Session, items: list[Mapping], model, alias_model, section: str,
                 report: LoadReport) -> None:
    existing = {o.name: o for o in session.scalars(select(model).options(selectinload(model.aliases)))}
    for item in items:
        name = item["name"]
        values = ({"kind": item["kind"], "description": _text(item.get("description"))} if model is Actor
                  else {"country": _text(item.get("country"))})
        obj = existing.get(name)
        added = obj is None
        if added:
            obj = model(name=name, name_folded=fold(name), **values)
            session.add(obj)
            existing[name] = obj
            changed = True
        else:
            changed = _set_fields(obj, values)
        have = {a.folded for a in obj.aliases} | {fold(name)}
        for alias in item.get("aliases") or []:
            alias = _text(alias).strip()
            if fold(alias) not in have:
                obj.aliases.append(alias_model(name=alias, folded=fold(alias)))
                have.add(fold(alias))
                changed = True
        report.count(section, "added" if added else "updated" if changed else "unchanged")
    session.flush()


def _lookup(session: Session, model, alias_model, fk: str) -> dict[str, Any]:
    """folded name or alias → record (validation has made sure each names one record)."""
    table: dict[str, Any] = {}
    objs = {o.id: o for o in session.scalars(select(model))}
    for obj in objs.values():
        table[obj.name_folded] = obj
    for alias in session.scalars(select(alias_model)):
        table.setdefault(alias.folded, objs[getattr(alias, fk)])
    return table


def _event_values(item: Mapping) -> dict[str, Any]:
    parsed = dates.parse(_text(item["date"]))
    return {
        "date": parsed.text, "start_date": parsed.start, "end_date": parsed.end, "precision": parsed.precision,
        "approximate": parsed.approximate, "uncertain": parsed.uncertain, "title": item["title"],
        "summary": _text(item.get("summary")), "type": _text(item["type"]), "tone": item.get("tone"),
    }


def _citation_tuple(c: Citation) -> tuple:
    return (c.source_id, c.locator, c.quote, c.cited_as, c.cited_in_id, c.cited_in_locator, c.confidence, c.note)


def _apply_events(session: Session, items: list[Mapping], sources: dict[str, Source], report: LoadReport,
                  progress: Callable[[int], None] | None = None) -> None:
    actors = _lookup(session, Actor, ActorAlias, "actor_id")
    places = _lookup(session, Place, PlaceAlias, "place_id")
    slugs = [item["slug"] for item in items]
    existing: dict[str, Event] = {}
    for chunk in range(0, len(slugs), 500):
        stmt = (select(Event).where(Event.slug.in_(slugs[chunk:chunk + 500]))
                .options(selectinload(Event.participations), selectinload(Event.citations),
                         selectinload(Event.invokes)))
        existing.update({e.slug: e for e in session.scalars(stmt)})
    touched: list[tuple[Mapping, Event, bool]] = []
    for item in items:
        kind = item.get("kind") or "event"
        model = {"event": Event, "meeting": Meeting, "agreement": Agreement}[kind]
        values = _event_values(item)
        place = item.get("place")
        values["place_id"] = places[fold(_text(place))].id if place is not None else None
        if kind == "meeting":
            details = item.get("meeting") or {}
            values.update(format=_text(details.get("format")), outcome=_text(details.get("outcome")))
        elif kind == "agreement":
            details = item.get("agreement") or {}
            values.update(status=_text(details.get("status")), subject=_text(details.get("subject")))
        event = existing.get(item["slug"])
        if event is not None and event.kind != kind:
            # The kind decides which detail table holds the row; changing it means writing the event anew.
            session.delete(event)
            session.flush()
            event = None
        added = event is None
        if added:
            event = model(slug=item["slug"], **values)
            session.add(event)
            changed = True
        else:
            changed = _set_fields(event, values)
        parts = [(actors[fold(_text(p["actor"]))].id, _text(p.get("role"))) for p in item.get("participants") or []]
        if [(p.actor_id, p.role) for p in event.participations] != parts:
            event.participations = [Participation(actor_id=a, role=r) for a, r in dict.fromkeys(parts)]
            changed = True
        cits = [Citation(source_id=sources[c["source"]].id, locator=_text(c.get("locator")), quote=_text(c.get("quote")),
                         cited_as=_text(c.get("cited_as")),
                         cited_in_id=sources[c["cited_in"]].id if c.get("cited_in") else None,
                         cited_in_locator=_text(c.get("cited_in_locator")), confidence=c.get("confidence", 2),
                         note=_text(c.get("note")))
                for c in item["citations"]]
        if [_citation_tuple(c) for c in event.citations] != [_citation_tuple(c) for c in cits]:
            event.citations = cits
            changed = True
        touched.append((item, event, changed))
        report.count("events", "added" if added else "updated" if changed else "unchanged")
        if progress is not None and len(touched) % 100 == 0:
            progress(len(touched))
    session.flush()
    agreements = {a.slug: a for a in session.scalars(
        select(Agreement).where(Agreement.slug.in_({s for item in items for s in item.get("invokes") or []})))}
    for item, event, changed in touched:
        wanted = [agreements[s] for s in item.get("invokes") or []]
        if {a.id for a in event.invokes} != {a.id for a in wanted}:
            event.invokes = wanted
            if not changed:
                report.counts["events"]["unchanged"] -= 1
                report.counts["events"]["updated"] += 1
    # One flush for all the search texts rather than one per event: much faster for large files.
    refresh_search_many(session, [event for _, event, changed in touched if changed])
    if progress is not None:
        progress(len(touched))


def apply(session: Session, data: Mapping, name: str = "<seed>",
          progress: Callable[[int], None] | None = None) -> LoadReport:
    """Validate `data` against the file and the database, then write it (flush only; the caller commits)."""
    started = time.perf_counter()
    validate(data, session, name)
    report = LoadReport()
    sources = _apply_sources(session, data.get("sources") or [], report)
    _apply_named(session, data.get("actors") or [], Actor, ActorAlias, "actors", report)
    _apply_named(session, data.get("places") or [], Place, PlaceAlias, "places", report)
    _apply_events(session, data.get("events") or [], sources, report, progress)
    check_all_cited(session)
    report.seconds = time.perf_counter() - started
    return report


def load_seed_text(session: Session, text: str, name: str = "<seed>",
                   progress: Callable[[int], None] | None = None) -> LoadReport:
    return apply(session, parse_yaml(text, name), name, progress)


def load_seed_file(session: Session, path: str | Path,
                   progress: Callable[[int], None] | None = None) -> LoadReport:
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



# --- writing the seed format (export --format yaml) ------------------------------------------------------------
#
# The events come as the dicts of `queries.event_rows` (they carry every field of an event); what the file must
# also hold — the sources, actors and places those events use, and the agreements they invoke — is collected
# while they stream past (keys only) and read afterwards, so memory does not grow with the number of events.


@dataclass
class _Referenced:
    """The keys a set of events refers to: what a seed file must define for them to load into an empty database."""

    sources: set[str] = field(default_factory=set)
    actors: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    invoked: set[str] = field(default_factory=set)  # agreement slugs
    agreements: set[str] = field(default_factory=set)  # agreement slugs already written

    def missing_agreements(self) -> set[str]:
        return self.invoked - self.agreements


def _present(mapping: dict, keys: tuple[str, ...]) -> dict:
    return {k: mapping[k] for k in keys if mapping.get(k) is not None}


def _seed_event(row: dict, refs: _Referenced) -> dict:
    """One event dict (the JSON shape) as a seed `events` entry, noting the keys it refers to."""
    kind = row.get("kind") or "event"
    entry: dict[str, Any] = {"slug": row["slug"]}
    if kind != "event":
        entry["kind"] = kind
    entry["date"] = row["date"]
    entry["title"] = row["title"]
    entry.update(_present(row, ("summary",)))
    entry["type"] = row["type"]
    entry.update(_present(row, ("tone", "place")))
    details = {"meeting": (("format", "outcome")), "agreement": ("status", "subject")}.get(kind)
    if details and _present(row.get(kind) or {}, details):
        entry[kind] = _present(row[kind], details)
    if row.get("invokes"):
        entry["invokes"] = [i["slug"] if isinstance(i, dict) else i for i in row["invokes"]]
    if row.get("actors"):
        entry["participants"] = [{"actor": a["name"], **_present(a, ("role",))} for a in row["actors"]]
    entry["citations"] = [_present(c, CITATION_FIELDS) for c in row["citations"]]

    refs.invoked.update(entry.get("invokes", ()))
    if kind == "agreement":
        refs.agreements.add(row["slug"])
    if row.get("place") is not None:
        refs.places.add(row["place"])
    refs.actors.update(a["name"] for a in row.get("actors") or ())
    for citation in row["citations"]:
        refs.sources.update(k for k in (citation.get("source"), citation.get("cited_in")) if k)
    return entry


def _rows_where(session: Session, condition) -> Iterator[dict]:
    from relations_db.read.events import event_rows_where

    return event_rows_where(session, condition)


def _invoked_agreements(session: Session, refs: _Referenced) -> Iterator[dict]:
    """The agreements the events invoke but the selection left out (and those they invoke, in turn), so that
    the file loads on its own."""
    while refs.missing_agreements():
        missing = sorted(refs.missing_agreements())
        refs.agreements.update(missing)  # each is fetched once, even if it no longer exists
        for chunk in range(0, len(missing), 500):
            yield from _rows_where(session, Event.slug.in_(missing[chunk:chunk + 500]))


def _referenced_records(session: Session, refs: _Referenced) -> dict[str, list[dict]]:
    """The seed entries of the sources, actors and places the events refer to, in key / name order."""
    def chunked(model, column, keys: set[str]):
        keys_ = sorted(keys)
        for i in range(0, len(keys_), 500):
            stmt = select(model).where(column.in_(keys_[i:i + 500]))
            if model is not Source:
                stmt = stmt.options(selectinload(model.aliases))
            yield from session.scalars(stmt)

    sources = []
    for source in sorted(chunked(Source, Source.key, refs.sources), key=lambda s: s.key):
        sources.append(_present({f: getattr(source, f) for f in SOURCE_FIELDS}, SOURCE_FIELDS))
    named: dict[str, list[dict]] = {}
    for section, model, fields in (("actors", Actor, ("name", "kind", "description")),
                                   ("places", Place, ("name", "country"))):
        entries = []
        for obj in sorted(chunked(model, model.name, getattr(refs, section)), key=lambda o: o.name):
            entry = _present({f: getattr(obj, f) for f in fields}, fields)
            if obj.aliases:
                entry["aliases"] = [a.name for a in obj.aliases]
            entries.append(entry)
        named[section] = entries
    return {"sources": sources, **named}


def dump_seed(session: Session, event_ids_or_rows: Iterable[int | dict]) -> dict:
    """The seed-format document (a dict) for these events — ids, or dicts from `queries.event_rows` — with
    exactly the sources, actors and places they use and the agreements they invoke. For small selections and
    tests; `write_yaml` streams."""
    refs = _Referenced()
    items = list(event_ids_or_rows)
    ids = [i for i in items if not isinstance(i, dict)]
    rows = [i for i in items if isinstance(i, dict)]
    for chunk in range(0, len(ids), 500):
        rows.extend(_rows_where(session, Event.id.in_([int(i) for i in ids[chunk:chunk + 500]])))
    events = [_seed_event(row, refs) for row in rows]
    events += [_seed_event(row, refs) for row in _invoked_agreements(session, refs)]
    return {"format": SEED_FORMAT, **_referenced_records(session, refs), "events": events}


# libyaml's emitter when PyYAML has it (several times faster); the pure-Python one otherwise. Both write
# text that the safe loader reads back exactly (see the round-trip property test).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _yaml_text(value: Any) -> str:
    return yaml.dump(value, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=100)


def write_yaml(events: Iterable[dict], session: Session, out: TextIO,
               progress: Callable[[int], None] | None = None) -> int:
    """Write the seed format for `events` (dicts from `queries.event_rows`) to `out`; return how many events.

    The events are written to a spool file (in memory while small, on disk after) while the keys they use are
    collected; then the header, the sources, actors and places they use, and the spooled events go to `out`.
    Agreements that the events invoke but the selection left out are added at the end, so that the file
    loads into an empty database. `progress`, when given, gets the number of events written so far.
    """
    import tempfile

    refs = _Referenced()
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024, mode="w+", encoding="utf-8") as spool:
        for row in events:
            spool.write(_yaml_text([_seed_event(row, refs)]))
            count += 1
            if progress is not None and count % 100 == 0:
                progress(count)
        selected = count
        for row in _invoked_agreements(session, refs):
            if count == selected:
                spool.write("# agreements that the events above invoke, so that the file loads on its own\n")
            spool.write(_yaml_text([_seed_event(row, refs)]))
            count += 1
        out.write(f"format: {SEED_FORMAT}\n")
        for section, entries in _referenced_records(session, refs).items():
            out.write(_yaml_text({section: entries}))
        out.write("events:" + (" []\n" if count == 0 else "\n"))
        spool.seek(0)
        while block := spool.read(1 << 16):
            out.write(block)
    if progress is not None:
        progress(count)
    return count
