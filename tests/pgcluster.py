"""A throwaway PostgreSQL cluster, for the test session (tests/conftest.py) and the benchmarks (bench/run.py).

Started from the server binaries under /usr/lib/postgresql/*/bin — as the `postgres` user when running as
root, since initdb refuses root — with a data directory that user owns (not pytest's root-only temp dir), on a
free loopback port, tuned for throwaway data (no fsync), and removed when stopped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PgServer:
    port: int
    bin_dir: Path
    base: Path = field(repr=False)

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
        with self.admin() as conn:  # WITH (FORCE): pooled connections left open do not block it
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        subprocess.run(_as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.base / "data"),
                                        "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def pg_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries on this machine ($RELATIONS_DB_PG_BIN overrides), or None."""
    explicit = os.environ.get("RELATIONS_DB_PG_BIN")
    candidates = [explicit] if explicit else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def unavailable_reason() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    if pg_bin_dir() is None:
        return ("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                "(install postgresql, or set RELATIONS_DB_PG_BIN)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install -e '.[test]'"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL as the postgres user"
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


def start(max_connections: int = 60) -> PgServer:
    """Start a new cluster; the caller stops it with `.stop()`."""
    bin_dir = pg_bin_dir()
    assert bin_dir is not None, unavailable_reason()
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
               f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections}")
    subprocess.run(
        _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
        check=True, capture_output=True,
    )
    return PgServer(port=port, bin_dir=bin_dir, base=base)
