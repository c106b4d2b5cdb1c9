"""Where the database is, how to connect to it, and how its schema is migrated.

The URL comes from the caller (`--db`), else `RELATIONS_DB_URL`, else an SQLite file in the user data
directory. Alembic is imported only by the functions that migrate (it costs ≈400 ms to import); every other
command checks the schema by reading `alembic_version` and comparing it with `SCHEMA_HEAD`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from relations_db.errors import DatabaseError, SchemaOutdated, UserError
from relations_db.store import sqlite_setup

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

ENV_VAR = "RELATIONS_DB_URL"
APP_NAME = "relations-db"

# The newest migration. A test checks that it equals Alembic's head, so that commands can compare it with the
# database without importing Alembic.
SCHEMA_HEAD = "0013"

SQLITE_BUSY_TIMEOUT_MS = sqlite_setup.BUSY_TIMEOUT_MS

T = TypeVar("T")


def default_path() -> Path:
    """The SQLite file used when neither --db nor RELATIONS_DB_URL is given."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "relations.db"


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the explicit one, else $RELATIONS_DB_URL, else the default SQLite file."""
    if url:
        return normalise_url(url)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return normalise_url(env)
    path = default_path()
    return f"sqlite:///{path}"


def normalise_url(url: str) -> str:
    """Accept a bare file path as SQLite and `postgresql://` as psycopg 3 (the driver this package uses)."""
    url = url.strip()
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url_or_engine: str | Engine) -> bool:
    name = url_or_engine if isinstance(url_or_engine, str) else url_or_engine.dialect.name
    return name.startswith("sqlite")


def make_engine(url: str | None = None) -> Engine:
    """An engine for the URL, with SQLite set up for a shared file: foreign keys, WAL, busy timeout.

    On SQLite, pysqlite's own transaction handling is switched off and every transaction begins explicitly:
    `BEGIN IMMEDIATE` for writers (see `session_scope(write=True)`), so that two writers queue on the busy
    timeout instead of failing at once with SQLITE_BUSY_SNAPSHOT, and plain `BEGIN` for readers.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    url = resolve_url(url)
    try:
        if is_sqlite(url):
            _ensure_sqlite_directory(url)
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        elif url.startswith("postgresql"):
            engine = create_engine(url, pool_pre_ping=False, connect_args={"options": _pg_options(url)})
        else:
            engine = create_engine(url, pool_pre_ping=False)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None
    except ModuleNotFoundError as exc:
        hint = " (install the PostgreSQL driver: pip install 'relations-db[postgres]')" if "psycopg" in str(exc) else ""
        raise DatabaseError(f"cannot use database URL {url!r}: missing driver {exc.name}{hint}") from None
    return engine


def _pg_options(url: str) -> str:
    """The PostgreSQL session settings of every connection (after any the URL gives in `?options=`).

    Listings stream their rows through a server-side cursor, which PostgreSQL plans for its first tenth by
    default (for a million-row listing, an ordered index scan checking each event, many times slower than
    reading and sorting): they read every row, so plan for all of them. A statement with a LIMIT is planned
    for its limit either way.
    """
    from sqlalchemy.engine import make_url

    given = make_url(url).query.get("options") or ""
    given = " ".join(given) if isinstance(given, tuple) else given
    return f"{given} -c cursor_tuple_fraction=1".strip()


def _ensure_sqlite_directory(url: str) -> None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    sqlite_setup.configure(dbapi_connection)  # (we emit BEGIN ourselves: see make_engine)


