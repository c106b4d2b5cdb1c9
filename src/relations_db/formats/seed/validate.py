"""Checking a parsed seed document against the format and the database before anything is written.

Every problem is collected with its line — the whole file is checked, not up to the first mistake — and
reported in one ValidationError. References (an event's place, participants, sources, invoked agreements)
may name records the file defines, anywhere in it, or records already in the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain.text import control_problem, fold
from relations_db.domain.vocab import (
    ACTOR_KINDS,
    CONFIDENCE_DEFAULT,
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    EVENT_KINDS,
    MULTI_LINE_FIELDS,
    SLUG_RULE,
    SOURCE_KINDS,
    SOURCE_TEXT_FIELDS,
    TONE_MAX,
    TONE_MIN,
    valid_key,
    valid_slug,
)
from relations_db.errors import ValidationError
from relations_db.formats.seed.claims import validate_claims
from relations_db.formats.seed.fields import (
    ACTOR_FIELDS,
    CITATION_FIELDS,
    DETAILS,
    EVENT_FIELDS_OF,
    PARTICIPANT_FIELDS,
    PLACE_FIELDS,
    SECTIONS,
    SEED_FORMAT,
    SEED_FORMATS,
    TYPE_REQUIRED_IN,
)
from relations_db.formats.seed.read import Mapping, date_problem, text_of
from relations_db.formats.seed.sources import SOURCE_FIELDS_OF, validate_csl_fields
from relations_db.store.models import Actor, ActorAlias, Event, Place, PlaceAlias, RetiredKey, RetiredSlug, Source


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
    known.sources.update(session.scalars(select(RetiredKey.key)))  # (they name the source that absorbed them)
    for name, folded in session.execute(select(Actor.name, Actor.name_folded)):
        known.actors[folded].add(name)
    for name, folded in session.execute(select(Actor.name, ActorAlias.folded).join(ActorAlias.actor)):
        known.actors[folded].add(name)
    for name, folded in session.execute(select(Place.name, Place.name_folded)):
        known.places[folded].add(name)
    for name, folded in session.execute(select(Place.name, PlaceAlias.folded).join(PlaceAlias.place)):
        known.places[folded].add(name)
    known.event_kinds.update({slug: kind for slug, kind in session.execute(select(Event.slug, Event.kind))})
    known.event_kinds.update({slug: kind for slug, kind in session.execute(
        select(RetiredSlug.slug, Event.kind).join(Event, Event.id == RetiredSlug.event_id))})
    return known


class _Problems(list[tuple[int, str]]):
    def add(self, line: int, message: str) -> None:
        self.append((line, message))


def _whole_number(value: object, low: int, high: int) -> bool:
    """Whether a YAML value is a whole number (not a boolean, not text) from `low` to `high`."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_fields(item: object, allowed: tuple[str, ...], what: str, problems: _Problems, line: int) -> bool:
    """Whether `item` is a mapping (noting each field it has that `allowed` does not name)."""
    if not isinstance(item, Mapping):
        problems.add(line, f"{what} must be a mapping of fields, not {type(item).__name__}")
        return False
    for key in item:
        if key not in allowed:
            problems.add(item.line_of(key), f"{what}: unknown field {key!r} (allowed: {', '.join(allowed)})")
    return True


def _require_text(item: Mapping, key: str, what: str, problems: _Problems) -> str | None:
    value = text_of(item.get(key))
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(item.line, f"{what}: missing {key!r}")
        return None
    if not isinstance(value, str):
        problems.add(item.line_of(key), f"{what}: {key!r} must be text")
        return None
    _control_characters(item, key, value, what, problems)
    return value


def _control_characters(item: Mapping, key: str, value: str, what: str, problems: _Problems) -> None:
    problem = control_problem(value, one_line=key not in MULTI_LINE_FIELDS)
    if problem:
        problems.add(item.line_of(key), f"{what}: {key!r} {problem}")


