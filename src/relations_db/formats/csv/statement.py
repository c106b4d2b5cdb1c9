"""The CSV export's statement: the database builds the nine cells of each row, as `columns.csv_cells` would.

The actors and the sources are joined in SQL, in participation and citation order, with the separators of
`columns` (rendered into the SQL from the same constants, never spelt again here). SQLAlchemy is imported
inside the functions: the export's worker processes load this module's constants without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relations_db.formats.csv.columns import LIST_SEPARATOR, ROLE_SEPARATOR
from relations_db.formats.csv.stream import SOURCES_SPLIT

if TYPE_CHECKING:
    from sqlalchemy import Select


def _sql(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


_SPLIT_CHAR = f"char({ord(SOURCES_SPLIT)})"  # (SQLite's spelling of the control character)

# A short form holding SOURCES_SPLIT (there should be none), which this finds, brings back the exact SQL way.
SEPARATOR_IN_SOURCES = f"SELECT 1 FROM sources WHERE instr(short, {_SPLIT_CHAR}) > 0 LIMIT 1"

# SQLite: the `place`, `actors` and `sources` cells of one event (the outer query's `events` row), as
# `columns.csv_cells` makes them: "Name:role" (no role when empty) in participation order, and the short forms of
# the cited sources once each, in the order they are first cited. SQLite before 3.44 has no ORDER BY inside
# group_concat: it concatenates in the order the ordered subquery delivers its rows.
_PLACE = "(SELECT places.name FROM places WHERE places.id = events.place_id)"
_ACTOR = ("actors.name || CASE WHEN participations.role IS NOT NULL AND participations.role <> '' "
          f"THEN {_sql(ROLE_SEPARATOR)} || participations.role ELSE '' END")
_PARTICIPANTS = ("FROM participations JOIN actors ON actors.id = participations.actor_id "
                 "WHERE participations.event_id = events.id")
_CITED = "FROM citations JOIN sources ON sources.id = citations.source_id WHERE citations.event_id = events.id"
_SQLITE_ACTORS = (f"(SELECT group_concat(x, {_sql(LIST_SEPARATOR)}) FROM (SELECT {_ACTOR} AS x {_PARTICIPANTS} "
                  "ORDER BY participations.id))")
_SQLITE_SOURCES = {
    # (ix_citations_event_id gives the citations in id order: no sort for the unrepeated form)
    True: (f"(SELECT group_concat(short, {_SPLIT_CHAR}) FROM (SELECT sources.short AS short {_CITED} "
           "ORDER BY citations.id))"),
    False: (f"(SELECT group_concat(short, {_sql(LIST_SEPARATOR)}) FROM (SELECT sources.short AS short {_CITED} "
            "GROUP BY sources.short ORDER BY min(citations.id)))"),
}


def csv_statement(dialect: str, where: list[Any], limit: int | None, split_sources: bool = False,
                  cell: Callable[[Any], Any] | None = None) -> Select:
    """The nine CSV cells of the events matching `where`, as text, in date order (start, end, id).

    With `split_sources` (SQLite), the sources cell joins every citation's source by SOURCES_SPLIT, repeats
    included (see `stream.write_rows`). `cell` wraps each cell's expression (PostgreSQL's COPY uses it to do
    what `neutralise` does).
    """
    from sqlalchemy import Text, func, literal_column, select

    from relations_db.store.schema import events

    if dialect != "sqlite":
        return _grouped_statement(where, limit, cell or (lambda expression: expression))

    def text(sql: str) -> Any:
        return func.coalesce(literal_column(sql, Text), "")

    # The first sort key is written `+start_day`, which keeps SQLite from reading the events in date order
    # through the index: that visits the table (and each event's participations and citations) in random
    # order. Read in storage order and sorted once at the end, a million events take half the time.
    stmt = (select(events.c.date, func.coalesce(events.c.start_iso, ""), func.coalesce(events.c.end_iso, ""),
                   events.c.title, events.c.type, text(_PLACE), text(_SQLITE_ACTORS),
                   text(_SQLITE_SOURCES[split_sources]), func.coalesce(events.c.summary, ""))
            .where(*where)
            .order_by(literal_column("+events.start_day"), events.c.end_day.nulls_last(), events.c.id))
    return stmt if limit is None else stmt.limit(limit)


def _grouped_statement(where: list[Any], limit: int | None, cell: Callable[[Any], Any]) -> Select:
    """PostgreSQL: the actors and sources cells aggregated per event by GROUP BY and joined, which its
    planner turns into hash joins over one pass of each table; with filters, only over the chosen events.
    (A correlated subquery per event, as on SQLite, runs five times slower there.)"""
    from sqlalchemy import Text, and_, case, func, literal, literal_column, select

    from relations_db.store.schema import actors, citations, events, participations, places, sources

    separator = literal_column(_sql(LIST_SEPARATOR), Text)
    role = participations.c.role
    actor_text = actors.c.name + case((and_(role.is_not(None), role != ""), literal(ROLE_SEPARATOR) + role),
                                      else_=literal(""))
    parts = participations.join(actors, actors.c.id == participations.c.actor_id)
    cited = citations.join(sources, sources.c.id == citations.c.source_id)
    if where:
        chosen = select(events.c.id).where(*where).cte("chosen")
        parts = parts.join(chosen, chosen.c.id == participations.c.event_id)
        cited = cited.join(chosen, chosen.c.id == citations.c.event_id)
    actor_cells = (select(participations.c.event_id,
                          func.string_agg(actor_text, separator).aggregate_order_by(participations.c.id)
                          .label("cell"))
                   .select_from(parts).group_by(participations.c.event_id).subquery("actor_cells"))
    firsts = (select(citations.c.event_id, sources.c.short, func.min(citations.c.id).label("first"))
              .select_from(cited).group_by(citations.c.event_id, sources.c.short).subquery("firsts"))
    source_cells = (select(firsts.c.event_id,
                           func.string_agg(firsts.c.short, separator).aggregate_order_by(firsts.c.first).label("cell"))
                    .group_by(firsts.c.event_id).subquery("source_cells"))
    cells = (events.c.date, func.coalesce(events.c.start_iso, ""), func.coalesce(events.c.end_iso, ""),
             events.c.title, events.c.type,
             func.coalesce(places.c.name, ""), func.coalesce(actor_cells.c.cell, ""),
             func.coalesce(source_cells.c.cell, ""), func.coalesce(events.c.summary, ""))
    stmt = (select(*(cell(c) for c in cells))
            .select_from(events.outerjoin(places, places.c.id == events.c.place_id)
                         .outerjoin(actor_cells, actor_cells.c.event_id == events.c.id)
                         .outerjoin(source_cells, source_cells.c.event_id == events.c.id))
            .where(*where)
            .order_by(events.c.start_day.nulls_first(), events.c.end_day.nulls_last(), events.c.id))
    return stmt if limit is None else stmt.limit(limit)
