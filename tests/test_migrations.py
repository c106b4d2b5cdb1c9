"""Migrations: one head, upgrade from empty, down to base and up again, and the models match them — on both
backends. (pytest-alembic's four tests, written out: it does not collect under pytest 9.)"""

from __future__ import annotations

from sqlalchemy import inspect, text

from relations_db.store import db
from relations_db.store.models import Base


def test_single_head_and_schema_head_constant():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config(db.make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, "migrations have branched: merge them into one head"
    # Commands compare the database with this constant instead of importing Alembic.
    assert db.SCHEMA_HEAD == script.get_current_head() == db.head_revision()


def test_upgrade_from_empty_creates_every_table(db_url):
    engine = db.make_engine(db_url)
    assert db.schema_revision(engine) is None
    assert db.check_current(engine) == "empty"
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert db.check_current(engine) == "current"
    engine.dispose()


def test_downgrade_to_base_and_up_again(db_url):
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    db.downgrade(engine, "base")
    leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert leftover == set(), f"downgrade left tables behind: {leftover}"
    db.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_match_migrations(db_url):
    """Alembic's autogenerate comparison finds no difference between the models and the migrated schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": db.include_object,
                        "render_as_batch": engine.dialect.name == "sqlite"})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_fulltext_index_follows_writes(db_url):
    """The hand-written full-text index (FTS5 on SQLite, GIN on PostgreSQL) exists after upgrade."""
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
            assert {"events_fts", "event_search_ai", "event_search_ad", "event_search_au"} <= names
        else:
            names = {r[0] for r in conn.execute(text("SELECT indexname FROM pg_indexes"))}
            assert "ix_event_search_fts" in names
    engine.dispose()


def test_wheel_ships_migrations_and_seed():
    """The migrations and the seed are package resources, so a non-editable install finds them."""
    from importlib.resources import files

    assert files("relations_db.migrations").joinpath("env.py").is_file()
    assert any(p.name.startswith("0001_") for p in files("relations_db.migrations.versions").iterdir())
    assert files("relations_db.data").joinpath("seed.yaml").is_file()