def _sqlite_on_begin(conn) -> None:
    write = conn.get_execution_options().get("relations_db_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One session, one transaction: committed when the block ends, rolled back on any exception.

    Commands own their session through this; the write and read functions only flush.
    """
    from sqlalchemy.orm import Session

    bind = engine.execution_options(relations_db_write=True) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        if write:
            from sqlalchemy import event

            from relations_db.store.checked_text import refuse_control_characters

            event.listen(session, "before_flush", refuse_control_characters)
        with session.begin():
            yield session


@contextmanager
def connection_scope(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One Core connection, one transaction: for the read path, which selects columns and needs no ORM.

    Committed when the block ends, rolled back on any exception, like `session_scope`.
    """
    bind = engine.execution_options(relations_db_write=True) if write else engine
    with bind.connect() as conn, conn.begin():
        yield conn


# --- schema state -----------------------------------------------------------------------------------------


def schema_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, or None for a database without tables.

    One query on a current database (every command runs this before its own): `alembic_version` is read
    directly, and only when that fails is the database inspected, to tell an empty one from a foreign one.
    """
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        with engine.connect() as conn:
            try:
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            except (OperationalError, ProgrammingError) as exc:
                failure = exc
                conn.rollback()  # PostgreSQL: the failed statement voided the transaction
            from sqlalchemy import inspect

            found = inspect(conn)
            if found.has_table("alembic_version"):
                # Either another process committed a new schema between the two reads (first use by several
                # processes at once): read it again; or it failed for another reason (a lock, a permission).
                conn.rollback()
                try:
                    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                except (OperationalError, ProgrammingError):
                    raise failure from None
            if found.get_table_names():
                raise SchemaOutdated(
                    "this database has tables but no relations-db schema version; "
                    "point the database URL at an empty database or a relations-db one"
                )
            return None
    except (OperationalError, ProgrammingError) as exc:
        raise DatabaseError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
                            f"{_read_only_folder(engine) or _first_line(exc)}") from None


def _read_only_folder(engine: Engine) -> str | None:
    """Why an SQLite file cannot be opened when its folder is read-only (SQLite's own words, 'unable to open
    database file' or 'attempt to write a readonly database', do not say so), or None."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    folder = Path(path).expanduser().resolve().parent
    if os.access(folder, os.W_OK):
        return None
    return (f"its folder {folder} is read-only, and SQLite must create its journal files (-wal, -shm) beside "
            "the database even to read it: copy the database to a writable folder, or make the folder writable")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def check_current(engine: Engine) -> str:
    """'empty' for a database without tables, 'current' when at SCHEMA_HEAD; else SchemaOutdated."""
    revision = schema_revision(engine)
    if revision is None:
        return "empty"
    if revision == SCHEMA_HEAD:
        return "current"
    known = set(_known_revisions())
    if revision in known:
        raise SchemaOutdated(
            f"the database is at schema revision {revision}, behind this version's {SCHEMA_HEAD}: "
            "run `relations-db db upgrade` (back up the database first)"
        )
    raise SchemaOutdated(
        f"the database is at schema revision {revision}, which this version of relations-db does not know "
        "(it was written by a newer version): upgrade relations-db"
    )


def _known_revisions() -> list[str]:
    """Revision ids of the shipped migrations, read from the file names (no Alembic import)."""
    versions = migrations_path() / "versions"
    return [p.name.split("_", 1)[0] for p in versions.glob("*.py") if not p.name.startswith("__")]


# --- Alembic, driven from code ----------------------------------------------------------------------------


def migrations_path() -> Path:
    """The Alembic script directory shipped inside the package (`migrations/` in the repository)."""
    from importlib.resources import files

    return Path(str(files("relations_db.migrations")))


# Indexes written by hand in the migrations, with an expression per backend that the schema cannot declare.
HAND_WRITTEN_INDEXES = ("ix_event_search_fts", "ix_events_span_31", "ix_events_span_366", "ix_events_span_3660",
                        "ix_events_span_long", "ix_events_start_day_end_day_id", "ix_events_no_end",
                        "ix_events_no_start", "ix_claims_marked", "uq_claims_participation_id")


# Columns of one backend only, added by hand: PostgreSQL's stored tsvector (0002_query_indexes.py).
HAND_WRITTEN_COLUMNS = ("search_vector",)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave what the migrations write by hand out of autogenerate: the FTS5 tables, the GIN index and the
    tsvector column of PostgreSQL's full-text search (0001_initial_schema.py, 0002_query_indexes.py), the
    indexes over the days, per backend (0004), the partial index of the claims that say more (0010), and the rule
    of one claim per participation, a constraint on SQLite and a partial unique index on PostgreSQL (0011)."""
    if name is None:
        return True
    if type_ == "column":
        return name not in HAND_WRITTEN_COLUMNS
    return not (name.startswith("events_fts") or name in HAND_WRITTEN_INDEXES)


def alembic_config(engine: Engine, connection=None):
    """An Alembic Config pointing at the shipped migrations and at this engine (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to `revision` (default: the newest); an unknown revision is a UserError."""
    from alembic import command

    _check_revision(revision, "+")
    with schema_lock(engine), _migration_errors(revision):
        command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "-1") -> None:
    """Migrate the database down to `revision` (default: one step; `base` removes every table)."""
    from alembic import command

    _check_revision(revision, "-")
    with schema_lock(engine), _migration_errors(revision):
        command.downgrade(alembic_config(engine), revision)


def set_up_if_empty(engine: Engine, seed: Callable[[Session], T]) -> T | None:
    """Make the database ready for use: migrate an empty one and load `seed` into it, once. Returns what `seed`
    returned, or None when there was nothing to do.

    A current database costs one query and no lock. Anything else is looked at again under the schema lock:
    another process may be migrating a new database at this moment (each migration commits on its own, so
    its revision is seen passing 0001, 0002…), and it holds the lock until its seed is loaded. A database
    that is really behind, ahead or foreign raises SchemaOutdated from the second look, and one that cannot be
    opened DatabaseError."""
    try:
        if check_current(engine) == "current":
            return None
    except (SchemaOutdated, DatabaseError):
        # Perhaps a migration in progress elsewhere: its revision passing 0001, 0002…, or, on a new SQLite file,
        # "database is locked" (seen once in four simultaneous first uses: a file not yet in WAL mode, whose
        # writer locks readers out). The look under the lock decides.
        pass
    with schema_lock(engine):
        if check_current(engine) != "empty":
            return None
        upgrade(engine)
        with session_scope(engine, write=True) as session:
            return seed(session)


# Any number, the same in every process: the key of PostgreSQL's advisory lock on schema changes ("reldb").
_SCHEMA_LOCK_KEY = 0x72656C6462
_held = threading.local()


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold the schema lock, so that processes creating or migrating the schema at the same time take turns and
    the later ones find the work done (without it, three `db upgrade` on a fresh PostgreSQL database collide on
    the catalog: duplicate key; on SQLite two first uses both find the file empty and both migrate it). On
    PostgreSQL a session advisory lock; on an SQLite file an exclusive `flock` of its folder. Re-entrant within
    a process."""
    depth: int = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _process_lock(engine):
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


@contextmanager
def _process_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_SCHEMA_LOCK_KEY})")
            conn.commit()  # (the lock belongs to the session; no transaction is left open while it is held)
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_SCHEMA_LOCK_KEY})")
                conn.commit()
        return
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    try:
        import fcntl

        # The folder, not the file: closing another descriptor of the database file would drop the POSIX locks
        # SQLite holds on it in this process; a folder's lock touches nothing of SQLite's and leaves no file.
        fd = os.open(Path(path).resolve().parent, os.O_RDONLY) if path and path != ":memory:" else None
    except (ImportError, OSError):  # no flock (Windows), or no such folder: nothing to guard
        fd = None
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # (closing the descriptor releases the lock)


