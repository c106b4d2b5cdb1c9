"""Issue 19, item 6: processes that create the schema of a fresh database at the same time take turns (the
schema lock), so that every one succeeds and the seed is loaded once. Processes, not threads: the race is
between separate connections of separate programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from relations_db.store.db import SCHEMA_HEAD


def _run_at_once(url: str, commands: list[list[str]], home: str) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "NO_COLOR": "1", "HOME": home}
    procs = [subprocess.Popen([sys.executable, "-m", "relations_db", "--db", url, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for args in commands]
    outputs = [p.communicate(timeout=120) for p in procs]
    return [subprocess.CompletedProcess(p.args, p.returncode, *out) for p, out in zip(procs, outputs, strict=True)]


def _event_count(url: str, home: str) -> int:
    done = _run_at_once(url, [["events", "--format", "json"]], home)[0]
    assert done.returncode == 0, done.stderr
    return len(json.loads(done.stdout))


def _fresh_url(backend: str, request, tmp_path, run: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'fresh-{run}.db'}"
    server = request.getfixturevalue("pg_server")
    return server.url(server.create_database())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_four_first_uses_at_once_all_succeed_and_seed_once(backend, request, tmp_path):
    runs = 10 if backend == "postgresql" else 3
    for run in range(runs):
        url = _fresh_url(backend, request, tmp_path, run)
        done = _run_at_once(url, [["events", "-n", "1"]] * 4, str(tmp_path))
        failed = [d.stderr for d in done if d.returncode != 0]
        assert not failed, f"run {run + 1} of {runs}: {failed}"
        assert sum("Created a new database" in d.stderr for d in done) >= 1
        assert _event_count(url, str(tmp_path)) == 59, f"run {run + 1}: the seed loaded more than once"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_three_upgrades_at_once_all_succeed(backend, request, tmp_path):
    for run in range(3):
        url = _fresh_url(backend, request, tmp_path, run)
        done = _run_at_once(url, [["db", "upgrade"]] * 3, str(tmp_path))
        failed = [d.stderr for d in done if d.returncode != 0]
        assert not failed, f"run {run + 1}: {failed}"
        current = _run_at_once(url, [["db", "current"]], str(tmp_path))[0]
        assert current.stdout.startswith(f"{SCHEMA_HEAD} (head)"), current.stdout + current.stderr
