"""The catalogues beside the chronology: actors (with their aliases and how many events each is in, or one
actor's own chronology) and sources (in bibliography order with their citation counts, or one source's
citations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select

from relations_db.domain.vocab import SOURCE_LIST_FIELDS
from relations_db.read import names
from relations_db.read.assemble import check_actor_kind, like_pattern
from relations_db.read.bibliography import csl_items
from relations_db.read.events import events_statement, stream
from relations_db.read.filters import Resolved, actor_subset, date_order
from relations_db.read.rows import ActorProfile, ActorRow, EventRow, SourceCitation, SourceRow
from relations_db.read.tables import AA, AC, BATCH, CI, EV, PA, SO, connection, one_of, param

if TYPE_CHECKING:
    from sqlalchemy.engine import Row

    from relations_db.read.tables import Database


# --- actors -----------------------------------------------------------------------------------------------------


def actor_rows(db: Database, kind: str | None = None, search: str | None = None) -> list[ActorRow]:
    """Actors by name, each {name, kind, description, aliases, events}; `search` matches any part of a name
    or alias, case- and accent-insensitively; `kind` one of the actor kinds."""
    conn = connection(db)
    dialect = conn.dialect.name
    check_actor_kind(kind)
    stmt = actors_statement(kind or None, like_pattern(search) if search else None)
    by_id: dict[int, ActorRow] = {r.id: {"name": r.name, "kind": r.kind, "description": r.description,
                                         "aliases": [], "events": 0} for r in conn.execute(stmt)}
    for chunk in _chunks(list(by_id)):
        for row in conn.execute(aliases_statement(dialect, chunk)):
            by_id[row.actor_id]["aliases"].append(row.name)
        for actor_id, n in conn.execute(event_counts_statement(dialect, chunk)):
            by_id[actor_id]["events"] = n
    return list(by_id.values())


def actors_statement(kind: str | None, pattern: str | None) -> Select[Any]:
    """(id, name, kind, description) of the actors, by name: of `kind`, and whose name or an alias matches the
    LIKE `pattern` (`like_pattern`), when given."""
    stmt = select(AC.c.id, AC.c.name, AC.c.kind, AC.c.description).order_by(AC.c.name)
    if kind is not None:
        stmt = stmt.where(AC.c.kind == param("kind", kind))
    if pattern is not None:
        like = param("pattern", pattern)
        by_alias = select(AA.c.actor_id).where(AA.c.folded.like(like, escape="\\"))
        stmt = stmt.where(or_(AC.c.name_folded.like(like, escape="\\"), AC.c.id.in_(by_alias)))
    return stmt


def aliases_statement(dialect: str, actor_ids: list[int]) -> Select[Any]:
    """(actor id, alias) of these actors, in the order they were recorded."""
    return select(AA.c.actor_id, AA.c.name).where(one_of(dialect, AA.c.actor_id, "ids", actor_ids)).order_by(AA.c.id)


def event_counts_statement(dialect: str, actor_ids: list[int]) -> Select[Any]:
    """(actor id, number of events) of these actors (those in at least one)."""
    return (select(PA.c.actor_id, func.count(PA.c.event_id.distinct()))
            .where(one_of(dialect, PA.c.actor_id, "ids", actor_ids)).group_by(PA.c.actor_id))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i:i + BATCH]


def actor_profile(db: Database, name: str) -> ActorProfile:
    """One actor (any alias): {name, kind, description, aliases, events}, `events` being the actor's own
    chronology — a lazy iterator of event dicts, each with `roles`, the actor's roles in it."""
    conn = connection(db)
    actor = names.actor(conn, name)
    aliases = list(conn.execute(select(AA.c.name).where(AA.c.actor_id == actor.id).order_by(AA.c.id)).scalars())
    stmt = events_statement(conn, Resolved(None, [actor_subset(actor.id)], []), None)

    def chronology() -> Iterator[EventRow]:
        for event in stream(conn, stmt):
            event["roles"] = [a["role"] for a in event["actors"] if a["name"] == actor.name]
            yield event

    return {"name": actor.name, "kind": actor.kind, "description": actor.description, "aliases": aliases,
            "events": chronology()}


# --- sources ----------------------------------------------------------------------------------------------------


