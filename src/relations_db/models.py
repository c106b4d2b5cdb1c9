"""The schema: SQLAlchemy 2.x typed models, with one naming convention for every constraint.

Meetings and agreements are kinds of event, stored with joined-table inheritance: every event has one row in
`events` (so the chronology, filters and sorting read one table), and a meeting or agreement adds one row in
`meetings` / `agreements` for the fields only it has. Constraints that protect the data live in the database
(start ≤ end, confidence 0–4, tone −10…10, unique keys, foreign keys); the rule "no event without a citation"
spans two tables and is enforced by the service layer before a write completes (`services.py`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# One naming convention, so every constraint has a stable name that migrations can refer to on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

EVENT_KINDS = ("event", "meeting", "agreement")
ACTOR_KINDS = ("person", "state", "party", "government", "military", "organisation")
SOURCE_KINDS = ("book", "article", "chapter", "archive", "newspaper", "memoir", "report", "web", "other")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """A work — book, article, archive file, newspaper issue — stored once and cited many times."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    container: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(String(50))
    issue: Mapped[str | None] = mapped_column(String(50))
    pages: Mapped[str | None] = mapped_column(String(50))
    publisher: Mapped[str | None] = mapped_column(String(300))
    place: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(200))
    fund: Mapped[str | None] = mapped_column(String(100))
    file: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    # The author–year form ("Duka 2007", "Hoxha 1980a"), kept by services.refresh_short_forms so that
    # exports and CSV imports can use it without recomputing the disambiguation letters.
    short: Mapped[str] = mapped_column(String(400), index=True)

    __table_args__ = (
        CheckConstraint(f"kind IN {SOURCE_KINDS!r}", name="kind"),
    )


class Actor(Base):
    """A person, state, party, government body, military command or organisation."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    name_folded: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)

    aliases: Mapped[list[ActorAlias]] = relationship(
        back_populates="actor", cascade="all, delete-orphan", order_by="ActorAlias.id"
    )
    participations: Mapped[list[Participation]] = relationship(back_populates="actor")

    __table_args__ = (CheckConstraint(f"kind IN {ACTOR_KINDS!r}", name="kind"),)


class ActorAlias(Base):
    """Another spelling of an actor's name, as a user may type it or a source prints it."""

    __tablename__ = "actor_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    folded: Mapped[str] = mapped_column(String(300), index=True)

    actor: Mapped[Actor] = relationship(back_populates="aliases")

    __table_args__ = (UniqueConstraint("actor_id", "folded"),)


class Place(Base):
    """Where an event happened."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    name_folded: Mapped[str] = mapped_column(String(300), index=True)
    country: Mapped[str | None] = mapped_column(String(200))

    aliases: Mapped[list[PlaceAlias]] = relationship(
        back_populates="place", cascade="all, delete-orphan", order_by="PlaceAlias.id"
    )


class PlaceAlias(Base):
    """Another spelling of a place name (Vlora, Vlore, Valona for Vlorë)."""

    __tablename__ = "place_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    folded: Mapped[str] = mapped_column(String(300), index=True)

    place: Mapped[Place] = relationship(back_populates="aliases")

    __table_args__ = (UniqueConstraint("place_id", "folded"),)


class Event(Base):
    """Something that happened, at a possibly fuzzy time (an EDTF date with its earliest and latest day)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="event")
    date: Mapped[str] = mapped_column(String(60))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    precision: Mapped[str] = mapped_column(String(20))
    approximate: Mapped[bool] = mapped_column(default=False)
    uncertain: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(50), index=True)
    tone: Mapped[int | None] = mapped_column(SmallInteger)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"), index=True)

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
        order_by="Event.start_date",
    )

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "event"}
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="start_before_end"),
        CheckConstraint("tone IS NULL OR (tone >= -10 AND tone <= 10)", name="tone_range"),
        CheckConstraint(f"kind IN {EVENT_KINDS!r}", name="kind"),
        # The chronology is read in (start, end) order and every date filter is a range on these columns.
        Index("ix_events_start_date_end_date", "start_date", "end_date"),
    )


class Meeting(Event):
    """An event where actors met: a visit, congress, conference, reception."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str | None] = mapped_column(String(50))
    outcome: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"polymorphic_identity": "meeting"}


class Agreement(Event):
    """An event that is a signed or announced accord: treaty, credit, base agreement."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str | None] = mapped_column(String(50))
    subject: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"polymorphic_identity": "agreement"}


class AgreementInvocation(Base):
    """An event that invokes an agreement (the 1961 dispute over Vlora invokes the 1957 and 1959 accords)."""

    __tablename__ = "agreement_invocations"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Participation(Base):
    """An actor's part in an event, with its role (host, guest, delegate, signatory, target…)."""

    __tablename__ = "participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str | None] = mapped_column(String(50))

    event: Mapped[Event] = relationship(back_populates="participations")
    actor: Mapped[Actor] = relationship(back_populates="participations")

    __table_args__ = (UniqueConstraint("event_id", "actor_id", "role"),)


class Citation(Base):
    """One claim's support: where in a source, what it says, how sure.

    A second-hand citation (the paper quoting an archive file) names the archive file as `source`, the paper as
    `cited_in`, and the paper's sentence as `quote`; `cited_in_locator` is the page of the paper.
    """

    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"), index=True)
    locator: Mapped[str | None] = mapped_column(String(200))
    quote: Mapped[str | None] = mapped_column(Text)
    cited_as: Mapped[str | None] = mapped_column(String(300))
    cited_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    cited_in_locator: Mapped[str | None] = mapped_column(String(200))
    confidence: Mapped[int] = mapped_column(SmallInteger, default=2)
    note: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship(back_populates="citations")
    source: Mapped[Source] = relationship(foreign_keys=[source_id])
    cited_in: Mapped[Source | None] = relationship(foreign_keys=[cited_in_id])

    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 4", name="confidence_range"),
    )


class EventSearch(Base):
    """The text that full-text search reads for one event: title, summary and every quotation.

    Kept by the service layer on every write (`services.refresh_search`). On SQLite an FTS5 index
    (`events_fts`, created by the migration, with triggers on this table) indexes `body`; on PostgreSQL a GIN
    index over `to_tsvector('simple', folded)` does. `folded` is the case- and accent-folded body.
    """

    __tablename__ = "event_search"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)
