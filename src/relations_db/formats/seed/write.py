"""Writing the seed format (`export --format yaml`): events with exactly the records they need to load.

The events come as the dicts of `queries.event_rows` (they carry every field of an event); what the file must
also hold — the sources, actors and places those events use, and the agreements they invoke — is collected
while they stream past (keys only) and read afterwards, so memory does not grow with the number of events.
Importing the file into an empty database reproduces those events exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

import yaml
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from relations_db.formats.seed.claims_out import EventClaims, with_claims
from relations_db.formats.seed.fields import (
    CITATION_FIELDS,
    DETAILS,
    SEED_FORMAT,
    SeedCitation,
    SeedDocument,
    SeedEvent,
    SeedParticipant,
)
from relations_db.formats.seed.sources import source_entry
from relations_db.read.rows import EventRow
from relations_db.store.models import Actor, Event, Place, Source

_CHUNK = 500  # keys per IN (...) list: well under every backend's limit on bound parameters
# What precedes the events a file holds only because the selected ones refer to them.
_ADDED_COMMENT = "# agreements that the events above invoke, so that the file loads on its own\n"
_ADDED_COMMENT_RELATED = "# events that the events above invoke or are dated by, so that the file loads on its own\n"
_NAMED_FIELDS = {"actors": ("name", "kind", "description"), "places": ("name", "country")}


@dataclass
class _Referenced:
    """The keys a set of events refers to: what a seed file must define for them to load into an empty database."""

    sources: set[str] = field(default_factory=set)
    actors: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    invoked: set[str] = field(default_factory=set)  # agreement slugs
    agreements: set[str] = field(default_factory=set)  # agreement slugs already written (or fetched)
    related: set[str] = field(default_factory=set)  # the slugs of the events relative claims name
    written: set[str] = field(default_factory=set)  # every slug written (or fetched)

    def missing_agreements(self) -> set[str]:
        """The invoked agreements and the events relative claims name that the file does not hold yet."""
        return (self.invoked - self.agreements) | (self.related - self.written)


def _present(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The `keys` of `mapping` that have a value, in the order of `keys`."""
    return {k: mapping[k] for k in keys if mapping.get(k) is not None}


def _participant(actor: Mapping[str, Any]) -> SeedParticipant:
    participant: SeedParticipant = {"actor": actor["name"]}
    if actor.get("role") is not None:
        participant["role"] = actor["role"]
    return participant


def _participants(row: Mapping[str, Any], claims: EventClaims | None) -> list[SeedParticipant]:
    """The event's participants as its own claims state them (those another claim adds are in `claims`)."""
    others = list(claims.not_participants) if claims is not None else []
    found = []
    for actor in row.get("actors") or ():
        if (actor["name"], actor.get("role")) in others:
            others.remove((actor["name"], actor.get("role")))
        else:
            found.append(_participant(actor))
    return found


def _event_entry(row: Mapping[str, Any], claims: EventClaims | None = None) -> SeedEvent:
    """One event dict (the JSON shape) as a seed `events` entry: the format's keys, in the format's order; with
    `claims`, its own date and place and the claims beyond them (`claims_out`)."""
    kind = row.get("kind") or "event"
    entry: dict[str, Any] = {"slug": row["slug"]}
    if kind != "event":
        entry["kind"] = kind
    entry["date"] = row["date"] if claims is None else claims.own_date(row["date"])
    entry["title"] = row["title"]
    own = {**row, "place": claims.place_of(row["place"])} if claims is not None else row
    entry.update(_present(own, ("summary", "type", "tone", "tone_note", "place")))
    details = DETAILS.get(kind)
    if details and _present(row.get(kind) or {}, details):
        entry[kind] = _present(row[kind], details)
    if row.get("invokes"):
        entry["invokes"] = [i["slug"] if isinstance(i, dict) else i for i in row["invokes"]]
    participants = _participants(row, claims)
    if participants:
        entry["participants"] = participants
    entry["citations"] = [cast(SeedCitation, _present(c, CITATION_FIELDS)) for c in row["citations"]]
    if claims is not None and claims.claims:
        entry["claims"] = claims.entries([c["id"] for c in row["citations"]])
    # Built as a plain dict because the key order is part of the output; the keys are SeedEvent's.
    return cast(SeedEvent, entry)


def _note_references(row: Mapping[str, Any], entry: SeedEvent, refs: _Referenced,
                     claims: EventClaims | None = None) -> None:
    """Add the keys the event refers to (and, for an agreement, its own slug) to `refs`."""
    refs.invoked.update(entry.get("invokes", ()))
    refs.written.add(row["slug"])
    if claims is not None:
        refs.places.update(claims.places())
        refs.related.update(claims.events())
    if (row.get("kind") or "event") == "agreement":
        refs.agreements.add(row["slug"])
    if row.get("place") is not None:
        refs.places.add(row["place"])
    refs.actors.update(a["name"] for a in row.get("actors") or ())
    for citation in row["citations"]:
        refs.sources.update(k for k in (citation.get("source"), citation.get("cited_in")) if k)


