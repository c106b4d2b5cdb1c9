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


def test_tone_notes_survive_up_and_down_and_the_downgrade_says_it_drops_them(seeded_url):
    """0003 adds `events.tone_note`; going down to 0002 cannot keep the notes, so `downgrade_losses` counts them
    (what `db downgrade` shows before it asks), and nothing else changes on the way down and up again."""
    engine = db.make_engine(seeded_url)
    with engine.connect() as conn:
        noted = conn.execute(text("SELECT count(*) FROM events WHERE tone_note IS NOT NULL")).scalar_one()
        before = conn.execute(text("SELECT slug, date, title, tone FROM events ORDER BY slug")).all()
    assert noted > 0
    assert db.downgrade_losses(engine, "-1") == [f"the tone notes of {noted} events"]
    assert db.downgrade_losses(engine, "0002") == db.downgrade_losses(engine, "-1")
    assert db.downgrade_losses(engine, "0003") == []
    db.downgrade(engine, "0002")
    assert "tone_note" not in {c["name"] for c in inspect(engine).get_columns("events")}
    assert db.downgrade_losses(engine, "-1") == []  # 0002 → 0001 loses nothing
    db.upgrade(engine)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT slug, date, title, tone FROM events ORDER BY slug")).all()
        assert conn.execute(text("SELECT count(*) FROM events WHERE tone_note IS NOT NULL")).scalar_one() == 0
    assert after == before
    engine.dispose()