def _optional_text(item: Mapping, key: str, what: str, problems: _Problems) -> None:
    value = text_of(item.get(key))
    if value is not None and not isinstance(value, str):
        problems.add(item.line_of(key), f"{what}: {key!r} must be text")
    elif isinstance(value, str):
        _control_characters(item, key, value, what, problems)


def _section(data: Mapping, name: str, problems: _Problems) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(data.line_of(name), f"{name!r} must be a list")
        return []
    return value


def validate(data: Any, session: Session | None = None, name: str = "<seed>") -> None:
    """Raise ValidationError listing every problem in the seed data (with line numbers), or return.

    `session`, when given, lets references name records already in the database."""
    problems = _Problems()
    if not isinstance(data, Mapping):
        raise ValidationError(f"{name}: a seed file is a mapping with 'format', 'sources', 'actors', 'places' "
                              "and 'events'")
    version = data.get("format")
    if version not in SEED_FORMATS:
        problems.add(data.line_of("format"), f"'format' must be {SEED_FORMAT!r} (or an older "
                     f"{', '.join(repr(v) for v in SEED_FORMATS if v != SEED_FORMAT)}; found {version!r})")
        version = SEED_FORMAT
    for key in data:
        if key not in SECTIONS:
            problems.add(data.line_of(key), f"unknown section {key!r}")

    known = _known_in_database(session)
    _validate_sources(_section(data, "sources", problems), SOURCE_FIELDS_OF[version], known, problems)
    _validate_named(_section(data, "actors", problems), "actor", ACTOR_FIELDS, known.actors, problems)
    _validate_named(_section(data, "places", problems), "place", PLACE_FIELDS, known.places, problems)
    _validate_events(_section(data, "events", problems), EVENT_FIELDS_OF[version], known, problems,
                     type_required=version in TYPE_REQUIRED_IN)

    if problems:
        lines = [f"line {line}: {message}" for line, message in sorted(problems, key=lambda p: p[0])]
        raise ValidationError(f"{name}: {len(lines)} problem{'s' if len(lines) != 1 else ''}, nothing was written:",
                              lines)


# --- sources, actors, places -----------------------------------------------------------------------------


def _validate_sources(items: list[Any], allowed: tuple[str, ...], known: _Known, problems: _Problems) -> None:
    seen: set[str] = set()
    for item in items:
        if _check_fields(item, allowed, "source", problems, getattr(item, "line", 0)):
            _validate_source(item, seen, known, problems)


def _validate_source(item: Mapping, seen: set[str], known: _Known, problems: _Problems) -> None:
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
        problems.add(item.line_of("kind"),
                     f"{what}: kind must be one of {', '.join(SOURCE_KINDS)} (found {kind!r})")
    _require_text(item, "title", what, problems)
    year = item.get("year")
    if year is not None and not _whole_number(year, 1, 9999):
        problems.add(item.line_of("year"), f"{what}: year must be a whole number such as 2007 (found {year!r})")
    for key_ in SOURCE_TEXT_FIELDS:
        _optional_text(item, key_, what, problems)
    validate_csl_fields(item, what, problems, _optional_text)


def _validate_named(items: list[Any], noun: str, allowed: tuple[str, ...], known: dict[str, set[str]],
                    problems: _Problems) -> None:
    """Actors or places: each name once, and each name or alias naming one record (in the file or the
    database), so that a reference by any spelling resolves."""
    seen: set[str] = set()
    defined: dict[str, set[str]] = defaultdict(set)  # folded spelling → canonical names, within the file
    lines: dict[str, int] = {}
    for item in items:
        if not _check_fields(item, allowed, noun, problems, getattr(item, "line", 0)):
            continue
        name = _require_text(item, "name", noun, problems)
        if name is None:
            continue
        if fold(name) in seen:
            problems.add(item.line_of("name"), f"duplicate {noun} {name!r}")
        seen.add(fold(name))
        for spelling in [name, *_named_fields(item, noun, f"{noun} {name!r}", problems)]:
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


