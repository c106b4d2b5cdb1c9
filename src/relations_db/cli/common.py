"""What every command shares: the database it works on, output consoles, the --format option."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

    from relations_db.formats.seed.apply import LoadReport


@dataclass
class State:
    """Global options, kept on the Typer context for the commands."""

    url: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self) -> Engine:
        from relations_db.store.db import make_engine

        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine


def notice(message: str) -> None:
    """One line for the user on stderr (never mixed into data on stdout)."""
    from relations_db.domain.text import visible

    typer.echo(visible(message), err=True)


def ready_engine(ctx: typer.Context) -> Engine:
    """The engine of a database ready for use: migrated and seeded on first use, refused when outdated."""
    from relations_db.store import db

    state: State = ctx.obj
    engine = state.engine()
    # One query when the database is current; under the schema lock otherwise, since several first commands
    # may start at once and one may find another's migration half-way (set_up_if_empty).
    report = db.set_up_if_empty(engine, _load_default_seed)
    if report is not None:
        notice(f"Created a new database at {engine.url.render_as_string(hide_password=True)} "
               f"and loaded the seed data ({report.summary()}).")
    return engine


def _load_default_seed(session: Session) -> LoadReport:
    # (imported only on first use: the seed format loads YAML and the ORM)
    from relations_db.formats.seed.apply import load_default_seed

    return load_default_seed(session)


@contextmanager
def session(ctx: typer.Context, *, write: bool = False) -> Iterator[Session]:
    """One ORM session and one transaction for the command (committed at the end, rolled back on error): for
    commands that edit records."""
    from relations_db.store.db import session_scope

    with session_scope(ready_engine(ctx), write=write) as s:
        if write:  # a write never takes a name for another: a near miss is refused with "did you mean"
            yield s
            return
        from relations_db.read.names import forgiving

        with forgiving(s, notice):
            yield s


@contextmanager
def connection(ctx: typer.Context) -> Iterator[Connection]:
    """One Core connection and one read transaction for a command that only reads (`relations_db.read`
    takes it as well as a session): the ORM is never imported, which saves ≈0.1 s of start-up. Names are
    matched forgivingly (`read.names.forgiving`): a misspelt actor or place is taken, with a notice."""
    from relations_db.read.names import forgiving
    from relations_db.store.db import connection_scope

    with connection_scope(ready_engine(ctx)) as conn, forgiving(conn, notice):
        yield conn


@contextmanager
def fast_connection(ctx: typer.Context) -> Iterator[sqlite3.Connection | None]:
    """The SQLite fast path's connection and read transaction (`read/sqlite_fast`: no SQLAlchemy, ≈0.4 s less
    at start-up) when the database is an SQLite file at the schema head, else None. A command that gets None, or
    whose question the fast path cannot answer (its functions return None), asks through `connection` instead,
    after this block: a new, outdated or PostgreSQL database is handled there as always."""
    from relations_db.read.sqlite_fast.connect import reading
    from relations_db.store.db import SCHEMA_HEAD, resolve_url

    state: State = ctx.obj
    with reading(resolve_url(state.url), SCHEMA_HEAD) as conn:
        yield conn


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
