"""A small, known chronology (tests/data/query-sample.yaml) loaded once per backend for the read-side tests.

The read commands never write, so the tests share one database per backend (the `sample_url` fixture of
conftest.py, built by `sample_database`); a test that changes data builds its own with `load_sample(engine)`.
This module holds helpers and data, no fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "data" / "query-sample.yaml"
SEED = Path(__file__).resolve().parents[1] / "data" / "seed.yaml"

_databases: dict[str, str] = {}


def load_sample(engine, extra: str | None = None) -> None:
    """Load the sample chronology (and `extra` seed-format YAML, if given) into a migrated database."""
    from relations_db.formats.seed.apply import load_seed_text
    from relations_db.store import db

    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, SAMPLE.read_text(encoding="utf-8"), str(SAMPLE))
        if extra:
            load_seed_text(session, extra, "<extra>")


def sample_database(backend: str, request) -> str:
    """The URL of the shared sample database on `backend`, created on first use."""
    from relations_db.store import db

    if backend not in _databases:
        if backend == "sqlite":
            url = f"sqlite:///{request.getfixturevalue('tmp_path_factory').mktemp('sample') / 'sample.db'}"
        else:
            server = request.getfixturevalue("pg_server")
            url = server.url(server.create_database())
        engine = db.make_engine(url)
        db.upgrade(engine)
        load_sample(engine)
        engine.dispose()
        _databases[backend] = url
    return _databases[backend]


needs_seed = pytest.mark.skipif(not SEED.exists(), reason="data/seed.yaml does not exist yet")

__all__ = ["SAMPLE", "load_sample", "needs_seed", "sample_database"]