def _source_dict(row: Row) -> SourceRow:
    return {name: getattr(row, name) for name in SOURCE_LIST_FIELDS}


def source_rows(db: Database) -> list[SourceRow]:
    """Every source, in bibliography order (short form, then key), with `citations`: how many citations
    name it as their source or as the work that reports them (`cited_in`)."""
    conn = connection(db)
    rows = conn.execute(sources_list_statement()).all()
    counts: dict[int, int] = defaultdict(int)
    for statement in citation_counts_statements():
        for source_id, n in conn.execute(statement):
            counts[source_id] += n
    items = csl_items(conn)
    return [{**_source_dict(r), "csl": items[r.id], "citations": counts[r.id]} for r in rows]


def sources_list_statement() -> Select[Any]:
    """The fields of `vocab.SOURCE_LIST_FIELDS` and the id of every source, in bibliography order."""
    return select(*(SO.c[n] for n in SOURCE_LIST_FIELDS), SO.c.id).order_by(func.lower(SO.c.short), SO.c.key)


def citation_counts_statements() -> tuple[Select[Any], Select[Any]]:
    """(source id, how many citations name it): as their source, and as the work that reports them."""
    return tuple(select(c, func.count()).where(c.is_not(None)).group_by(c)  # type: ignore[return-value]
                 for c in (CI.c.source_id, CI.c.cited_in_id))


def source_profile(db: Database, ref: str) -> SourceRow:
    """One source (key or short form): its bibliography fields and `citations`, a lazy iterator over every
    citation that names it as source or as `cited_in` (`rows.SourceCitation`), in date order, each with its
    event {id, slug, date, title} and `as` ("source" or "cited_in")."""
    conn = connection(db)
    source = names.source(conn, ref)
    row = conn.execute(select(*(SO.c[n] for n in SOURCE_LIST_FIELDS)).where(SO.c.id == source.id)).one()
    src, cited_in = SO.alias("src"), SO.alias("cited_in")
    stmt = (select(EV.c.id, EV.c.slug, EV.c.date, EV.c.title, src.c.key, src.c.short, CI.c.locator, CI.c.quote,
                   CI.c.cited_as, cited_in.c.key.label("in_key"), cited_in.c.short.label("in_short"),
                   CI.c.cited_in_locator, CI.c.confidence, CI.c.note, CI.c.source_id, CI.c.id.label("citation_id"))
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id).join(src, src.c.id == CI.c.source_id)
                         .outerjoin(cited_in, cited_in.c.id == CI.c.cited_in_id))
            .where(or_(CI.c.source_id == source.id, CI.c.cited_in_id == source.id))
            .order_by(*date_order(conn.dialect.name, EV.c.start_day, EV.c.end_day, EV.c.id), CI.c.id))

    def citations() -> Iterator[SourceCitation]:
        for r in conn.execute(stmt, execution_options={"yield_per": BATCH}):
            yield {"id": r.citation_id, "event": {"id": r.id, "slug": r.slug, "date": r.date, "title": r.title},
                   "as": "source" if r.source_id == source.id else "cited_in",
                   "source": r.key, "short": r.short, "locator": r.locator, "quote": r.quote,
                   "cited_as": r.cited_as, "cited_in": r.in_key, "cited_in_short": r.in_short,
                   "cited_in_locator": r.cited_in_locator, "confidence": r.confidence, "note": r.note}

    return {**_source_dict(row), "csl": csl_items(conn, [source.id])[source.id], "citations": citations()}


def corpus(db: Database) -> tuple[int, int, str | None]:
    """What the database holds, for a document's heading: (events, sources, the short form of the most cited
    source, directly or as the work that reports a citation; None without citations)."""
    conn = connection(db)
    events = conn.execute(select(func.count()).select_from(EV)).scalar_one()
    sources = conn.execute(select(func.count()).select_from(SO)).scalar_one()
    counts: dict[int, int] = defaultdict(int)
    for column_ in (CI.c.source_id, CI.c.cited_in_id):
        for source_id, n in conn.execute(select(column_, func.count()).where(column_.is_not(None))
                                         .group_by(column_)):
            counts[source_id] += n
    if not counts:
        return events, sources, None
    top = max(counts, key=lambda source_id: (counts[source_id], -source_id))
    return events, sources, conn.execute(select(SO.c.short).where(SO.c.id == top)).scalar_one()
