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
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PY = sys.executable
CLI = [str(Path(PY).with_name("relations-db"))]
if not Path(CLI[0]).exists():
    CLI = [PY, "-m", "relations_db"]
MINIMAL = [PY, str(HERE / "minimal_app.py")]
SQLITE_UTILS = [str(Path(PY).with_name("sqlite-utils"))]  # (a test dependency: pip install -e '.[test]')
# (PYTHONDONTWRITEBYTECODE would make every start compile the modules again: users' installs have .pyc files)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "NO_COLOR": "1", "COLUMNS": "100"}
FLOORS = [PY, str(HERE / "floors.py")]

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
    """(seconds, peak RSS MiB of its largest process) of a process whose stdout goes to a file."""
    seconds, largest, _, _ = run_tree_rss(cmd, stdout_path=stdout_path)
    return seconds, largest


def _tree_memory(pid: int) -> dict[int, tuple[int, int, int]]:
    """{pid: (VmRSS, VmHWM, Pss) in KiB} of a process and all its descendants now (Linux /proc). Pss, the
    proportional set size, counts a page shared by n processes (the interpreter's and its libraries' code) as
    1/n in each: summed over the processes, it is the memory they take together, which the sum of their
    resident sets overstates by every shared page counted again."""
    found, pending = {}, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS:", "VmHWM:")))
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                fields.update((name, value) for name, value in (line.split(":", 1) for line in rollup)
                              if name == "Pss")
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue  # (a process that ended between two reads)
        if len(fields) == 3:
            found[current] = (int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0]),
                              int(fields["Pss"].split()[0]))
    return found


