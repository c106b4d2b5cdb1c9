"""A small chronology for the write-side tests, and a snapshot of a database to compare two of them.

`SAMPLE` has two sources (one second-hand citation), actors with aliases and accents, a place with aliases,
a meeting, an agreement and an event that invokes it. `snapshot` reads everything an event is — with the
sources, actors and places it uses — by keys and names, never ids, so that two databases can be compared.
"""

from __future__ import annotations

import textwrap

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

SAMPLE = textwrap.dedent("""\
    format: relations-db/seed 1
    sources:
      - key: lala-2014
        kind: article
        author: Lala, Brisejda
        title: Disruption of Albanian-Soviet Relations
        year: 2014
        volume: "3"
      - key: duka-2007
        kind: book
        author: Duka, V.
        title: Albanian History 1912-2000
        year: 2007
        publisher: Shblu
    actors:
      - name: Soviet Union
        kind: state
        aliases: [SU, USSR]
      - name: Albania
        kind: state
      - name: Nikita Khrushchev
        kind: person
        description: First Secretary of the CPSU
        aliases: [Hrushov, Hrusshov]
      - name: Andrei Grechko
        kind: person
        aliases: [Grečko, Grecko]
      - name: Enver Hoxha
        kind: person
    places:
      - name: Vlorë
        country: Albania
        aliases: [Vlora, Valona]
      - name: Moscow
    events:
      - slug: 1957-09-12-base-agreement
        kind: agreement
        date: 1957-09-12
        title: Agreement on the Vlorë base
        type: agreement
        tone: 6
        agreement: {status: disputed, subject: the submarine base}
        participants:
          - {actor: Albania, role: party}
          - {actor: Soviet Union, role: party}
        citations:
          - source: lala-2014
            locator: p. 343
            quote: the agreements of 12 September 1957
      - slug: 1959-05-khrushchev-visits-albania
        kind: meeting
        date: 1959-05~
        title: Khrushchev visits Albania
        summary: A state visit.
        type: visit
        tone: 7
        place: Vlora
        meeting: {format: visit, outcome: friendly words}
        participants:
          - {actor: Hrushov, role: guest}
          - {actor: Enver Hoxha, role: host}
        citations:
          - source: lala-2014
            locator: p. 341
            quote: Khrushchev came to Albania in May 1959
            confidence: 3
      - slug: 1961-06-04-submarines-leave-vlora
        date: 1961-06-04
        title: Soviet submarines leave Vlorë
        type: military
        tone: -9
        place: Vlorë
        invokes: [1957-09-12-base-agreement]
        participants:
          - {actor: USSR, role: initiator}
          - {actor: Albania, role: target}
        citations:
          - source: lala-2014
            locator: p. 343
            quote: 8, out of 12, submarines
      - slug: 1961-12-03-break
        date: 1961-12-03
        title: The Soviet Union breaks off relations
        type: break
        tone: -10
        participants:
          - {actor: Soviet Union, role: initiator}
          - {actor: Albania, role: target}
        citations:
          - source: duka-2007
            cited_as: (Duka, 2007)
            cited_in: lala-2014
            cited_in_locator: p. 343
            quote: on 3 December 1961, the Soviet Union has ended the relations with Albania
            confidence: 3
    """)


def load(engine, text: str = SAMPLE) -> None:
    """Load seed-format YAML (default: SAMPLE) into a migrated database."""
    from relations_db.formats.seed.apply import load_seed_text
    from relations_db.store import db

    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, text)


def counts(engine) -> dict[str, int]:
    """Rows in every table (of those the database has: one migrated down lacks the newer ones): what a refused
    write must leave exactly as it was."""
    from sqlalchemy import inspect

    from relations_db.store import db
    from relations_db.store.models import Base

    present = set(inspect(engine).get_table_names())
    with db.session_scope(engine) as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name in present}