def _check_revision(revision: str, direction: str) -> None:
    """Refuse a target that is not a revision this version ships, `head`/`base`, or a step the right way."""
    steps = revision[1:]
    if revision[:1] in "+-" and steps.isdigit() and revision[:1] == direction:
        return
    if revision in ("head", "base") or revision in _known_revisions():
        return
    way = "head, +N steps" if direction == "+" else "base, -N steps"
    raise UserError(f"no schema revision {revision!r}: give {way} or one of {', '.join(sorted(_known_revisions()))}",
                    field="revision")


@contextmanager
def _migration_errors(revision: str) -> Iterator[None]:
    """Alembic's refusals (a target on the other side of the current revision, more steps than there are) as a
    message rather than a traceback."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        yield
    except (CommandError, RevisionError) as exc:
        raise UserError(f"cannot migrate to {revision!r}: {_first_line(exc)}", field="revision") from None


def downgrade_losses(engine: Engine, revision: str = "-1") -> list[str]:
    """What migrating down to `revision` (a revision id, `-N` steps, or `base`) would drop that the older schema
    cannot hold, one phrase per kind of data ("the tone notes of 49 events"); empty when nothing is lost. Each
    migration that can lose data says so through a `losses(connection)` function beside its `downgrade`."""
    from alembic.script import ScriptDirectory

    _check_revision(revision, "-")
    current = schema_revision(engine)
    if current is None:
        return []
    script = ScriptDirectory.from_config(alembic_config(engine))
    applied = [step for step in script.iterate_revisions(current, "base")]  # newest first
    if revision == "base":
        undone = applied
    elif revision.startswith("-") and revision[1:].isdigit():
        undone = applied[:int(revision[1:])]
    else:
        ids = [step.revision for step in applied]
        undone = applied[:ids.index(revision)] if revision in ids else []
    found: list[str] = []
    with engine.connect() as connection:
        for step in undone:
            losses = getattr(step.module, "losses", None)
            if losses is not None:
                found += losses(connection)
    return found


def head_revision() -> str:
    """Alembic's idea of the newest revision (used by tests and `db current`)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:  # (only a package shipped without its migrations has none)
        raise DatabaseError(f"no migrations found in {migrations_path()}")
    return head
