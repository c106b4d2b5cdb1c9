"""Concurrent writers: several real processes adding events at once lose nothing and never see "database is
locked" (SQLite queues writers with BEGIN IMMEDIATE and a busy timeout; PostgreSQL has row locks)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from sqlalchemy import func, select
from write_sample import load

from relations_db.store import db
from relations_db.store.models import Citation, Event

# Each worker waits for a common start time, then adds its events one transaction at a time, as separate
# `add event` commands would.
WORKER = textwrap.dedent("""\
    import sys, time
    from relations_db.store import db
    from relations_db.write import events

    url, worker, count, start_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    engine = db.make_engine(url)
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(count):
        with db.session_scope(engine, write=True) as session:
            events.add_event(session, date=f"{1000 + worker * 100 + i:04d}", title=f"Worker {worker} event {i}",
                             type="test", source="lala-2014", quote=f"quote {worker}/{i}",
                             actors=["Albania:subject"])
""")


def _env() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}


def _events_and_citations(engine) -> tuple[int, int, int]:
    with db.session_scope(engine) as s:
        return (s.scalar(select(func.count()).select_from(Event)),
                s.scalar(select(func.count(func.distinct(Event.slug)))),
                s.scalar(select(func.count()).select_from(Citation)))


def test_library_writers_in_parallel_processes_lose_nothing(engine, db_url):
    load(engine)
    before, _, cited = _events_and_citations(engine)
    workers, per_worker = 4, 25
    start_at = time.time() + 2.0  # every worker has imported and connected by then
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db_url, str(w), str(per_worker), str(start_at)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for w in range(workers)]
    results = [(p.wait(timeout=240), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    for code, err in results:
        assert "locked" not in err
        assert code == 0, err
    total, distinct, citations = _events_and_citations(engine)
    assert total == distinct == before + workers * per_worker
    assert citations == cited + workers * per_worker


def test_add_event_commands_run_at_once_all_succeed(engine, db_url):
    load(engine)
    before, _, _ = _events_and_citations(engine)
    n = 10
    procs = [subprocess.Popen([sys.executable, "-m", "relations_db", "--db", db_url, "add", "event",
                               "--date", f"{1900 + i}", "--title", f"Parallel command {i}", "--type", "test",
                               "--source", "Lala 2014", "--quote", f"q{i}", "--actor", "USSR:initiator"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for i in range(n)]
    outputs = [(p.wait(timeout=240), *p.communicate()) for p in procs]
    for code, out, err in outputs:
        assert "locked" not in err
        assert code == 0, err
        assert out.strip().startswith(("19", "20"))
    assert sorted(out.strip() for _, out, _ in outputs) == sorted(
        f"{1900 + i}-parallel-command-{i}" for i in range(n))
    total, distinct, _ = _events_and_citations(engine)
    assert total == distinct == before + n
