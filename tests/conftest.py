"""Test fixtures: every database test runs on SQLite and on a real, throwaway PostgreSQL server.

The PostgreSQL cluster is started once per test session from the server binaries under
/usr/lib/postgresql/*/bin (as the `postgres` user when the tests run as root, since initdb refuses root),
on a free loopback port, and removed at the end. Each test gets a database of its own. Where the binaries are
absent the PostgreSQL half of each test is skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ["sqlite", "postgresql"]


# --- the PostgreSQL server ---------------------------------------------------------------------------------


@dataclass
class PgServer:
    port: int
    bin_dir: Path

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self):
        import psycopg

        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True)

    def create_database(self, template: str | None = None) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_bin_dir() -> Path | None:
    explicit = os.environ.get("RELATIONS_DB_PG_BIN")
    candidates = [explicit] if explicit else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; run them as the `postgres` system user instead.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def pg_server():
    """A running throwaway PostgreSQL cluster, or a skip that says why there is none."""
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                    "(install postgresql, or set RELATIONS_DB_PG_BIN)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install -e '.[test]'")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
    # Not pytest's tmp dir: it is private to root, and the server runs as `postgres`.
    base = Path(tempfile.mkdtemp(prefix="relations-db-pg-", dir="/tmp"))
    data, log = base / "data", base / "server.log"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
    base.chmod(0o755)
    port = _free_port()
    subprocess.run(
        _as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
        check=True, capture_output=True,
    )
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
    subprocess.run(
        _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
        check=True, capture_output=True,
    )
    try:
        yield PgServer(port=port, bin_dir=bin_dir)
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


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
def engine(db_url):
    """An engine on a new, migrated, empty database."""
    from relations_db import db

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
    from relations_db import db
    from relations_db.seed import load_default_seed

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
