"""Test fixtures: every database test runs on SQLite and on a real, throwaway PostgreSQL server.

The PostgreSQL cluster is started once per test session from the server binaries under
/usr/lib/postgresql/*/bin (as the `postgres` user when the tests run as root, since initdb refuses root),
on a free loopback port, and removed at the end. Each test gets a database of its own. Where the binaries are
absent the PostgreSQL half of each test is skipped with the reason.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import pgcluster  # noqa: E402  (a plain module beside this file, shared with bench/run.py)
from pgcluster import PgServer  # noqa: E402

# The read side's shared sample database (`sample_url`, `sample_session`), defined beside its data.

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(items) -> None:
    """Mark what needs a server or a browser, so that `pytest -m "not postgres and not browser"` runs the fast
    SQLite-only subset (CONTRIBUTING.md): a test parametrised on the PostgreSQL backend, or asking for the
    server itself, is `postgres`; the headless-Chromium tests are `browser`."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        if on_postgres or "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if item.path.name == "test_html_browser.py":
            item.add_marker(pytest.mark.browser)


# --- the PostgreSQL server ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """A running throwaway PostgreSQL cluster (tests/pgcluster.py), or a skip that says why there is none."""
    reason = pgcluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = pgcluster.start()
    try:
        yield server
    finally:
        server.stop()


# --- a fresh database per test, on each backend --------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path):
    """The URL of a new, empty database (no tables) on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)  # WITH (FORCE): pooled connections left open do not block it


@pytest.fixture
def other_url(backend, request, tmp_path):
    """A second, empty database (no tables) on the same backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def engine(db_url):
    """An engine on a new, migrated, empty database."""
    from relations_db.store import db

    eng = db.make_engine(db_url)
    db.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def _seeded_templates(tmp_path_factory):
    """One migrated and seeded database per backend, copied for each test that wants seeded data."""
    return {}


@pytest.fixture
def seeded_url(backend, request, tmp_path, _seeded_templates):
    """The URL of a new database, migrated and loaded with data/seed.yaml, on the backend under test."""
    from relations_db.formats.seed.apply import load_default_seed
    from relations_db.store import db

    if backend not in _seeded_templates:
        if backend == "sqlite":
            path = tmp_path.parent / f"seeded-template-{uuid.uuid4().hex[:8]}.db"
            url = f"sqlite:///{path}"
        else:
            server: PgServer = request.getfixturevalue("pg_server")
            url = server.url(server.create_database())
        eng = db.make_engine(url)
        db.upgrade(eng)
        with db.session_scope(eng, write=True) as session:
            load_default_seed(session)
        if backend == "sqlite":
            with eng.connect() as conn:  # fold the WAL into the file so that copying it copies everything
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()
        _seeded_templates[backend] = url
    template = _seeded_templates[backend]
    if backend == "sqlite":
        target = tmp_path / "seeded.db"
        shutil.copyfile(template.split(":///", 1)[1], target)
        yield f"sqlite:///{target}"
        return
    server = request.getfixturevalue("pg_server")
    name = server.create_database(template=template.rsplit("/", 1)[1])
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def seeded(seeded_url):
    """(URL, engine) of a seeded database on the backend under test: for tests that read its tables directly."""
    from relations_db.store import db

    engine = db.make_engine(seeded_url)
    yield seeded_url, engine
    engine.dispose()


# --- the command line ----------------------------------------------------------------------------------------


@pytest.fixture
def cli():
    """Run the command line in-process: cli(url, *args) → click Result (stdout and stderr kept apart)."""
    from typer.testing import CliRunner

    from relations_db.cli import app

    runner = CliRunner()

    def run(url: str | None, *args: str, input: str | None = None, env: dict | None = None):
        argv = (["--db", url] if url else []) + list(args)
        return runner.invoke(app, argv, input=input, env={"NO_COLOR": "1", "COLUMNS": "100", **(env or {})},
                             catch_exceptions=False)

    return run


# --- the sample chronology for the read side (tests/query_sample.py) ---------------------------------------


@pytest.fixture
def sample_url(backend, request) -> str:
    """A database (shared, read-only) holding the sample chronology, on the backend under test."""
    from query_sample import sample_database

    return sample_database(backend, request)


@pytest.fixture
def sample_session(sample_url):
    """A read-only session on the sample database."""
    from relations_db.store import db

    engine = db.make_engine(sample_url)
    with db.session_scope(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def bare_url(seeded_url):
    """The seed without the claims it records itself (the Vlorë dispute dated against the break and the
    submarines' leaving, Khrushchev's appointment before June 1954, Kapo's part at Bucharest…): for the tests
    that state their own."""
    from write_sample import without_the_seeds_claims

    from relations_db.store import db

    engine = db.make_engine(seeded_url)
    without_the_seeds_claims(engine)
    engine.dispose()
    return seeded_url