def run_tree_rss(cmd: list[str], *, stdout_path: str = os.devnull) -> tuple[float, float, float, float]:
    """(seconds, peak RSS of the largest process, peak of all its processes together as the sum of their
    resident sets, and as the sum of their proportional set sizes), MiB.

    Memory is read from /proc every 50 ms: each process's high-water mark (VmHWM) as last seen, and the sums of
    the resident sets and of the proportional set sizes (`_tree_memory`). (Not wait4's ru_maxrss: a child
    started by vfork, as subprocess does, inherits the high-water mark of this process's memory at exec, which
    grows with the outputs the suite has read.)
    """
    import threading

    marks: dict[int, int] = {}
    together = [0, 0]
    done = threading.Event()

    def sample(pid: int) -> None:
        while True:
            now = _tree_memory(pid)
            for process, (_, hwm, _) in now.items():
                marks[process] = max(marks.get(process, 0), hwm)
            together[0] = max(together[0], sum(rss for rss, _, _ in now.values()))
            together[1] = max(together[1], sum(pss for _, _, pss in now.values()))
            if done.wait(0.05):
                return

    with open(stdout_path, "wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE, env=ENV)
        sampler = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
        sampler.start()
        err = proc.stderr.read().decode()
        proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, max(marks.values(), default=0) / 1024, together[0] / 1024, together[1] / 1024


def median_time(cmd: list[str], repeat: int = 7) -> float:
    run(cmd)  # warm the page cache; the first run of a cold file system is not what users see
    return statistics.median(run(cmd)[0] for _ in range(repeat))


def cpu_seconds(cmd: list[str]) -> float:
    """CPU seconds (user + system) of one whole process, from wait4: less moved by other processes on the
    machine than wall time, which waits for them."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def cpu_pairs(ours: list[str], theirs: list[str], pairs: int = 11) -> tuple[float, float, float]:
    """(median CPU of ours, of theirs, median of the pairs' ratios), run alternately after one warm-up each."""
    cpu_seconds(ours), cpu_seconds(theirs)
    a, b = [], []
    for _ in range(pairs):
        a.append(cpu_seconds(ours))
        b.append(cpu_seconds(theirs))
    return statistics.median(a), statistics.median(b), statistics.median(x / y for x, y in zip(a, b, strict=True))


def year_query_sql(year: int) -> str:
    """The SQL the fast path runs for `events --year YEAR` (read/sqlite_fast/statements.py), its values inlined:
    what sqlite-utils is given, so that both run the same statement."""
    from relations_db.domain.dates import year_days
    from relations_db.read.shapes import EventsShape, span_params
    from relations_db.read.sqlite_fast.statements import STATEMENTS

    sql, bound, _, constants = STATEMENTS[EventsShape("both", False, (), ()).key()]
    values = {**constants, **span_params(year_days(year))}
    pieces = sql.split("?")
    assert len(pieces) == len(bound) + 1
    return "".join(piece + (str(int(values[name])) if i < len(bound) else "")
                   for i, (piece, name) in enumerate(zip(pieces, [*bound, ""], strict=True)))


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


# SQLite's whole-process times per (N, query), for PostgreSQL's "within 2x of SQLite on the same data"
SQLITE_TIMES: dict[tuple[int, str], float] = {}


def bench_backend(report: Report, backend: str, url: str, n: int, corpus: Path, sqlite_path: str | None) -> None:
    """Import the corpus of `n` events into `url`, then time the queries and the export on it."""
    _bench_import(report, backend, url, n, corpus, sqlite_path)
    _bench_queries(report, backend, url, n, sqlite_path)
    _bench_check(report, backend, url, n)
    _bench_export(report, backend, url, n, sqlite_path)


def _bench_check(report: Report, backend: str, url: str, n: int) -> None:
    """The duplicate audit, which compares only events sharing a rare title word on overlapping dates (issue 14)."""
    seconds = median_time(CLI + ["--db", url, "check", "--rule", "duplicate-event", "--format", "json"], repeat=1)
    report.add(backend, n, "check --rule duplicate-event", f"{seconds:.1f} s", "<= 30 s", seconds <= 30)


def _bench_import(report: Report, backend: str, url: str, n: int, corpus: Path, sqlite_path: str | None) -> None:
    db = ["--db", url]
    run(CLI + db + ["db", "upgrade"])
    run(CLI + db + ["import", str(corpus / "base.yaml")])
    if sqlite_path:
        base = OUT / f"base-{n}.db"  # the database before the events, for the insert floor
        shutil.copyfile(sqlite_path, base)
    seconds, rss = run_rss(CLI + db + ["import", str(corpus / "events.csv")])
    rate = n / seconds
    IMPORT_RATES[(backend, n)] = rate
    report.add(backend, n, "import CSV: events/s", f"{rate:,.0f}/s ({seconds:.1f} s)", ">= 50,000/s", rate >= 50_000)
    report.add(backend, n, "import CSV: peak memory", f"{rss:,.0f} MiB", "<= 500 MiB", rss <= 500)
    if sqlite_path:
        _, out = run(FLOORS + ["insert", sqlite_path, str(base)])
        floor = float(out)
        report.add(backend, n, "  floor: sqlite3 executemany of the same rows", f"{n / floor:,.0f}/s ({floor:.1f} s)")
        base.unlink()


IMPORT_RATES: dict[tuple[str, int], float] = {}  # (backend, N) → events/s of the default import


def bench_pg_import_paths(report: Report, new_url: Callable[[], str], n: int, corpus: Path) -> None:
    """PostgreSQL's two import paths side by side: `import --lock-tables` (indexes and keys dropped, readers
    wait) against the default (kept, readers unblocked; timed in `_bench_import`), each into a fresh database;
    then the default once more with a reader asking every 20 ms, whose slowest answer is the figure."""
    url = new_url()
    run(CLI + ["--db", url, "db", "upgrade"])
    run(CLI + ["--db", url, "import", str(corpus / "base.yaml")])
    seconds, _ = run_rss(CLI + ["--db", url, "import", "--lock-tables", str(corpus / "events.csv")])
    locking = n / seconds
    report.add("postgresql", n, "import CSV --lock-tables: events/s", f"{locking:,.0f}/s ({seconds:.1f} s)")
    default = IMPORT_RATES.get(("postgresql", n))
    if default is not None:
        ratio = default / locking
        report.add("postgresql", n, "  default (readers unblocked) / --lock-tables", f"{ratio:.2f}x", ">= 0.70x",
                   ratio >= 0.70)
    url = new_url()
    run(CLI + ["--db", url, "db", "upgrade"])
    run(CLI + ["--db", url, "import", str(corpus / "base.yaml")])
    slowest, reads, seconds = _slowest_read_during(url, CLI + ["--db", url, "import", str(corpus / "events.csv")])
    report.add("postgresql", n, f"reader during the import ({reads} reads in {seconds:.0f} s): slowest",
               f"{slowest * 1000:.0f} ms", "< 1,000 ms", reads > 0 and slowest < 1.0)


def _slowest_read_during(url: str, cmd: list[str]) -> tuple[float, int, float]:
    """(slowest answer in seconds, number of reads, seconds the command took) of a reader that asks for an event
    by slug or id every 20 ms, on a connection of its own each time, while `cmd` runs."""
    import tempfile

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    errors = tempfile.TemporaryFile()  # (not a pipe: one nobody reads while polling could fill and stall the import)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, env=ENV)
    slowest, reads = 0.0, 0
    try:
        while proc.poll() is None:
            asked = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(text("SELECT id, title FROM events WHERE slug = 'x' OR id = 1")).all()
            if proc.poll() is None:  # (an answer that came after the import ended says nothing of it)
                slowest, reads = max(slowest, time.perf_counter() - asked), reads + 1
            time.sleep(0.02)
        if proc.wait() != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {errors.read().decode()[-2000:]}")
    finally:
        engine.dispose()
        errors.close()
    return slowest, reads, time.perf_counter() - started


def _bench_queries(report: Report, backend: str, url: str, n: int, sqlite_path: str | None) -> None:
    db = ["--db", url]
    if sqlite_path:
        actor, count = busiest_actor(sqlite_path)
    else:
        actor, count = _busiest_actor_pg(url)

    def timed(key: str, args: list[str], repeat: int = 7) -> float:
        seconds = median_time(CLI + db + args, repeat=repeat)
        if sqlite_path:
            SQLITE_TIMES[(n, key)] = seconds
        return seconds

    def versus_sqlite(key: str, seconds: float) -> None:
        if not sqlite_path and (n, key) in SQLITE_TIMES:
            ratio = seconds / SQLITE_TIMES[(n, key)]
            report.add(backend, n, "  same, PostgreSQL / SQLite", f"{ratio:.2f}x", "<= 2x", ratio <= 2)

    def over_empty(key: str, args: list[str], repeat: int = 9) -> tuple[float, float]:
        """(median whole-process seconds, median of paired differences to the empty-result query): runs
        alternate, so that drift in machine load affects both sides alike."""
        run(CLI + db + args)
        pairs = [(run(CLI + db + args)[0], run(CLI + db + empty_args)[0]) for _ in range(repeat)]
        seconds = statistics.median(ours for ours, _ in pairs)
        if sqlite_path:
            SQLITE_TIMES[(n, key)] = seconds
        return seconds, statistics.median(ours - empty for ours, empty in pairs)

    empty_args = ["events", "--year", "1900", "--format", "json"]
    empty = timed("empty-result query", empty_args)
    report.add(backend, n, "empty-result query (baseline)", f"{empty * 1000:.0f} ms")
    versus_sqlite("empty-result query", empty)
    for label, args in [
        ("year query (--year 1960, first 100)", ["--year", "1960", "--limit", "100"]),
        ("actor query (busiest actor, first 100)", ["--actor", actor, "--limit", "100"]),
        ("actor+range (busiest, 1955-1961, first 100)", ["--actor", actor, "--from", "1955", "--to", "1961",
                                                         "--limit", "100"]),
    ]:
        t, delta = over_empty(label, ["events", *args, "--format", "json"])
        report.add(backend, n, f"{label}: over empty", f"{delta * 1000:+.0f} ms", "<= +50 ms", delta <= 0.050)
        versus_sqlite(label, t)
    t = timed("year query, every row (jsonl)", ["events", "--year", "1960", "--format", "jsonl"], repeat=3)
    report.add(backend, n, "year query, every row (jsonl)", f"{t * 1000:.0f} ms")
    versus_sqlite("year query, every row (jsonl)", t)
    t_ours = timed("busiest actor, every row (jsonl)", ["events", "--actor", actor, "--format", "jsonl"], repeat=3)
    if sqlite_path:
        ours_out = OUT / "actor-ours.jsonl"
        floor_out = OUT / "actor-floor.jsonl"
        run_rss(CLI + db + ["events", "--actor", actor, "--format", "jsonl"], stdout_path=str(ours_out))
        run_rss(FLOORS + ["actor-full", sqlite_path, actor], stdout_path=str(floor_out))
        if ours_out.read_bytes() != floor_out.read_bytes():
            raise RuntimeError("the same-shape floor does not print what `events --format jsonl` prints")
        ours_out.unlink(), floor_out.unlink()
        t_full = median_time(FLOORS + ["actor-full", sqlite_path, actor], repeat=3)
        t_narrow = median_time(FLOORS + ["actor-narrow", sqlite_path, actor], repeat=3)
        report.add(backend, n, f"busiest actor ({count:,} rows) vs sqlite3, same output",
                   f"{t_ours:.2f} s vs {t_full:.2f} s = {t_ours / t_full:.2f}x", "<= 2x", t_ours / t_full <= 2)
        report.add(backend, n, "  vs sqlite3 printing 6 columns (no actors, citations)",
                   f"{t_ours:.2f} s vs {t_narrow:.2f} s = {t_ours / t_narrow:.2f}x")
    else:
        report.add(backend, n, f"busiest actor ({count:,} rows), every row", f"{t_ours:.2f} s")
        versus_sqlite("busiest actor, every row (jsonl)", t_ours)
    t, delta = over_empty("search", ["search", "naval base", "--format", "json", "--limit", "20"])
    report.add(backend, n, "search 'naval base' (top 20): over empty", f"{delta * 1000:+.0f} ms", "<= +100 ms",
               delta <= 0.100)
    versus_sqlite("search", t)
    _bench_search_work(report, backend, db, n)


def _bench_search_work(report: Report, backend: str, db: list[str], n: int, repeat: int = 9) -> None:
    """The search's own work: the empty-result `events` query answers on SQLite without SQLAlchemy (issue 20)
    while `search` loads it (~0.3 s), so the search is also measured over a search that finds nothing, both
    sides loading the same (paired runs, alternating)."""
    found = CLI + db + ["search", "naval base", "--format", "json", "--limit", "20"]
    nothing = CLI + db + ["search", "qqqzzzxxx", "--format", "json", "--limit", "20"]
    run(found)
    delta = statistics.median(run(found)[0] - run(nothing)[0] for _ in range(repeat))
    report.add(backend, n, "search 'naval base' (top 20): over a search finding nothing", f"{delta * 1000:+.0f} ms",
               "<= +100 ms", delta <= 0.100)


def _bench_export(report: Report, backend: str, url: str, n: int, sqlite_path: str | None) -> None:
    db = ["--db", url]
    out_file = str(OUT / f"export-{backend}-{n}.csv")
    if not sqlite_path:
        _settle_postgresql(report, url, n, CLI + db + ["export", "--format", "csv", "-o", out_file])
    runs = [run_tree_rss(CLI + db + ["export", "--format", "csv", "-o", out_file]) for _ in range(3)]
    seconds = statistics.median(r[0] for r in runs)
    largest, together, shared = max(r[1] for r in runs), max(r[2] for r in runs), max(r[3] for r in runs)
    rate = n / seconds
    report.add(backend, n, "export CSV: events/s (median of 3)", f"{rate:,.0f}/s ({seconds:.1f} s)", ">= 100,000/s",
               rate >= 100_000)
    report.add(backend, n, "export CSV: peak memory, largest process", f"{largest:,.0f} MiB", "<= 100 MiB",
               largest <= 100)
    # Together: the sum of the processes' proportional set sizes (a page the parent and a worker share, such as
    # the interpreter's code, once); the sum of their resident sets, which counts it in each, beside it.
    report.add(backend, n, "  all its processes together (sum of PSS; of RSS)",
               f"{shared:,.0f} MiB ({together:,.0f} MiB)", "<= 100 MiB", shared <= 100)
    if sqlite_path:
        floor, _ = run_rss(FLOORS + ["export", sqlite_path, out_file])
        report.add(backend, n, "  floor: csv.writer over a cursor, 6 plain columns",
                   f"{n / floor:,.0f}/s ({floor:.1f} s)")
    os.unlink(out_file)
    # The long form: one row per citation (the corpus's citations are bare: one line each).
    runs = [run_tree_rss(CLI + db + ["export", "--per-citation", "-o", out_file]) for _ in range(3)]
    seconds = statistics.median(r[0] for r in runs)
    with open(out_file, "rb") as written:
        cited = sum(1 for _ in written) - 1
    rate = cited / seconds
    report.add(backend, n, "export CSV --per-citation: citations/s (median of 3)",
               f"{rate:,.0f}/s ({cited:,} in {seconds:.1f} s)", ">= 100,000/s", rate >= 100_000)
    report.add(backend, n, "export CSV --per-citation: peak memory", f"{max(r[1] for r in runs):,.0f} MiB",
               "<= 100 MiB", max(r[1] for r in runs) <= 100)
    os.unlink(out_file)


def _dsn(url: str) -> str:
    """psycopg's connection string of a SQLAlchemy URL of this benchmark's cluster."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _settle_postgresql(report: Report, url: str, n: int, export: list[str]) -> None:
    """The first export after the import, then `VACUUM (ANALYZE)`, as a restore ends: the first read of a freshly
    written page sets its tuples' hint bits (a write) and finds no visibility map, which cost the export of 1M
    events a fifth of its rate (56k/s, then 67-70k/s; BENCHMARKS.md, eighth session). The export figures after
    this are those of a settled database."""
    import psycopg

    seconds = run(export)[0]
    report.add("postgresql", n, "export CSV, first after the import (fresh pages)",
               f"{n / seconds:,.0f}/s ({seconds:.1f} s)")
    started = time.perf_counter()
    with psycopg.connect(_dsn(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    report.add("postgresql", n, "  then VACUUM (ANALYZE); the figures below are after it",
               f"{time.perf_counter() - started:.1f} s")


def _busiest_actor_pg(url: str) -> tuple[str, int]:
    import psycopg

    dsn = _dsn(url)
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT a.name, count(*) c FROM participations p JOIN actors a ON a.id = p.actor_id "
            "GROUP BY a.id ORDER BY c DESC LIMIT 1").fetchone()


def bench_start_vs_sqlite_utils(report: Report, seeded: str) -> None:
    """Start-up against sqlite-utils doing the same work in the same run: CPU seconds, paired (issue 20)."""
    path = seeded.split(":///", 1)[1]
    ours, theirs, ratio = cpu_pairs(CLI + ["--help"], SQLITE_UTILS + ["--help"])
    report.add("sqlite", "seed", "--help vs sqlite-utils --help (CPU)",
               f"{ours * 1000:.0f} vs {theirs * 1000:.0f} ms = {ratio:.2f}x", "<= 1.15x", ratio <= 1.15)
    ours, theirs, ratio = cpu_pairs(CLI + ["--db", seeded, "events", "--year", "1960", "--format", "json"],
                                    SQLITE_UTILS + ["query", path, year_query_sql(1960)])
    report.add("sqlite", "seed", "year query JSON vs sqlite-utils (CPU)",
               f"{ours * 1000:.0f} vs {theirs * 1000:.0f} ms = {ratio:.2f}x", "<= 1.5x", ratio <= 1.5)
    for what, args in (("show", ["show", "1961-12-03-soviet-union-breaks-relations", "--format", "json"]),
                       ("actor query", ["events", "--actor", "Khrushchev", "--format", "json"]),
                       ("sources", ["sources", "--format", "json"])):
        ours, theirs, ratio = cpu_pairs(CLI + ["--db", seeded, *args], SQLITE_UTILS + ["query", path, "select 1"])
        report.add("sqlite", "seed", f"{what} JSON vs sqlite-utils select 1 (CPU)",
                   f"{ours * 1000:.0f} vs {theirs * 1000:.0f} ms = {ratio:.2f}x", "")


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
    parser.add_argument("--start-only", action="store_true", help="only the start-up figures (a minute)")
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
    bench_start_vs_sqlite_utils(report, f"sqlite:///{seeded}")
    if args.start_only:
        (OUT / "results.json").write_text(json.dumps(report.rows, indent=2))
        return

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
                bench_pg_import_paths(report, lambda: server.url(server.create_database()), n, corpus)
    finally:
        if server:
            server.stop()
    (OUT / "results.json").write_text(json.dumps(report.rows, indent=2))
    missed = [r for r in report.rows if r["met"] is False]
    print(f"\n{len(report.rows)} figures, {sum(r['met'] is True for r in report.rows)} targets met, "
          f"{len(missed)} missed; results in {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
