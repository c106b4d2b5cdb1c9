"""What every read module selects from: the tables (by short names), SQLite's full-text index, the batch size,
and the connection a read runs on.

Reading is SQLAlchemy Core only — `select()`s of the needed columns from `store.schema`'s tables — so that a
query command never imports the ORM. Every public read function takes a Connection or a Session (whose
connection it then uses, inside the session's transaction).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.engine import Connection

from relations_db.store.schema import (
    actor_aliases,
    actors,
    agreement_invocations,
    agreements,
    citations,
    disputed_spans,
    event_search,
    events,
    meetings,
    participations,
    place_aliases,
    places,
    source_creators,
    sources,
)

if TYPE_CHECKING:  # (a Session's type only: the read path never loads the ORM)
    from sqlalchemy.orm import Session

    # What the read functions take: a Connection, or a Session whose connection they use.
    Database: TypeAlias = Connection | Session

# Rows are streamed in batches of this many; the details of a batch of events (actors, citations, invoked
# agreements) are read with one query each per batch, never one per event.
BATCH = 500

EV, PL, ME, AG, PA, AC, AA = events, places, meetings, agreements, participations, actors, actor_aliases
CI, SO, INV, ES, PLA = citations, sources, agreement_invocations, event_search, place_aliases
SC = source_creators
DS = disputed_spans  # the claimed spans of disputed events (the date filters read them)
# The SQLite FTS5 index made by the first migration (external content over event_search.body).
FTS = table("events_fts", column("rowid"), column("rank"))


def connection(db: Database) -> Connection:
    """The Connection to run Core statements on: `db` itself, or a Session's (in its transaction)."""
    return db if isinstance(db, Connection) else db.connection()


def param(name: str, value: Any) -> ColumnElement[Any]:
    """A value bound by name, so that a statement's text depends on its shape only (`read/shapes.py`) and the
    SQLite fast path (`read/sqlite_fast`) can bind the same values to the compiled text. An int is a BIGINT:
    day numbers and the largest limit do not fit PostgreSQL's INTEGER."""
    return bindparam(name, value, type_=BigInteger if isinstance(value, int) else String)


def one_of(dialect: str, column_: ColumnElement[Any], name: str, values: list[Any]) -> ColumnElement[bool]:
    """`column_ IN values`, the list bound as one parameter on SQLite (a JSON array read by `json_each`), so that
    the statement's text does not depend on how many values there are; a plain (expanding) IN elsewhere."""
    if dialect != "sqlite":
        return column_.in_(values)
    listed: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam(name, json.dumps(values, ensure_ascii=False), type_=String)))
    return column_.in_(listed)
