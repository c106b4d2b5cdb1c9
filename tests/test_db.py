"""Database handling: where the database is, first use, outdated schemas, SQLite settings, constraints."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from relations_db.store import db
from relations_db.store.models import Actor, Citation, Event, Source


def test_url_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("RELATIONS_DB_URL", "sqlite:///from-env.db")
    assert db.resolve_url("sqlite:///explicit.db") == "sqlite:///explicit.db"
    assert db.resolve_url(None) == "sqlite:///from-env.db"
    monkeypatch.delenv("RELATIONS_DB_URL")
    assert db.resolve_url(None) == f"sqlite:///{db.default_path()}"
    # Conveniences: a bare path is an SQLite file; postgresql:// means the psycopg 3 driver.
    assert db.resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert db.resolve_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"


def test_db_path_prints_the_default_location(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    result = cli(None, "db", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(db.default_path())
    assert result.stdout.strip().startswith(str(tmp_path))


def test_sqlite_connections_get_foreign_keys_wal_and_busy_timeout(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_first_use_migrates_and_seeds_with_one_notice(cli, db_url):
    result = cli(db_url, "db", "current")
    assert result.stdout.startswith("empty")
    first = cli(db_url, "db", "seed")
    assert first.exit_code == 0, first.stderr
    engine = db.make_engine(db_url)
    assert db.check_current(engine) == "current"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() > 0
    engine.dispose()


def test_first_use_by_a_query_command_prints_one_notice_line(cli, db_url):
    result = cli(db_url, "sources", "--format", "json")
    assert result.exit_code == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(notices) == 1 and "Created a new database" in notices[0]
    again = cli(db_url, "sources", "--format", "json")
    assert "Created a new database" not in again.stderr


def test_database_behind_newest_migration_is_refused_with_advice(cli, db_url):
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.begin() as conn:  # pretend the database was written by an older version
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    result = cli(db_url, "events")
    assert result.exit_code == 3
    assert "newer version" in result.stderr or "db upgrade" in result.stderr
    engine.dispose()


def test_unreachable_database_is_a_message_not_a_traceback(cli):
    result = cli("postgresql+psycopg://nobody@127.0.0.1:1/none", "db", "current")
    assert result.exit_code != 0
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


def test_bad_url_is_a_message(cli):
    result = cli("nosuchdialect://x", "db", "current")
    assert result.exit_code == 1
    assert "cannot use database URL" in result.stderr


def _event(**overrides) -> Event:
    values = dict(slug="e", date="1960", start_day=dt.date(1960, 1, 1).toordinal(),
                  end_day=dt.date(1960, 12, 31).toordinal(), start_iso="1960-01-01", end_iso="1960-12-31",
                  precision="year", title="t", type="meeting")
    values.update(overrides)
    return Event(**values)


@pytest.mark.filterwarnings("ignore:Flushing object:sqlalchemy.exc.SAWarning")
@pytest.mark.parametrize(
    "bad",
    [
        {"start_day": dt.date(1961, 1, 1).toordinal(), "end_day": dt.date(1960, 1, 1).toordinal()},  # ends first
        {"tone": 11},
        {"kind": "battle"},
        {"end_day": None, "end_iso": None},  # a missing end must say whether it is open or unknown
        {"end_day": None, "end_iso": None, "end_kind": "forgotten"},
        {"end_day": None, "end_kind": "open"},  # no day, no ISO text
        {"end_kind": "open"},  # an end with a day has no kind
    ],
    ids=["start-after-end", "tone-out-of-range", "unknown-kind", "no-end-no-kind", "bad-kind", "iso-without-day",
         "day-and-kind"],
)
def test_database_constraints_refuse_bad_events(engine, bad):
    with pytest.raises(IntegrityError):
        with db.session_scope(engine, write=True) as session:
            session.add(_event(**bad))


def test_database_refuses_confidence_out_of_range_and_dangling_keys(engine):
    with pytest.raises(IntegrityError):
        with db.session_scope(engine, write=True) as session:
            source = Source(key="s", kind="book", title="T", short="T n.d.")
            event = _event()
            session.add_all([source, event])
            session.flush()
            session.add(Citation(event_id=event.id, source_id=source.id, confidence=5))
    with pytest.raises(IntegrityError):
        with db.session_scope(engine, write=True) as session:
            session.add(Citation(event_id=999, source_id=999))
    with pytest.raises(IntegrityError):  # unique slugs
        with db.session_scope(engine, write=True) as session:
            session.add_all([_event(slug="same"), _event(slug="same")])
    with pytest.raises(IntegrityError):  # unique actor names
        with db.session_scope(engine, write=True) as session:
            session.add_all([Actor(name="A", name_folded="a", kind="person"),
                             Actor(name="A", name_folded="a", kind="person")])