def _named_fields(item: Mapping, noun: str, what: str, problems: _Problems) -> list[str]:
    """Check an actor's kind and description or a place's country; return its aliases (none when they are
    not a list of names)."""
    if noun == "actor":
        kind = item.get("kind")
        if kind not in ACTOR_KINDS:
            problems.add(item.line_of("kind"),
                         f"{what}: kind must be one of {', '.join(ACTOR_KINDS)} (found {kind!r})")
        _optional_text(item, "description", what, problems)
    else:
        _optional_text(item, "country", what, problems)
    given = item.get("aliases") or []
    aliases = [text_of(a) for a in given] if isinstance(given, list) else []
    if not isinstance(given, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        problems.add(item.line_of("aliases"), f"{what}: aliases must be a list of names")
        return []
    return aliases


def _resolve_name(known: dict[str, set[str]], name: object) -> str | None:
    """The problem with a reference to an actor or place, or None when it names exactly one."""
    text = text_of(name)
    if not isinstance(text, str) or not text.strip():
        return "must name one"
    owners = known.get(fold(text), set())
    if len(owners) == 1:
        return None
    if owners:
        return f"{name!r} is ambiguous ({', '.join(sorted(owners))})"
    return f"{name!r} is not defined in the file or the database"


# --- events ------------------------------------------------------------------------------------------------


def _validate_events(items: list[Any], fields: tuple[str, ...], known: _Known, problems: _Problems, *,
                     type_required: bool = False) -> None:
    for item in items:  # first pass: slugs and kinds, so that `invokes` may point forward
        if isinstance(item, Mapping) and isinstance(item.get("slug"), str):
            known.event_kinds[item["slug"]] = item.get("kind") or "event"
    seen: set[str] = set()
    for item in items:
        if _check_fields(item, fields, "event", problems, getattr(item, "line", 0)):
            _validate_event(item, seen, known, problems, type_required)
            if "claims" in fields:  # (version 5; an older file's `claims` is an unknown field)
                validate_claims(item, f"event {item.get('slug')!r}", known.event_kinds, problems,
                                lambda name: _resolve_name(known.actors, name),
                                lambda name: _resolve_name(known.places, name))


def _validate_event(item: Mapping, seen: set[str], known: _Known, problems: _Problems, type_required: bool) -> None:
    what = _event_slug(item, seen, problems)
    kind = item.get("kind") or "event"
    if kind not in EVENT_KINDS:
        problems.add(item.line_of("kind"), f"{what}: kind must be one of {', '.join(EVENT_KINDS)}")
    _event_fields(item, what, problems, type_required)
    if item.get("place") is not None:
        problem = _resolve_name(known.places, item["place"])
        if problem:
            problems.add(item.line_of("place"), f"{what}: place {problem}")
    _event_details(item, kind, what, problems)
    _event_invokes(item, what, known, problems)
    _event_participants(item, what, known, problems)
    _event_citations(item, what, known, problems)


def _event_slug(item: Mapping, seen: set[str], problems: _Problems) -> str:
    """Check the event's slug (present, well-formed, not seen before); return how messages name the event."""
    slug = _require_text(item, "slug", "event", problems)
    if slug is None:
        return "event"
    what = f"event {slug!r}"
    if not valid_slug(slug):
        problems.add(item.line_of("slug"), f"{what}: {SLUG_RULE}")
    if slug in seen:
        problems.add(item.line_of("slug"), f"duplicate event slug {slug!r}")
    seen.add(slug)
    return what


def _event_fields(item: Mapping, what: str, problems: _Problems, type_required: bool) -> None:
    """The event's own values: date, title, type (optional from version 3 on), summary, tone."""
    date = _require_text(item, "date", what, problems)
    problem = date_problem(date) if date is not None else None
    if problem:
        problems.add(item.line_of("date"), f"{what}: {problem}")
    _require_text(item, "title", what, problems)
    if type_required:
        _require_text(item, "type", what, problems)
    else:
        _optional_text(item, "type", what, problems)
    _optional_text(item, "summary", what, problems)
    tone = item.get("tone")
    if tone is not None and not _whole_number(tone, TONE_MIN, TONE_MAX):
        problems.add(item.line_of("tone"),
                     f"{what}: tone must be a whole number from {TONE_MIN} to {TONE_MAX} (found {tone!r})")
    _optional_text(item, "tone_note", what, problems)
    if item.get("tone_note") is not None and tone is None:
        problems.add(item.line_of("tone_note"), f"{what}: a tone_note gives the basis of a tone: give the tone too")


def _event_details(item: Mapping, kind: str, what: str, problems: _Problems) -> None:
    """A `meeting` or `agreement` sub-mapping: only on an event of that kind, with that kind's fields."""
    for sub, allowed in DETAILS.items():
        if item.get(sub) is None:
            continue
        if kind != sub:
            problems.add(item.line_of(sub), f"{what}: {sub!r} details need kind: {sub}")
        elif _check_fields(item[sub], allowed, f"{what} {sub}", problems, item.line_of(sub)):
            for key in allowed:
                _optional_text(item[sub], key, f"{what} {sub}", problems)


def _event_invokes(item: Mapping, what: str, known: _Known, problems: _Problems) -> None:
    invokes = item.get("invokes") or []
    if not isinstance(invokes, list):
        problems.add(item.line_of("invokes"), f"{what}: invokes must be a list of agreement slugs")
        return
    for target in invokes:
        if known.event_kinds.get(target) != "agreement":
            problems.add(item.line_of("invokes"), f"{what}: invokes {target!r}, which is not an agreement "
                                                  "in the file or the database")


def _event_participants(item: Mapping, what: str, known: _Known, problems: _Problems) -> None:
    participants = item.get("participants") or []
    if not isinstance(participants, list):
        problems.add(item.line_of("participants"), f"{what}: participants must be a list")
        return
    for part in participants:
        if _check_fields(part, PARTICIPANT_FIELDS, f"{what} participant", problems, item.line_of("participants")):
            problem = _resolve_name(known.actors, part.get("actor"))
            if problem:
                problems.add(part.line, f"{what}: participant actor {problem}")
            _optional_text(part, "role", f"{what} participant", problems)


def _event_citations(item: Mapping, what: str, known: _Known, problems: _Problems) -> None:
    citations = item.get("citations") or []
    if not isinstance(citations, list) or not citations:
        problems.add(item.line_of("citations"), f"{what}: no citation; every event needs at least one source")
        return
    for cit in citations:
        if _check_fields(cit, CITATION_FIELDS, f"{what} citation", problems, item.line_of("citations")):
            _validate_citation(cit, what, known, problems)


def _validate_citation(cit: Mapping, what: str, known: _Known, problems: _Problems) -> None:
    for key in ("source", "cited_in"):
        ref = cit.get(key)
        if key == "source" and ref is None:
            problems.add(cit.line, f"{what}: citation has no source")
        elif ref is not None and ref not in known.sources:
            problems.add(cit.line_of(key), f"{what}: citation {key} {ref!r} is not a source key in the file "
                                           "or the database")
    if cit.get("cited_in") is not None and cit.get("cited_in") == cit.get("source"):
        problems.add(cit.line_of("cited_in"), f"{what}: a citation cannot be quoted in its own source "
                                              f"{cit.get('source')!r}")
    confidence = cit.get("confidence", CONFIDENCE_DEFAULT)
    if not _whole_number(confidence, CONFIDENCE_MIN, CONFIDENCE_MAX):
        problems.add(cit.line_of("confidence"),
                     f"{what}: confidence must be {CONFIDENCE_MIN}–{CONFIDENCE_MAX} (found {confidence!r})")
    for key in ("locator", "quote", "cited_as", "cited_in_locator", "note"):
        _optional_text(cit, key, f"{what} citation", problems)