def _claims(session, event) -> list[tuple]:
    """The event's claims, each with its value, rank, reason and links (citations by their position in the
    event's), in an order that does not depend on ids."""
    from relations_db.store.models import Claim, ClaimCitation

    position = {c.id: i for i, c in enumerate(sorted(event.citations, key=lambda c: c.id))}
    found = []
    for claim in session.scalars(select(Claim).where(Claim.event_id == event.id)):
        part = claim.participation
        links = sorted((position[link.citation_id], link.stance) for link in session.scalars(
            select(ClaimCitation).where(ClaimCitation.claim_id == claim.id)))
        found.append((claim.kind, claim.own, claim.date or "", claim.start_day or 0, claim.end_day or 0,
                      claim.place.name if claim.place else "", part.actor.name if part else "",
                      (part.role or "") if part else "", claim.other_event.slug if claim.other_event else "",
                      claim.at_least or "", claim.at_most or "", claim.rank, claim.reason or "", links))
    return sorted(found)


def snapshot(session, slugs: set[str] | None = None) -> dict:
    """Everything about the events (all, or those with `slugs`) and the sources, actors, places they use."""
    from relations_db.store.models import Actor, Citation, Event, Participation

    stmt = select(Event).order_by(Event.slug).options(
        selectinload(Event.participations).selectinload(Participation.actor).selectinload(Actor.aliases),
        selectinload(Event.citations).selectinload(Citation.source),
        selectinload(Event.citations).selectinload(Citation.cited_in),
        selectinload(Event.place), selectinload(Event.invokes))
    events, sources, actors, places = {}, {}, {}, {}
    for e in session.scalars(stmt):
        if slugs is not None and e.slug not in slugs:
            continue
        details = ((e.format, e.outcome) if e.kind == "meeting" else (e.status, e.subject) if e.kind == "agreement"
                   else None)
        events[e.slug] = {
            "kind": e.kind, "date": e.date, "start": e.start_iso, "end": e.end_iso,
            "start_kind": e.start_kind, "end_kind": e.end_kind, "precision": e.precision,
            "approximate": e.approximate, "uncertain": e.uncertain, "title": e.title, "summary": e.summary,
            "type": e.type, "tone": e.tone, "place": e.place.name if e.place else None, "details": details,
            "invokes": sorted(a.slug for a in e.invokes),
            "actors": [(p.actor.name, p.role) for p in e.participations],
            "citations": [(c.source.key, c.locator, c.quote, c.cited_as, c.cited_in.key if c.cited_in else None,
                           c.cited_in_locator, c.confidence, c.note) for c in e.citations],
            "disputed": e.disputed, "claims": _claims(session, e),
        }
        for c in e.citations:
            for s in filter(None, (c.source, c.cited_in)):
                sources[s.key] = {k: v for k, v in vars(s).items() if not k.startswith("_") and k != "id"}
        for p in e.participations:
            actors[p.actor.name] = (p.actor.kind, p.actor.description, sorted(a.name for a in p.actor.aliases))
        if e.place is not None:
            places[e.place.name] = (e.place.country, sorted(a.name for a in e.place.aliases))
    return {"events": events, "sources": sources, "actors": actors, "places": places}


def without_the_seeds_claims(engine) -> None:
    """The seed as the schema before claims held it: no claim beyond the events' own (the seed's format-5 claims,
    which a downgrade would drop, removed with the participations they add), no rank, reason or link."""
    with engine.begin() as conn:
        added = [p for (p,) in conn.execute(text("SELECT participation_id FROM claims WHERE NOT own AND "
                                                 "participation_id IS NOT NULL"))]
        conn.execute(text("DELETE FROM claim_citations"))
        conn.execute(text("DELETE FROM claims WHERE NOT own"))
        for participation in added:
            conn.execute(text("DELETE FROM participations WHERE id = :p"), {"p": participation})
        conn.execute(text("UPDATE claims SET rank = 'normal', reason = NULL"))
