"""The benchmark suite: one command, a table of figures, measured side by side in one run.

    python bench/run.py                 # N = 100k and 1M, SQLite and PostgreSQL (about 15-25 minutes)
    python bench/run.py --sizes 20000   # a quick look

Every figure is a whole process (what a user waits for), the median of several runs, with its peak memory
(ru_maxrss of that process, from wait4). Ratios compare relations-db with a minimal Typer app doing the same
in the same run (bench/minimal_app.py), so machine noise affects both sides alike. Results are printed as a
table and written to bench/out/results.json; BENCHMARKS.md records them with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PY = sys.executable
CLI = [str(Path(PY).with_name("relations-db"))]
if not Path(CLI[0]).exists():
    CLI = [PY, "-m", "relations_db"]
MINIMAL = [PY, str(HERE / "minimal_app.py")]
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}

sys.path.insert(0, str(ROOT / "tests"))


def run(cmd: list[str]) -> tuple[float, bytes]:
    """(seconds, stdout) of one whole process; a failure stops the suite with the command's stderr."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=ENV)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return seconds, proc.stdout


def run_rss(cmd: list[str], *, stdout_path: str = os.devnull) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of a process whose stdout goes to a file; wait4 gives that process's rusage."""
    with open(stdout_path, "wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def median_time(cmd: list[str], repeat: int = 7) -> float:
    run(cmd)  # warm the page cache; the first run of a cold file system is not what users see
    return statistics.median(run(cmd)[0] for _ in range(repeat))


def side_by_side(ours: list[str], theirs: list[str], repeat: int = 9) -> tuple[float, float]:
    """Medians of alternating runs, so that drift in machine load affects both sides alike."""
    run(ours), run(theirs)
    a, b = [], []
    for _ in range(repeat):
        a.append(run(ours)[0])
        b.append(run(theirs)[0])
    return statistics.median(a), statistics.median(b)


class Report:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, backend: str, n: int | str, what: str, value: str, target: str = "", ok: bool | None = None):
        row = {"backend": backend, "n": n, "measure": what, "value": value, "target": target,
               "met": None if ok is None else bool(ok)}
        self.rows.append(row)
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{backend:10} {str(n):>8}  {what:48} {value:>22}  {target:24} {mark}", flush=True)


def busiest_actor(url_path: str) -> tuple[str, int]:
    conn = sqlite3.connect(url_path)
    name, count = conn.execute(
        "SELECT a.name, count(*) c FROM participations p JOIN actors a ON a.id = p.actor_id "
        "GROUP BY a.id ORDER BY c DESC LIMIT 1").fetchone()
    conn.close()
    return name, count


def sqlite3_stream_actor(path: str, name: str) -> float:
    """Plain Python sqlite3 streaming one actor's events (the floor the ORM-free read path is compared to)."""
    script = (
        "import sqlite3,sys,json\n"
        f"c=sqlite3.connect({path!r})\n"
        "q='''SELECT e.id,e.slug,e.date,e.start_date,e.end_date,e.title FROM events e JOIN participations p "
        "ON p.event_id=e.id JOIN actors a ON a.id=p.actor_id WHERE a.name=? ORDER BY e.start_date,e.end_date'''\n"
        "w=sys.stdout.write\n"
        f"for r in c.execute(q,({name!r},)): w(json.dumps(r)+'\\n')\n"
    )
    return median_time([PY, "-c", script], repeat=5)


def bench_backend(report: Report, backend: str, url: str, n: int, corpus: Path, sqlite_path: str | None) -> None:
    db = ["--db", url]
    # --- import ---------------------------------------------------------------------------------------------
    run(CLI + db + ["db", "upgrade"])
    run(CLI + db + ["import", str(corpus / "base.yaml")])
    seconds, rss = run_rss(CLI + db + ["import", str(corpus / "events.csv")])
    rate = n / seconds
    report.add(backend, n, "import CSV: events/s", f"{rate:,.0f}/s ({seconds:.1f} s)", ">= 50,000/s", rate >= 50_000)
    report.add(backend, n, "import CSV: peak memory", f"{rss:,.0f} MiB", "<= 500 MiB", rss <= 500)
    # --- queries --------------------------------------------------------------------------------------------
    if sqlite_path:
        actor, count = busiest_actor(sqlite_path)
    else:
        actor, count = _busiest_actor_pg(url)
    empty = median_time(CLI + db + ["events", "--year", "1900", "--format", "json"])
    report.add(backend, n, "empty-result query (baseline)", f"{empty * 1000:.0f} ms")
    for label, args in [
        ("year query (--year 1960, first 100)", ["--year", "1960", "--limit", "100"]),
        ("actor query (busiest actor, first 100)", ["--actor", actor, "--limit", "100"]),
        ("actor+range (busiest, 1955-1961, first 100)", ["--actor", actor, "--from", "1955", "--to", "1961",
                                                         "--limit", "100"]),
    ]:
        t = median_time(CLI + db + ["events", *args, "--format", "json"])
        report.add(backend, n, f"{label}: over empty", f"+{(t - empty) * 1000:.0f} ms", "<= +50 ms",
                   t - empty <= 0.050)
    t = median_time(CLI + db + ["events", "--year", "1960", "--format", "jsonl"], repeat=3)
    report.add(backend, n, "year query, every row (jsonl)", f"{t * 1000:.0f} ms")
    t_ours = median_time(CLI + db + ["events", "--actor", actor, "--format", "jsonl"], repeat=3)
    if sqlite_path:
        t_floor = sqlite3_stream_actor(sqlite_path, actor)
        report.add(backend, n, f"busiest actor ({count:,} rows) vs Python sqlite3",
                   f"{t_ours:.2f} s vs {t_floor:.2f} s = {t_ours / t_floor:.2f}x", "<= 2x", t_ours / t_floor <= 2)
    else:
        report.add(backend, n, f"busiest actor ({count:,} rows), every row", f"{t_ours:.2f} s")
    t = median_time(CLI + db + ["search", "naval base", "--format", "json", "--limit", "20"])
    report.add(backend, n, "search 'naval base' (top 20), whole process", f"{t * 1000:.0f} ms")
    t = median_time(CLI + db + ["search", "naval base", "--format", "json", "--limit", "20"])
    report.add(backend, n, "search: over empty-result query", f"+{(t - empty) * 1000:.0f} ms", "<= +100 ms",
               t - empty <= 0.100)
    # --- export ---------------------------------------------------------------------------------------------
    out_file = str(OUT / f"export-{backend}-{n}.csv")
    seconds, rss = run_rss(CLI + db + ["export", "--format", "csv", "-o", out_file])
    rate = n / seconds
    report.add(backend, n, "export CSV: events/s", f"{rate:,.0f}/s ({seconds:.1f} s)", ">= 100,000/s",
               rate >= 100_000)
    report.add(backend, n, "export CSV: peak memory", f"{rss:,.0f} MiB", "<= 100 MiB", rss <= 100)
    os.unlink(out_file)


