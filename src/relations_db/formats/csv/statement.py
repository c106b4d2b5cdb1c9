"""The CSV export's statement: the database gives the raw cells of each row (`stream.RAW_WIDTH`), which
`stream.Cells` turns into the row `columns.csv_cells` would write.

The actors are joined in SQL, in participation order, with the separators of `columns` (rendered into the SQL
from the same constants, never spelt again here). The citations come as ids and locators joined by the control
characters of `stream` (CITATION_FIELD, CITATION_SPLIT): how a citation reads (`domain.citing`) and how a date
reads (`domain.dates.display`) are made in Python, by the one rule. SQLAlchemy is imported inside the
functions: the export's worker processes load this module's constants without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from relations_db.formats.csv.columns import LIST_SEPARATOR, ROLE_SEPARATOR
from relations_db.formats.csv.stream import CITATION_FIELD, CITATION_SPLIT

if TYPE_CHECKING:
    from sqlalchemy import Select


def _sql(text: str) -> str:
    """`text` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


_FIELD = f"char({ord(CITATION_FIELD)})"  # (SQLite's spelling of the control characters)
_SPLIT = f"char({ord(CITATION_SPLIT)})"

# A locator holding one of the separators (no stored text should: `store/checked_text.py` refuses control
# characters), which this finds, sends the export the general way (`writer.write_csv`), which needs none.
SEPARATOR_IN_CITATIONS = ("SELECT 1 FROM citations WHERE instr(locator, {f}) > 0 OR instr(locator, {s}) > 0 "
                          "OR instr(cited_in_locator, {f}) > 0 OR instr(cited_in_locator, {s}) > 0 LIMIT 1")
SQLITE_SEPARATOR_IN_CITATIONS = SEPARATOR_IN_CITATIONS.format(f=_FIELD, s=_SPLIT)
POSTGRESQL_SEPARATOR_IN_CITATIONS = (SEPARATOR_IN_CITATIONS.replace("instr(", "strpos(")
                                     .format(f=f"chr({ord(CITATION_FIELD)})", s=f"chr({ord(CITATION_SPLIT)})"))
# Every source's id (as text, as the citations cell holds it) and short form.
SHORTS = "SELECT CAST(id AS TEXT), short FROM sources"

# SQLite: the `place`, `actors` and `citations` cells of one event (the outer query's `events` row). SQLite
# before 3.44 has no ORDER BY inside group_concat: it concatenates in the order the ordered subquery delivers
# its rows.
_PLACE = "(SELECT places.name FROM places WHERE places.id = events.place_id)"
_ACTOR = ("actors.name || CASE WHEN participations.role IS NOT NULL AND participations.role <> '' "
          f"THEN {_sql(ROLE_SEPARATOR)} || participations.role ELSE '' END")
_PARTICIPANTS = ("FROM participations JOIN actors ON actors.id = participations.actor_id "
                 "WHERE participations.event_id = events.id")
_SQLITE_ACTORS = (f"(SELECT group_concat(x, {_sql(LIST_SEPARATOR)}) FROM (SELECT {_ACTOR} AS x {_PARTICIPANTS} "
                  "ORDER BY participations.id))")
_CITATION = (f"citations.source_id || {_FIELD} || coalesce(citations.cited_in_id, '') || {_FIELD} || "
             f"coalesce(citations.locator, '') || {_FIELD} || coalesce(citations.cited_in_locator, '')")
# (ix_citations_event_id gives the citations in id order: no sort)
_SQLITE_CITATIONS = (f"(SELECT group_concat(x, {_SPLIT}) FROM (SELECT {_CITATION} AS x FROM citations "
                     "WHERE citations.event_id = events.id ORDER BY citations.id))")


