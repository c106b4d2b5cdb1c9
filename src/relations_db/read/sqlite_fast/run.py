"""Run a compiled statement by name: its parameters bound in the order SQLAlchemy compiled them, its result
columns converted as SQLAlchemy converts them on SQLite (`bool` for a Boolean; every other kind the fast path
runs is returned by `sqlite3` as SQLAlchemy returns it, which `read/compile.py` checks)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from relations_db.read.sqlite_fast.statements import STATEMENTS


def known(name: str) -> bool:
    """Whether the statement `name` (a shape) was compiled."""
    return name in STATEMENTS


def execute(conn: sqlite3.Connection, name: str, params: dict[str, Any]) -> sqlite3.Cursor:
    """A cursor over the rows of `name` with `params` (unconverted: see `rows`)."""
    sql, bound, kinds, constants = STATEMENTS[name]
    values = {**constants, **params}
    return conn.execute(sql, [values[b] for b in bound])


def convert(name: str, rows: list[Any]) -> list[Any]:
    """`rows` of `name` with each column converted to its kind."""
    kinds = STATEMENTS[name][2]
    if "bool" not in kinds:
        return rows
    return [tuple(bool(v) if k == "bool" and v is not None else v for k, v in zip(kinds, row, strict=True))
            for row in rows]


def rows(conn: sqlite3.Connection, name: str, **params: Any) -> list[Any]:
    """Every row of `name`, converted."""
    return convert(name, execute(conn, name, params).fetchall())


def batches(conn: sqlite3.Connection, name: str, size: int, **params: Any) -> Iterator[list[Any]]:
    """The rows of `name`, converted, `size` at a time (streamed)."""
    cursor = execute(conn, name, params)
    while batch := cursor.fetchmany(size):
        yield convert(name, batch)


def scalar(conn: sqlite3.Connection, name: str, **params: Any) -> Any:
    """The first column of the first row of `name`, or None."""
    found = rows(conn, name, **params)
    return found[0][0] if found else None