def _busiest_actor_pg(url: str) -> tuple[str, int]:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT a.name, count(*) c FROM participations p JOIN actors a ON a.id = p.actor_id "
            "GROUP BY a.id ORDER BY c DESC LIMIT 1").fetchone()


def bench_start(report: Report, seeded: str) -> None:
    ours, theirs = side_by_side(CLI + ["--help"], MINIMAL + ["--help"])
    report.add("sqlite", "seed", "--help vs minimal Typer app",
               f"{ours * 1000:.0f} vs {theirs * 1000:.0f} ms = {ours / theirs:.2f}x", "<= 1.2x",
               ours / theirs <= 1.2)
    ours, theirs = side_by_side(CLI + ["--db", seeded, "events", "--year", "1960", "--format", "json"],
                                MINIMAL + ["query", seeded, "1960"])
    report.add("sqlite", "seed", "year query JSON vs minimal app",
               f"{ours * 1000:.0f} vs {theirs * 1000:.0f} ms = {ours / theirs:.2f}x", "<= 1.3x",
               ours / theirs <= 1.3)
    ours, theirs = side_by_side(CLI + ["--db", seeded, "events", "--actor", "Khrushchev", "--format", "json"],
                                MINIMAL + ["query", seeded, "1959"])
    report.add("sqlite", "seed", "actor query JSON vs minimal app",
               f"{ours * 1000:.0f} vs {theirs * 1000:.0f} ms = {ours / theirs:.2f}x", "<= 1.3x",
               ours / theirs <= 1.3)


def bench_concurrent_writers(report: Report, url: str, backend: str, writers: int = 8, each: int = 1000) -> None:
    """8 processes adding 1,000 events each through the library, at once; then count."""
    worker = HERE / "writer.py"
    started = time.perf_counter()
    procs = [subprocess.Popen([PY, str(worker), url, str(w), str(each)], env=ENV, stderr=subprocess.PIPE)
             for w in range(writers)]
    failures = [p.stderr.read().decode() for p in procs if p.wait() != 0]
    seconds = time.perf_counter() - started
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM events WHERE slug LIKE 'writer-%'")).scalar()
    engine.dispose()
    ok = count == writers * each and not failures
    report.add(backend, "writers", f"{writers} writers x {each} events", f"{count:,} stored in {seconds:.1f} s",
               f"{writers * each:,}, no error", ok)
    if failures:
        print(failures[0][-1500:], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    report = Report()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"{'backend':10} {'N':>8}  {'measure':48} {'value':>22}  {'target':24}")

    import pgcluster

    seeded = OUT / "seeded.db"
    seeded.unlink(missing_ok=True)
    run(CLI + ["--db", f"sqlite:///{seeded}", "db", "seed"])
    bench_start(report, f"sqlite:///{seeded}")

    server = None
    if "postgresql" in args.backends:
        reason = pgcluster.unavailable_reason()
        if reason:
            print(f"PostgreSQL skipped: {reason}")
        else:
            server = pgcluster.start()
    try:
        writers_db = OUT / "writers.db"
        writers_db.unlink(missing_ok=True)
        run(CLI + ["--db", f"sqlite:///{writers_db}", "db", "seed"])
        bench_concurrent_writers(report, f"sqlite:///{writers_db}", "sqlite")
        if server:
            url = server.url(server.create_database())
            run(CLI + ["--db", url, "db", "seed"])
            bench_concurrent_writers(report, url, "postgresql")
        for n in args.sizes:
            corpus = OUT / f"corpus-{n}"
            if not (corpus / "events.csv").exists():
                subprocess.run([PY, str(HERE / "generate.py"), "--events", str(n), "--out", str(corpus)], check=True)
            if "sqlite" in args.backends:
                path = OUT / f"bench-{n}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                bench_backend(report, "sqlite", f"sqlite:///{path}", n, corpus, str(path))
            if server:
                bench_backend(report, "postgresql", server.url(server.create_database()), n, corpus, None)
    finally:
        if server:
            server.stop()
    (OUT / "results.json").write_text(json.dumps(report.rows, indent=2))
    missed = [r for r in report.rows if r["met"] is False]
    print(f"\n{len(report.rows)} figures, {sum(r['met'] is True for r in report.rows)} targets met, "
          f"{len(missed)} missed; results in {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
