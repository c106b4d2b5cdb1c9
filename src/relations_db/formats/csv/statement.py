"""The CSV export's statement: the database gives every cell of each row (`columns.CSV_COLUMNS`) as text.

The date as a reader sees it, the sources and the notes are the event's stored cells (`events.date_display`,
`sources_cell`, `notes_cell`), made in Python by the one rule of each when the event was written
(`write.event_cells`): never spelt again in SQL. The actors are joined here, in participation order, with the
separators of `columns` (rendered into the SQL from the same constants). SQLAlchemy is imported inside the
functions: the export's worker processes load this module without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relations_db.formats.csv.columns import LIST_SEPARATOR, ROLE_SEPARATOR

if TYPE_CHECKING:
    from sqlalchemy import Select


def _sql(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# SQLite: the `place` and `actors` cells of one event (the outer query's `events` row). SQLite before 3.44 has
# no ORDER BY inside group_concat: it concatenates in the order the ordered subquery delivers its rows.
_PLACE = "(SELECT places.name FROM places WHERE places.id = events.place_id)"
_ACTOR = ("actors.name || CASE WHEN participations.role IS NOT NULL AND participations.role <> '' "
          f"THEN {_sql(ROLE_SEPARATOR)} || participations.role ELSE '' END")
_PARTICIPANTS = ("FROM participations JOIN actors ON actors.id = participations.actor_id "
                 "WHERE participations.event_id = events.id")
_SQLITE_ACTORS = (f"(SELECT group_concat(x, {_sql(LIST_SEPARATOR)}) FROM (SELECT {_ACTOR} AS x {_PARTICIPANTS} "
                  "ORDER BY participations.id))")


def csv_statement(dialect: str, where: list[Any], limit: int | None,
                  cell: Callable[[Any], Any] | None = None) -> Select:
    """The cells (`CSV_COLUMNS`) of the events matching `where`, as text, in date order (start, end, id).
    `cell` wraps each cell's expression (PostgreSQL's COPY writes the CSV with it, `copy.copy_cell`)."""
    from sqlalchemy import Text, func, literal_column, select

    from relations_db.store.schema import events

    if dialect != "sqlite":
        return _grouped_statement(where, limit, cell or (lambda expression: expression))

    def text(sql: str) -> Any:
        return func.coalesce(literal_column(sql, Text), "")

    # The first sort key is written `+start_day`, which keeps SQLite from reading the events in date order
    # through the index: that visits the table (and each event's participations) in random order. Read in
    # storage order and sorted once at the end, a million events take half the time.
    stmt = (select(*_cells(text(_PLACE), text(_SQLITE_ACTORS)))
            .where(*where)
            .order_by(literal_column("+events.start_day"), events.c.end_day.nulls_last(), events.c.id))
    return stmt if limit is None else stmt.limit(limit)


def _cells(place: Any, actors: Any) -> tuple[Any, ...]:
    """The `CSV_COLUMNS` cells, as text (never NULL), with the place and actors cells as each backend makes them."""
    from sqlalchemy import Text, cast, func

    from relations_db.store.schema import events

    def text(column: Any) -> Any:
        return func.coalesce(column, "")

    return (events.c.date, text(events.c.start_iso), text(events.c.end_iso), events.c.title, text(events.c.type),
            place, actors, text(events.c.sources_cell), text(events.c.summary), cast(events.c.id, Text),
            events.c.slug, text(events.c.date_display), text(events.c.notes_cell))


def _grouped_statement(where: list[Any], limit: int | None, cell: Callable[[Any], Any]) -> Select:
    """PostgreSQL: the actors cells aggregated per event by GROUP BY and joined, which its planner turns into a
    hash join over one pass of the participations; with filters, only over the chosen events. (A correlated
    subquery per event, as on SQLite, runs five times slower there.)"""
    from sqlalchemy import Text, and_, case, func, literal, literal_column, select

    from relations_db.store.schema import actors, events, participations, places

    separator = literal_column(_sql(LIST_SEPARATOR), Text)
    role = participations.c.role
    actor_text = actors.c.name + case((and_(role.is_not(None), role != ""), literal(ROLE_SEPARATOR) + role),
                                      else_=literal(""))
    parts = participations.join(actors, actors.c.id == participations.c.actor_id)
    if where:
        chosen = select(events.c.id).where(*where).cte("chosen")
        parts = parts.join(chosen, chosen.c.id == participations.c.event_id)
    actor_cells = (select(participations.c.event_id,
                          func.string_agg(actor_text, separator).aggregate_order_by(participations.c.id)
                          .label("cell"))
                   .select_from(parts).group_by(participations.c.event_id).subquery("actor_cells"))
    cells = _cells(func.coalesce(places.c.name, ""), func.coalesce(actor_cells.c.cell, ""))
    stmt = (select(*(cell(c) for c in cells))
            .select_from(events.outerjoin(places, places.c.id == events.c.place_id)
                         .outerjoin(actor_cells, actor_cells.c.event_id == events.c.id))
            .where(*where)
            .order_by(events.c.start_day.nulls_first(), events.c.end_day.nulls_last(), events.c.id))
    return stmt if limit is None else stmt.limit(limit)
