"""The relative-conflict rule at scale (issue 16, items 3 and 7): a throwaway SQLite database of N events, each
with a date claim (every tenth a second one, a little wider), and R relative claims between random events (one
in a hundred a `before`, the rest `after`; random dates make about half of them contradict the dates, far more
than a real corpus: the worst case for the report). Rows are written with sqlite3 directly (the import is
measured elsewhere); then the rule alone, and one event's `show` (its component only), are timed.

    python bench/relative.py --events 1000000 --relative 50000 --db /tmp/relative-bench.db
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from relations_db.domain.edtf_calendar import day_number, iso_day


def build(path: Path, events: int, relative: int, seed: int = 16) -> None:
    """A new database at `path` (migrated by the CLI) holding the corpus."""
    path.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "relations_db", "--db", f"sqlite:///{path}", "db", "upgrade"], check=True,
                   capture_output=True)
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    base = day_number(1944, 1, 1)

    def rows():
        for i in range(1, events + 1):
            start = base + rng.randrange(17000)
            end = start + rng.choice((0, 0, 30, 365))
            yield (i, f"e{i}", "event", iso_day(start), "day", 0, 0, f"Event {i}", start, end, iso_day(start),
                   iso_day(end))

    con.executemany("INSERT INTO events (id, slug, kind, date, precision, approximate, uncertain, title, start_day, "
                    "end_day, start_iso, end_iso) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    con.execute("INSERT INTO claims (event_id, kind, date, start_day, end_day, rank, own) "
                "SELECT id, 'date', date, start_day, end_day, 'normal', 1 FROM events")
    con.execute("INSERT INTO claims (event_id, kind, date, start_day, end_day, rank, own) "
                "SELECT id, 'date', date, start_day, end_day + 10, 'normal', 0 FROM events WHERE id % 10 = 0")
    pairs = ((rng.randrange(1, events + 1), rng.randrange(1, events + 1), n) for n in range(relative))
    con.executemany("INSERT INTO claims (event_id, kind, other_event_id, rank, own) VALUES (?, ?, ?, 'normal', 0)",
                    ((a, "after" if n % 100 else "before", b) for a, b, n in pairs if a != b))
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--relative", type=int, default=50_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/relative-bench.db"))
    args = parser.parse_args()
    started = time.perf_counter()
    build(args.db, args.events, args.relative)
    print(f"built {args.events:,} events, {args.relative:,} relative claims in {time.perf_counter() - started:.1f} s")

    from relations_db.analysis.relative_audit import _relative_conflicts
    from relations_db.store import db

    engine = db.make_engine(f"sqlite:///{args.db}")
    with db.session_scope(engine) as session:
        started = time.perf_counter()
        found = sum(1 for _ in _relative_conflicts(session))
        print(f"relative-conflict: {found:,} findings in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "relations_db", "--db", f"sqlite:///{args.db}", "show", "e5", "-f", "json"],
                   check=True, capture_output=True)
    print(f"show e5 (its component only): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