def _seed_event(row: Mapping[str, Any], refs: _Referenced, claims: EventClaims | None = None) -> SeedEvent:
    """One event dict (the JSON shape) as a seed `events` entry, noting the keys it refers to."""
    entry = _event_entry(row, claims)
    _note_references(row, entry, refs, claims)
    return entry


def _rows_where(session: Session, condition: ColumnElement[bool]) -> Iterator[EventRow]:
    from relations_db.read.events import event_rows_where

    return event_rows_where(session, condition)


def _invoked_agreements(session: Session, refs: _Referenced) -> Iterator[EventRow]:
    """The agreements the events invoke but the selection left out (and those they invoke, in turn), so that
    the file loads on its own."""
    while refs.missing_agreements():
        missing = sorted(refs.missing_agreements())
        refs.agreements.update(missing)  # each is fetched once, even if it no longer exists
        refs.written.update(missing)
        for chunk in range(0, len(missing), _CHUNK):
            yield from _rows_where(session, Event.slug.in_(missing[chunk:chunk + _CHUNK]))


def _sources(session: Session, keys: set[str]) -> list[dict[str, Any]]:
    """The seed entries of the sources with these keys, in key order."""
    found: list[Source] = []
    keys_ = sorted(keys)
    for i in range(0, len(keys_), _CHUNK):
        found.extend(session.scalars(select(Source).where(Source.key.in_(keys_[i:i + _CHUNK]))
                                    .options(selectinload(Source.creators))))
    return [source_entry(source) for source in sorted(found, key=lambda s: s.key)]


def _named(session: Session, model: type[Actor] | type[Place], names: set[str]) -> list[dict[str, Any]]:
    """The seed entries of the actors or places with these names, in name order (aliases as stored)."""
    found: list[Actor | Place] = []
    names_ = sorted(names)
    for i in range(0, len(names_), _CHUNK):
        stmt = select(model).where(model.name.in_(names_[i:i + _CHUNK])).options(selectinload(model.aliases))
        found.extend(session.scalars(stmt))
    fields = _NAMED_FIELDS["actors" if model is Actor else "places"]
    entries = []
    for obj in sorted(found, key=lambda o: o.name):
        entry = _present({f: getattr(obj, f) for f in fields}, fields)
        if obj.aliases:
            entry["aliases"] = [a.name for a in obj.aliases]
        entries.append(entry)
    return entries


def _referenced_records(session: Session, refs: _Referenced) -> dict[str, list[dict[str, Any]]]:
    """The seed sections of the sources, actors and places the events refer to, in key / name order."""
    return {"sources": _sources(session, refs.sources), "actors": _named(session, Actor, refs.actors),
            "places": _named(session, Place, refs.places)}


def dump_seed(session: Session, event_ids_or_rows: Iterable[int | Mapping[str, Any]]) -> SeedDocument:
    """The seed-format document (a dict) for these events — ids, or dicts from `queries.event_rows` — with
    exactly the sources, actors and places they use and the agreements they invoke. For small selections and
    tests; `write_yaml` streams."""
    refs = _Referenced()
    items = list(event_ids_or_rows)
    ids = [i for i in items if isinstance(i, int)]
    rows: list[Mapping[str, Any]] = [i for i in items if not isinstance(i, int)]
    for chunk in range(0, len(ids), _CHUNK):
        rows.extend(_rows_where(session, Event.id.in_([int(i) for i in ids[chunk:chunk + _CHUNK]])))
    events = [_seed_event(row, refs, claims) for row, claims in with_claims(session, rows)]
    events += [_seed_event(row, refs, claims) for row, claims in with_claims(session, _invoked_agreements(session,
                                                                                                        refs))]
    records = _referenced_records(session, refs)
    return {"format": SEED_FORMAT, "sources": records["sources"], "actors": records["actors"],
            "places": records["places"], "events": events}


# libyaml's emitter when PyYAML has it (several times faster); the pure-Python one otherwise. Both write
# text that the safe loader reads back exactly (see the round-trip property test).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _yaml_text(value: object) -> str:
    text: str = yaml.dump(value, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, default_flow_style=False,
                          width=100)
    return text


def write_yaml(events: Iterable[Mapping[str, Any]], session: Session, out: TextIO,
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
        for row, claims in with_claims(session, events):
            spool.write(_yaml_text([_seed_event(row, refs, claims)]))
            count += 1
            if progress is not None and count % 100 == 0:
                progress(count)
        selected = count
        for row, claims in with_claims(session, _invoked_agreements(session, refs)):
            if count == selected:
                spool.write(_ADDED_COMMENT if row["slug"] in refs.invoked else _ADDED_COMMENT_RELATED)
            spool.write(_yaml_text([_seed_event(row, refs, claims)]))
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
