"""The tables, defined once as SQLAlchemy Core `Table`s, with one naming convention for every constraint.

The read path (`relations_db.read`) selects columns from these tables without loading the ORM, which
costs about a tenth of a second at start-up; the write path maps its classes onto the same tables
(`models.py`, `__table__ = schema.events`), so there is one definition of the schema, and Alembic's
autogenerate comparison reads it through `models.Base.metadata` (the same `metadata` object as here).

Meetings and agreements are kinds of event, stored with joined-table inheritance: every event has one row in
`events` (so the chronology, filters and sorting read one table), and a meeting or agreement adds one row in
`meetings` / `agreements` for the fields only it has. Constraints that protect the data live in the database
(start ≤ end, confidence 0–4, tone −10…10, unique keys, foreign keys); the rule "no event without a citation"
spans two tables and is enforced by the write layer before a write completes (`write.checks`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from relations_db.domain.vocab import (
    ACTOR_KINDS,
    CLAIM_KINDS,
    CLAIM_RANKS,
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    CREATOR_ROLES,
    EVENT_KINDS,
    RELATIVE_CLAIMS,
    SOURCE_KINDS,
    STANCES,
    TONE_MAX,
    TONE_MIN,
)

# One naming convention, so every constraint has a stable name that migrations can refer to on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



def _end_kind(end: str) -> str:
    """The CHECK text of an end: either a day with its ISO text, or neither and a kind, 'open' or 'unknown'
    (spelled without a NULL result, which a CHECK would pass)."""
    return (f"({end}_day IS NULL AND {end}_iso IS NULL AND {end}_kind IS NOT NULL "
            f"AND {end}_kind IN ('open', 'unknown')) "
            f"OR ({end}_day IS NOT NULL AND {end}_iso IS NOT NULL AND {end}_kind IS NULL)")


def one_of(values: tuple[str, ...]) -> str:
    """The CHECK text that keeps a `kind` column within one of the vocabulary's tuples."""
    return f"kind IN {values!r}"


def any_of(column: str, values: tuple[str, ...]) -> str:
    """The CHECK text that keeps `column` within `values`, spelled `column = 'a' OR column = 'b' …`: SQLite (3.40)
    evaluates a CHECK's `IN (…)` list at about four times the cost, which a bulk import of claims (several rows
    per event) would pay on every row."""
    return " OR ".join(f"{column} = '{value}'" for value in values)


metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Column:
    return Column("id", Integer, primary_key=True)


def _required(name: str, *args, **kw) -> Column:
    return Column(name, *args, nullable=False, **kw)


def _optional(name: str, *args, **kw) -> Column:
    return Column(name, *args, nullable=True, **kw)


# A work — book, article, archive file, newspaper issue — stored once and cited many times.
sources = Table(
    "sources", metadata,
    _id(),
    _required("key", String(100), unique=True),
    _required("kind", String(20)),
    _optional("author", String(300)),
    _required("title", Text),
    _optional("year", Integer),
    _optional("container", Text),
    _optional("volume", String(50)),
    _optional("issue", String(50)),
    _optional("pages", String(50)),
    _optional("publisher", String(300)),
    _optional("place", String(200)),
    _optional("url", Text),
    _optional("doi", String(200)),
    _optional("fund", String(100)),
    _optional("file", String(100)),
    _optional("note", Text),
    # The fields modelled on CSL-JSON's variables (migration 0008; `domain.csl` maps each to its variable). The
    # dates are EDTF text ('1953-08-03'); `year` above is the year of `issued`, and `author` the authors'
    # names as one string ('Duka, V.'), both kept by the write layer from these so that short forms, CSV
    # imports and the JSON shape stay as they were. `extra` is a JSON object of imported fields with no CSL
    # variable, kept verbatim and written back on export.
    _optional("csl_type", String(40)),
    _optional("issued", String(60)),
    _optional("accessed", String(60)),
    _optional("collection", Text),
    _optional("genre", String(200)),
    _optional("edition", String(100)),
    _optional("number", String(100)),
    _optional("isbn", String(200)),
    _optional("issn", String(200)),
    _optional("language", String(50)),
    _optional("archive", String(300)),
    _optional("archive_place", String(200)),
    _optional("archive_location", String(300)),
    _optional("extra", Text),
    # The author–year form ("Duka 2007", "Hoxha 1980a"), kept by write.records.refresh_short_forms so that
    # exports and CSV imports can use it without recomputing the disambiguation letters.
    _required("short", String(400), index=True),
    CheckConstraint(one_of(SOURCE_KINDS), name="kind"),
)

