"""The ORM classes of the write path, mapped onto the Core tables of `schema.py` (one definition of the schema).

Commands that edit single records (add, edit, remove, import) work with these classes and their relationships;
the read path selects columns from `schema`'s tables directly and never imports this module, which saves the
ORM's start-up (≈0.1 s) on every query. Each class maps its table (`__table__ = schema.events`; its name
stays in `__tablename__` as on any declarative class), and the annotations below only type the mapped
attributes: the columns, constraints and indexes are declared once, in `schema.py`. Meetings and agreements
are joined-table subclasses of Event (see `schema.py`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from relations_db.domain.dates import display
from relations_db.store import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class Source(Base):
    """A work — book, article, archive file, newspaper issue — stored once and cited many times."""

    __tablename__ = "sources"
    __table__ = schema.sources

    id: Mapped[int]
    key: Mapped[str]
    kind: Mapped[str]
    author: Mapped[str | None]
    title: Mapped[str]
    year: Mapped[int | None]
    container: Mapped[str | None]
    volume: Mapped[str | None]
    issue: Mapped[str | None]
    pages: Mapped[str | None]
    publisher: Mapped[str | None]
    place: Mapped[str | None]
    url: Mapped[str | None]
    doi: Mapped[str | None]
    fund: Mapped[str | None]
    file: Mapped[str | None]
    note: Mapped[str | None]
    csl_type: Mapped[str | None]
    issued: Mapped[str | None]
    accessed: Mapped[str | None]
    collection: Mapped[str | None]
    genre: Mapped[str | None]
    edition: Mapped[str | None]
    number: Mapped[str | None]
    isbn: Mapped[str | None]
    issn: Mapped[str | None]
    language: Mapped[str | None]
    archive: Mapped[str | None]
    archive_place: Mapped[str | None]
    archive_location: Mapped[str | None]
    extra: Mapped[str | None]
    short: Mapped[str]

    creators: Mapped[list[SourceCreator]] = relationship(
        back_populates="source", cascade="all, delete-orphan", order_by="SourceCreator.position"
    )


class SourceCreator(Base):
    """One name of a source in its role: a person's family and given names, or an institution's literal name."""

    __tablename__ = "source_creators"
    __table__ = schema.source_creators

    id: Mapped[int]
    source_id: Mapped[int]
    position: Mapped[int]
    role: Mapped[str]
    family: Mapped[str | None]
    given: Mapped[str | None]
    suffix: Mapped[str | None]
    literal: Mapped[str | None]

    source: Mapped[Source] = relationship(back_populates="creators")


class Actor(Base):
    """A person, state, party, government body, military command or organisation."""

    __tablename__ = "actors"
    __table__ = schema.actors

    id: Mapped[int]
    name: Mapped[str]
    name_folded: Mapped[str]
    kind: Mapped[str]
    description: Mapped[str | None]

    aliases: Mapped[list[ActorAlias]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", order_by="ActorAlias.id"
    )
    participations: Mapped[list[Participation]] = relationship(back_populates="actor")


class ActorAlias(Base):
    """Another spelling of an actor's name, as a user may type it or a source prints it."""

    __tablename__ = "actor_aliases"
    __table__ = schema.actor_aliases

    id: Mapped[int]
    actor_id: Mapped[int]
    name: Mapped[str]
    folded: Mapped[str]

    actor: Mapped[Actor] = relationship(back_populates="aliases")


class Place(Base):
    """Where an event happened."""

    __tablename__ = "places"
    __table__ = schema.places

    id: Mapped[int]
    name: Mapped[str]
    name_folded: Mapped[str]
    country: Mapped[str | None]

    aliases: Mapped[list[PlaceAlias]] = relationship(
        back_populates="place", cascade="all, delete-orphan", order_by="PlaceAlias.id"
    )


class PlaceAlias(Base):
    """Another spelling of a place name (Vlora, Vlore, Valona for Vlorë)."""

    __tablename__ = "place_aliases"
    __table__ = schema.place_aliases

    id: Mapped[int]
    place_id: Mapped[int]
    name: Mapped[str]
    folded: Mapped[str]

    place: Mapped[Place] = relationship(back_populates="aliases")


