"""Alembic environment for relations-db, driven from code (`relations_db.store.db.upgrade`) or the alembic CLI.

The engine comes from `config.attributes["engine"]` when called from code, else from `sqlalchemy.url`.
`render_as_batch` lets the same migrations alter tables on SQLite, which cannot ALTER most things in place.
"""

from alembic import context
from sqlalchemy import create_engine

from relations_db.store.db import include_object
from relations_db.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))
    # A write transaction from the start: on SQLite this is BEGIN IMMEDIATE (see relations_db.store.db).
    with engine.execution_options(relations_db_write=True).connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