# The names of a source, in order, each in its CSL role (author, editor, translator…): a person's family and
# given names (and suffix), or an institution's literal name — exactly one of `family` and `literal`.
source_creators = Table(
    "source_creators", metadata,
    _id(),
    _required("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), index=True),
    _required("position", Integer),
    _required("role", String(30)),
    _optional("family", String(300)),
    _optional("given", String(300)),
    _optional("suffix", String(50)),
    _optional("literal", String(300)),
    UniqueConstraint("source_id", "position"),
    CheckConstraint("(literal IS NOT NULL AND family IS NULL AND given IS NULL AND suffix IS NULL) "
                    "OR (literal IS NULL AND family IS NOT NULL)", name="one_name"),
    CheckConstraint(f"role IN {CREATOR_ROLES!r}", name="role"),
)

# A person, state, party, government body, military command or organisation.
actors = Table(
    "actors", metadata,
    _id(),
    _required("name", String(300), unique=True),
    _required("name_folded", String(300), index=True),
    _required("kind", String(20)),
    _optional("description", Text),
    CheckConstraint(one_of(ACTOR_KINDS), name="kind"),
)

# Another spelling of an actor's name, as a user may type it or a source prints it.
actor_aliases = Table(
    "actor_aliases", metadata,
    _id(),
    _required("actor_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), index=True),
    _required("name", String(300)),
    _required("folded", String(300), index=True),
    UniqueConstraint("actor_id", "folded"),
)

# Where an event happened.
places = Table(
    "places", metadata,
    _id(),
    _required("name", String(300), unique=True),
    _required("name_folded", String(300), index=True),
    _optional("country", String(200)),
)

# Another spelling of a place name (Vlora, Vlore, Valona for Vlorë).
place_aliases = Table(
    "place_aliases", metadata,
    _id(),
    _required("place_id", Integer, ForeignKey("places.id", ondelete="CASCADE"), index=True),
    _required("name", String(300)),
    _required("folded", String(300), index=True),
    UniqueConstraint("place_id", "folded"),
)

# Something that happened, at a possibly fuzzy time (an EDTF date with its earliest and latest day).
events = Table(
    "events", metadata,
    _id(),
    _required("slug", String(120), unique=True),
    _required("kind", String(20), default="event"),
    _required("date", String(60)),
    # The earliest and latest day as proleptic Gregorian day numbers (0001-01-01 is 1, 44 BC below 0), written by
    # domain.dates with their ISO text beside them (no SQL computes a calendar date); an open or unknown end is a
    # NULL day whose kind says which. A text kind rather than two booleans: one column per end cannot say
    # "open" and "unknown" at once, and it reads as it is printed (JSON `end_kind`).
    _optional("start_day", BigInteger),
    _optional("end_day", BigInteger),
    _optional("start_kind", String(10)),
    _optional("end_kind", String(10)),
    _optional("start_iso", String(24)),
    _optional("end_iso", String(24)),
    _required("precision", String(20)),
    _required("approximate", Boolean, default=False),
    _required("uncertain", Boolean, default=False),
    _required("title", Text),
    _optional("summary", Text),
    _optional("type", String(50), index=True),  # NULL: not classified (yet)
    _optional("tone", SmallInteger),
    _optional("tone_note", Text),  # the basis of the tone: a rule or the passage it rests on
    _optional("place_id", Integer, ForeignKey("places.id", ondelete="SET NULL"), index=True),
    # Two best-ranked date claims with disjoint spans (write.claims): the days above are then their hull, and
    # `disputed_spans` holds the spans themselves for the date filters.
    _required("disputed", Boolean, default=False, server_default=false()),
    # The CSV's derived cells, made in Python by the one rule of each — the date as a reader sees it
    # (domain.dates.display), the sources and the notes (domain.citing.evidence_cells) — whenever the event's
    # date, a citation of it or a cited source's short form changes (write.event_cells), so that an export reads
    # them as they are instead of making them for every row (migration 0012). NULL: not made yet (a database
    # just upgraded, until `db upgrade` has filled them); an export then takes its general way.
    _optional("date_display", Text),
    _optional("sources_cell", Text),
    _optional("notes_cell", Text),
    CheckConstraint("start_day <= end_day", name="start_before_end"),
    CheckConstraint(_end_kind("start"), name="start_kind"),
    CheckConstraint(_end_kind("end"), name="end_kind"),
    CheckConstraint(f"tone IS NULL OR (tone >= {TONE_MIN} AND tone <= {TONE_MAX})", name="tone_range"),
    CheckConstraint(one_of(EVENT_KINDS), name="kind"),
    # The indexes over the days are hand-written, per backend, in migrations/versions/0004_day_numbers.py: the
    # date order (start NULLS FIRST, end NULLS LAST, id), the partial indexes by length of span and those of
    # the open or unknown ends (read.filters spells the conditions they serve).
)

# An event where actors met: a visit, congress, conference, reception.
meetings = Table(
    "meetings", metadata,
    Column("id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    _optional("format", String(50)),
    _optional("outcome", Text),
)

# An event that is a signed or announced accord: treaty, credit, base agreement.
agreements = Table(
    "agreements", metadata,
    Column("id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    _optional("status", String(50)),
    _optional("subject", Text),
)

# An event that invokes an agreement (the 1961 dispute over Vlora invokes the 1957 and 1959 accords).
agreement_invocations = Table(
    "agreement_invocations", metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("agreement_id", Integer, ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# An actor's part in an event, with its role (host, guest, delegate, signatory, target…).
participations = Table(
    "participations", metadata,
    _id(),
    _required("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE")),
    _required("actor_id", Integer, ForeignKey("actors.id", ondelete="RESTRICT")),
    _optional("role", String(50)),
    UniqueConstraint("event_id", "actor_id", "role"),
    # An actor's events from the index alone (the unique constraint serves lookups by event).
    Index("ix_participations_actor_id_event_id", "actor_id", "event_id"),
)

# One claim's support: where in a source, what it says, how sure. A second-hand citation (the paper quoting an
# archive file) names the archive file as `source_id`, the paper as `cited_in_id`, and the paper's sentence as
# `quote`; `cited_in_locator` is the page of the paper.
citations = Table(
    "citations", metadata,
    _id(),
    _required("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True),
    _required("source_id", Integer, ForeignKey("sources.id", ondelete="RESTRICT"), index=True),
    _optional("locator", String(200)),
    _optional("quote", Text),
    _optional("cited_as", String(300)),
    _optional("cited_in_id", Integer, ForeignKey("sources.id", ondelete="RESTRICT"), index=True),
    _optional("cited_in_locator", String(200)),
    _required("confidence", SmallInteger, default=2),
    _optional("note", Text),
    CheckConstraint(f"confidence >= {CONFIDENCE_MIN} AND confidence <= {CONFIDENCE_MAX}", name="confidence_range"),
)

# The text that full-text search reads for one event: title, summary and every quotation (`body`, for
# snippets), and the search form (`domain.words.search_form`) of the title, the summary and the quotations.
# Kept by the write layer on every write (`write.search_index`). On SQLite an FTS5 index (`events_fts`,
# `content="event_search"`, created by migration 0006 with triggers on this table) indexes the three; on
# PostgreSQL a GIN index over their weighted tsvector (`search_vector`, a generated column) does.
event_search = Table(
    "event_search", metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    _required("body", Text),
    _required("title_terms", Text),
    _required("summary_terms", Text),
    _required("quote_terms", Text),
)

# The slug of an event merged into another (`merge event A B`: B's slug → A), so that an old slug in a note, a link
# or a CSV still finds the event; a slug here is never an event's own (write.merge checks both ways).
retired_slugs = Table(
    "retired_slugs", metadata,
    _required("slug", String(120), primary_key=True),
    _required("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True),
)

# The key of a source merged into another (`merge source A B`: B's key → A), kept resolving likewise.
retired_keys = Table(
    "retired_keys", metadata,
    _required("key", String(100), primary_key=True),
    _required("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), index=True),
)

# One statement about an event, with its rank: that it happened, its date, a participant, its place (the
# relative kinds before/after/during name another event, `other_event_id`, and may bound the gap of a before/after
# claim, `at_least`/`at_most`, as written: "3M"). A date claim keeps its EDTF text and day numbers as events do
# (NULL for an open or unknown end); a participant claim is the participation it ranks (the actor and role stay
# in `participations`, so merges and edits of actors carry it along); a place claim names its place.
claims = Table(
    "claims", metadata,
    _id(),
    _required("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True),
    _required("kind", String(20)),
    _optional("date", String(60)),
    _optional("start_day", BigInteger),
    _optional("end_day", BigInteger),
    _optional("participation_id", Integer, ForeignKey("participations.id", ondelete="CASCADE"), unique=True),
    _optional("place_id", Integer, ForeignKey("places.id", ondelete="CASCADE")),
    _required("rank", String(12), default="normal", server_default="normal"),
    _optional("reason", Text),
    # The event's own claim (its date, place or a participant): the event's citations that link to no claim
    # support it. While it says no more than the event, it has no row (`store.own_claims`, migration 0013). A
    # claim made by `add claim` has its evidence in `claim_citations`.
    _required("own", Boolean, default=False, server_default=false()),
    # Relative dating (migration 0010): the event a before/after/during claim names; a removed event takes
    # its relative claims with it (write.maintain says so first).
    _optional("other_event_id", Integer, ForeignKey("events.id", ondelete="CASCADE")),
    _optional("at_least", String(20)),
    _optional("at_most", String(20)),
    CheckConstraint(any_of("kind", CLAIM_KINDS), name="kind"),
    CheckConstraint(any_of("rank", CLAIM_RANKS), name="rank"),
    CheckConstraint("kind != 'date' OR date IS NOT NULL", name="date_has_text"),
    CheckConstraint("start_day <= end_day", name="start_before_end"),
    CheckConstraint(f"NOT ({any_of('kind', RELATIVE_CLAIMS)}) OR other_event_id IS NOT NULL",
                    name="relative_names_event"),
)
# Most claims leave `place_id` and `other_event_id` NULL (an event's own date and participant claims): their
# indexes hold only the rows that name something, so that those claims add no entry an import pays for and no
# look-up reads (migration 0011). On PostgreSQL the unique rule on `participation_id` is a partial unique index
# of the same name, for the same reason (db.HAND_WRITTEN_INDEXES).
for _column in (claims.c.place_id, claims.c.other_event_id):
    Index(f"ix_claims_{_column.name}", _column, sqlite_where=_column.isnot(None), postgresql_where=_column.isnot(None))

# The events whose CSV cells are not made yet (the three are written together): none, once `db upgrade` has
# filled them, so that the export's question "are there any?" reads an empty index (migration 0012).
CELLS_MISSING = events.c.notes_cell.is_(None)
Index("ix_events_cells_missing", events.c.id, sqlite_where=CELLS_MISSING, postgresql_where=CELLS_MISSING)

# A citation that speaks to one claim: it supports or disputes it. Citations written with their event (`add
# event`, the migration of older databases) support the event's own claims without a row here, so that a
# million events do not become five million links.
claim_citations = Table(
    "claim_citations", metadata,
    Column("claim_id", Integer, ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    Column("citation_id", Integer, ForeignKey("citations.id", ondelete="CASCADE"), primary_key=True, index=True),
    _required("stance", String(10), default="supports", server_default="supports"),
    CheckConstraint(any_of("stance", STANCES), name="stance"),
)

# The best-ranked date spans of each disputed event (write.claims keeps them): a date filter lists a disputed
# event when one of these overlaps the range, not when only their hull does (1959 or 1961 is not 1960).
disputed_spans = Table(
    "disputed_spans", metadata,
    Column("claim_id", Integer, ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    _required("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True),
    _optional("start_day", BigInteger),
    _optional("end_day", BigInteger),
)