class Event(Base):
    """Something that happened, at a possibly fuzzy time (an EDTF date with its earliest and latest day)."""

    __tablename__ = "events"
    __table__ = schema.events

    id: Mapped[int]
    slug: Mapped[str]
    kind: Mapped[str]
    date: Mapped[str]
    start_day: Mapped[int | None]
    end_day: Mapped[int | None]
    start_kind: Mapped[str | None]
    end_kind: Mapped[str | None]
    start_iso: Mapped[str | None]
    end_iso: Mapped[str | None]
    precision: Mapped[str]
    approximate: Mapped[bool]
    uncertain: Mapped[bool]
    title: Mapped[str]
    summary: Mapped[str | None]
    type: Mapped[str | None]
    tone: Mapped[int | None]
    tone_note: Mapped[str | None]
    place_id: Mapped[int | None]
    disputed: Mapped[bool]
    date_display: Mapped[str | None]
    sources_cell: Mapped[str | None]
    notes_cell: Mapped[str | None]

    place: Mapped[Place | None] = relationship()
    participations: Mapped[list[Participation]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Participation.id"
    )
    citations: Mapped[list[Citation]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Citation.id"
    )
    invokes: Mapped[list[Agreement]] = relationship(
        secondary="agreement_invocations",
        primaryjoin="Event.id == AgreementInvocation.event_id",
        secondaryjoin="Agreement.id == AgreementInvocation.agreement_id",
        order_by="Event.start_day.nulls_first()",
    )

    claims: Mapped[list[Claim]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Claim.id", passive_deletes=True,
        foreign_keys="Claim.event_id",
    )

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "event"}


@orm_event.listens_for(Event.date, "set", propagate=True)
def _show_date(target: Event, value: Any, _old: Any, _initiator: Any) -> None:
    """Whoever sets an event's date sets the date as a reader sees it (the CSV's stored `date_display`): no
    write path can leave it behind. (Core statements that write `date` set it themselves.)"""
    target.date_display = display(value) if isinstance(value, str) else None


class Meeting(Event):
    """An event where actors met: a visit, congress, conference, reception."""

    __tablename__ = "meetings"
    __table__ = schema.meetings

    format: Mapped[str | None]
    outcome: Mapped[str | None]

    __mapper_args__ = {"polymorphic_identity": "meeting"}


class Agreement(Event):
    """An event that is a signed or announced accord: treaty, credit, base agreement."""

    __tablename__ = "agreements"
    __table__ = schema.agreements

    status: Mapped[str | None]
    subject: Mapped[str | None]

    __mapper_args__ = {"polymorphic_identity": "agreement"}


class AgreementInvocation(Base):
    """An event that invokes an agreement (the 1961 dispute over Vlora invokes the 1957 and 1959 accords)."""

    __tablename__ = "agreement_invocations"
    __table__ = schema.agreement_invocations

    event_id: Mapped[int]
    agreement_id: Mapped[int]


class Participation(Base):
    """An actor's part in an event, with its role (host, guest, delegate, signatory, target…)."""

    __tablename__ = "participations"
    __table__ = schema.participations

    id: Mapped[int]
    event_id: Mapped[int]
    actor_id: Mapped[int]
    role: Mapped[str | None]

    event: Mapped[Event] = relationship(back_populates="participations")
    actor: Mapped[Actor] = relationship(back_populates="participations")


class Citation(Base):
    """One claim's support: where in a source, what it says, how sure.

    A second-hand citation (the paper quoting an archive file) names the archive file as `source`, the paper as
    `cited_in`, and the paper's sentence as `quote`; `cited_in_locator` is the page of the paper.
    """

    __tablename__ = "citations"
    __table__ = schema.citations

    id: Mapped[int]
    event_id: Mapped[int]
    source_id: Mapped[int]
    locator: Mapped[str | None]
    quote: Mapped[str | None]
    cited_as: Mapped[str | None]
    cited_in_id: Mapped[int | None]
    cited_in_locator: Mapped[str | None]
    confidence: Mapped[int]
    note: Mapped[str | None]

    event: Mapped[Event] = relationship(back_populates="citations")
    source: Mapped[Source] = relationship(foreign_keys=[schema.citations.c.source_id])
    cited_in: Mapped[Source | None] = relationship(foreign_keys=[schema.citations.c.cited_in_id])