def csv_statement(dialect: str, where: list[Any], limit: int | None,
                  cell: Callable[[Any], Any] | None = None) -> Select:
    """The raw cells (`stream.RAW_WIDTH`) of the events matching `where`, as text, in date order (start, end,
    id). `cell` wraps each cell's expression (PostgreSQL's COPY makes an empty one NULL with it)."""
    from sqlalchemy import Text, cast, func, literal_column, select

    from relations_db.store.schema import events

    if dialect != "sqlite":
        return _grouped_statement(where, limit, cell or (lambda expression: expression))

    def text(sql: str) -> Any:
        return func.coalesce(literal_column(sql, Text), "")

    # The first sort key is written `+start_day`, which keeps SQLite from reading the events in date order
    # through the index: that visits the table (and each event's participations and citations) in random
    # order. Read in storage order and sorted once at the end, a million events take half the time.
    stmt = (select(events.c.date, func.coalesce(events.c.start_iso, ""), func.coalesce(events.c.end_iso, ""),
                   events.c.title, events.c.type, text(_PLACE), text(_SQLITE_ACTORS), text(_SQLITE_CITATIONS),
                   func.coalesce(events.c.summary, ""), cast(events.c.id, Text), events.c.slug)
            .where(*where)
            .order_by(literal_column("+events.start_day"), events.c.end_day.nulls_last(), events.c.id))
    return stmt if limit is None else stmt.limit(limit)


def _grouped_statement(where: list[Any], limit: int | None, cell: Callable[[Any], Any]) -> Select:
    """PostgreSQL: the actors and citations cells aggregated per event by GROUP BY and joined, which its
    planner turns into hash joins over one pass of each table; with filters, only over the chosen events.
    (A correlated subquery per event, as on SQLite, runs five times slower there.)"""
    from sqlalchemy import Text, and_, case, cast, func, literal, literal_column, select

    from relations_db.store.schema import actors, citations, events, participations, places

    separator = literal_column(_sql(LIST_SEPARATOR), Text)
    role = participations.c.role
    actor_text = actors.c.name + case((and_(role.is_not(None), role != ""), literal(ROLE_SEPARATOR) + role),
                                      else_=literal(""))
    parts = participations.join(actors, actors.c.id == participations.c.actor_id)
    cited: Any = citations
    if where:
        chosen = select(events.c.id).where(*where).cte("chosen")
        parts = parts.join(chosen, chosen.c.id == participations.c.event_id)
        cited = citations.join(chosen, chosen.c.id == citations.c.event_id)
    actor_cells = (select(participations.c.event_id,
                          func.string_agg(actor_text, separator).aggregate_order_by(participations.c.id)
                          .label("cell"))
                   .select_from(parts).group_by(participations.c.event_id).subquery("actor_cells"))
    field = literal(CITATION_FIELD, Text)
    citation_text = (cast(citations.c.source_id, Text) + field + func.coalesce(cast(citations.c.cited_in_id, Text), "")
                     + field + func.coalesce(citations.c.locator, "") + field
                     + func.coalesce(citations.c.cited_in_locator, ""))
    citation_cells = (select(citations.c.event_id,
                             func.string_agg(citation_text, literal(CITATION_SPLIT, Text))
                             .aggregate_order_by(citations.c.id).label("cell"))
                      .select_from(cited).group_by(citations.c.event_id).subquery("citation_cells"))
    cells = (events.c.date, func.coalesce(events.c.start_iso, ""), func.coalesce(events.c.end_iso, ""),
             events.c.title, events.c.type,
             func.coalesce(places.c.name, ""), func.coalesce(actor_cells.c.cell, ""),
             func.coalesce(citation_cells.c.cell, ""), func.coalesce(events.c.summary, ""),
             cast(events.c.id, Text), events.c.slug)
    stmt = (select(*(cell(c) for c in cells))
            .select_from(events.outerjoin(places, places.c.id == events.c.place_id)
                         .outerjoin(actor_cells, actor_cells.c.event_id == events.c.id)
                         .outerjoin(citation_cells, citation_cells.c.event_id == events.c.id))
            .where(*where)
            .order_by(events.c.start_day.nulls_first(), events.c.end_day.nulls_last(), events.c.id))
    return stmt if limit is None else stmt.limit(limit)