class EventSearch(Base):
    """The text that full-text search reads for one event: title, summary and every quotation (see
    `schema.event_search`; kept by `write.search_index`)."""

    __tablename__ = "event_search"
    __table__ = schema.event_search

    event_id: Mapped[int]
    body: Mapped[str]
    title_terms: Mapped[str]
    summary_terms: Mapped[str]
    quote_terms: Mapped[str]


class RetiredSlug(Base):
    """The slug of an event merged into another: it still resolves, to the event that absorbed it."""

    __tablename__ = "retired_slugs"
    __table__ = schema.retired_slugs

    slug: Mapped[str]
    event_id: Mapped[int]


class RetiredKey(Base):
    """The key of a source merged into another: it still resolves, to the source that absorbed it."""

    __tablename__ = "retired_keys"
    __table__ = schema.retired_keys

    key: Mapped[str]
    source_id: Mapped[int]


class Claim(Base):
    """One statement about an event (it happened, its date, a participant, its place), with its rank and reason."""

    __tablename__ = "claims"
    __table__ = schema.claims

    id: Mapped[int]
    event_id: Mapped[int]
    kind: Mapped[str]
    date: Mapped[str | None]
    start_day: Mapped[int | None]
    end_day: Mapped[int | None]
    participation_id: Mapped[int | None]
    place_id: Mapped[int | None]
    rank: Mapped[str]
    reason: Mapped[str | None]
    own: Mapped[bool]
    other_event_id: Mapped[int | None]
    at_least: Mapped[str | None]
    at_most: Mapped[str | None]

    event: Mapped[Event] = relationship(back_populates="claims", foreign_keys=[schema.claims.c.event_id])
    other_event: Mapped[Event | None] = relationship(foreign_keys=[schema.claims.c.other_event_id])
    participation: Mapped[Participation | None] = relationship()
    place: Mapped[Place | None] = relationship()
    links: Mapped[list[ClaimCitation]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", passive_deletes=True
    )


@orm_event.listens_for(Claim, "before_insert")
def _numbered_above_own(_mapper: Any, connection: Any, target: Claim) -> None:
    """A new claim is numbered after every claim there is, from 1 up. SQLite numbers a row one above the largest
    id in the table, which may be an own claim's negative id (`vocab.own_claim_id`) — and so another own
    claim's; PostgreSQL's sequence is not affected. (Claims are written one command at a time: `BEGIN
    IMMEDIATE` keeps two SQLite writers from numbering at once; the connection's `claims_numbered` covers several
    claims in one flush, which are numbered before any is inserted.)"""
    if target.id is not None or connection.dialect.name != "sqlite":
        return
    largest = connection.exec_driver_sql("SELECT max(id) FROM claims").scalar() or 0
    target.id = max(largest, connection.info.get("claims_numbered", 0), 0) + 1
    connection.info["claims_numbered"] = target.id


class ClaimCitation(Base):
    """A citation that supports or disputes one claim (the event's own citations support its claims unlinked)."""

    __tablename__ = "claim_citations"
    __table__ = schema.claim_citations

    claim_id: Mapped[int]
    citation_id: Mapped[int]
    stance: Mapped[str]

    claim: Mapped[Claim] = relationship(back_populates="links")
    citation: Mapped[Citation] = relationship()


class DisputedSpan(Base):
    """One best-ranked date span of a disputed event, for the date filters."""

    __tablename__ = "disputed_spans"
    __table__ = schema.disputed_spans

    claim_id: Mapped[int]
    event_id: Mapped[int]
    start_day: Mapped[int | None]
    end_day: Mapped[int | None]
