"""SQLite's parallel way of the CSV export: date ranges read at once by worker processes, on one snapshot.

Taken by `writer.CsvExport.write` for an export of every event of a large file. The parent takes the write
lock (`BEGIN IMMEDIATE` on a connection of its own) so that nothing can be committed while the parts start;
each worker opens the file, begins a read transaction and reads (which fixes its snapshot), then says `ready`;
the parent does the same on another connection, and when all have, lets the lock go. The parent writes the
first part itself, straight to the output; the workers write theirs to temporary files, copied in after it.
A file the parent cannot lock (read-only, or held by a writer for more than GUARD_WAIT_SECONDS), or a machine
with one core, takes the single statement instead, which needs no lock.

As a program (`python -m relations_db.formats.csv.parts`, or `main()`) this is the worker; its job comes as one
JSON line on stdin. Only the standard library and this package's light modules (`stream`, `statement`,
`columns`: no SQLAlchemy at import) are loaded, so a worker starts in a few tens of ms.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, TextIO, TypedDict

from relations_db.formats.csv import stream
from relations_db.formats.csv.statement import csv_statement
from relations_db.formats.csv.stream import HEADER, Progress, Selection, pump, write_rows

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.sql.elements import ColumnClause

MAX_PARTS = 4  # (one read here, the others by as many worker processes)
# How long the export waits for a writer's lock before it reads in one process instead (which needs no lock).
GUARD_WAIT_SECONDS = 1.0
_READY = b"ready\n"
_FETCH = 2000

Range = tuple[int | None, int | None]


class Job(TypedDict):
    """A worker's job, sent as one JSON line: its part's statement and the file to write it to."""

    path: str
    timeout: float
    sql: str
    params: list[Any]
    target: str


Worker = tuple[subprocess.Popen[bytes], str]  # (the process, the file it writes its part to)


def write_in_parts(export: Selection, out: TextIO, progress: Progress = None) -> int | None:
    """The header and every row of `export` (a `writer.CsvExport` of every event): the first date range read
    here, the others by worker processes meanwhile; returns how many rows, or None when this way does not apply
    (nothing has been written then)."""
    from relations_db.store.db import SQLITE_BUSY_TIMEOUT_MS

    parts = min(os.cpu_count() or 1, MAX_PARTS)
    engine = export.session.get_bind()
    url = engine.engine.url  # (a session bound to a connection: its engine's)
    if parts < 2 or not url.database or url.database == ":memory:" or url.query:
        return None
    timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
    guard = sqlite3.connect(url.database, isolation_level=None, timeout=GUARD_WAIT_SECONDS)
    mine = sqlite3.connect(url.database, isolation_level=None, timeout=timeout)
    try:
        ranges = _locked_plan(guard, parts)
        if ranges is None:
            return None
        dialect = engine.dialect
        with tempfile.TemporaryDirectory(prefix="relations-db-export-") as scratch:
            workers: list[Worker] = []
            try:
                for number, (low, high) in enumerate(ranges[1:], start=1):
                    sql, params = part_statement(dialect, low, high)
                    target = os.path.join(scratch, f"part-{number}.csv")
                    job: Job = {"path": url.database, "timeout": timeout, "sql": sql, "params": params,
                                "target": target}
                    try:
                        workers.append((start_worker(job), target))
                    except OSError:  # no interpreter to start (an embedded Python): one process, then
                        return None
                done = _write_first(mine, guard, workers, part_statement(dialect, *ranges[0]), out, progress)
                return copy_parts(workers, out, done, progress)
            finally:
                stop(workers)
    finally:
        mine.close()
        guard.close()  # (rolls back, if the lock is still held)


def _locked_plan(guard: sqlite3.Connection, parts: int) -> list[Range] | None:
    """The date ranges of the parts, read under the write lock taken on `guard`; None when the lock cannot be
    had or there are too few events."""
    try:
        guard.execute("BEGIN IMMEDIATE")
        bounds = _bounds(guard, parts)
        if bounds is None:
            return None
    except sqlite3.Error:  # locked by a writer for too long, or a file that may not be written
        return None
    return list(zip([None, *bounds], [*bounds, None], strict=True))


def _write_first(mine: sqlite3.Connection, guard: sqlite3.Connection, workers: list[Worker],
                 statement: tuple[str, list[Any]], out: TextIO, progress: Progress) -> int:
    """Once every worker holds its snapshot (and this process too), the writers are let go and the header and
    the first part are written; returns its rows."""
    from relations_db.errors import DatabaseError

    sql, params = statement
    try:
        _begin(mine)
        for worker, _ in workers:
            if _pipes(worker)[0].readline() != _READY:
                raise DatabaseError(_failure(worker))
        guard.execute("ROLLBACK")  # every part holds its snapshot: writers may go on
        out.write(HEADER)
        cursor = mine.execute(sql, params)
        return write_rows(iter(lambda: cursor.fetchmany(_FETCH), []), out, progress)
    except sqlite3.Error as error:
        raise DatabaseError(f"The export could not read the database: {error}") from None


def copy_parts(workers: list[Worker], out: TextIO, done: int, progress: Progress) -> int:
    """Each worker's part, in order, copied in when it is complete; returns `done` plus their rows."""
    from relations_db.errors import DatabaseError

    for worker, target in workers:
        if worker.wait() != 0:
            raise DatabaseError(_failure(worker))
        with open(target, "rb") as part:
            pump(_blocks(part), out, "utf-8")
        os.unlink(target)
        done += int(_pipes(worker)[1].read().split()[-1])
        if progress is not None:
            progress(done)
    return done


def _blocks(part: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: part.read(1 << 20), b"")


def stop(workers: list[Worker]) -> None:
    """Every worker ended (killed if still running: the export failed or stopped half-way) and its pipes closed."""
    for worker, _ in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for pipe in _pipes(worker):
            pipe.close()


def _begin(connection: sqlite3.Connection) -> None:
    """A read transaction whose snapshot is fixed now (by its first read), not at its first real query."""
    connection.execute("BEGIN")
    connection.execute("SELECT 1 FROM events LIMIT 1").fetchall()


def _bounds(guard: sqlite3.Connection, workers: int) -> list[int] | None:
    """Start dates splitting the events into `workers` ranges of about the same size (fewer if many events share
    a start date), or None when there are too few events for workers to pay."""
    count = guard.execute("SELECT count(*) FROM events").fetchone()[0]
    if count < stream.PARALLEL_AT_LEAST:
        return None
    first = guard.execute("SELECT min(start_day) FROM events").fetchone()[0]
    bounds: list[int] = []
    for part in range(1, workers):
        # (SQLite sorts the open or unknown starts, NULL, first: the first range holds them)
        bound = guard.execute("SELECT start_day FROM events ORDER BY start_day LIMIT 1 OFFSET ?",
                              (count * part // workers,)).fetchone()[0]
        if bound is not None and first is not None and bound > (bounds[-1] if bounds else first):
            bounds.append(bound)
    return bounds or None


def part_statement(dialect: Dialect, low: int | None, high: int | None) -> tuple[str, list[Any]]:
    """The SQL and parameters of the events starting in [low, high) (open where None; the first range holds the
    events with an open or unknown start)."""
    from sqlalchemy import literal, literal_column, or_

    start: ColumnClause[Any] = literal_column("+events.start_day")  # (not the date index: see csv_statement)
    where: list[Any] = [start >= literal(low)] if low is not None else []
    if high is not None:
        where.append(start < literal(high) if low is not None else or_(start < literal(high), start.is_(None)))
    compiled = csv_statement("sqlite", where, None).compile(dialect=dialect)
    return str(compiled), [compiled.params[name] for name in compiled.positiontup or ()]


def start_worker(job: Mapping[str, Any], program_module: str = __name__) -> subprocess.Popen[bytes]:
    """A worker with its job: `program_module`'s `main()` in a new interpreter (this module's, SQLite's; or
    `copy`'s, PostgreSQL's). Where this process found the package is added at the end of the worker's path: it
    finds the same package, and nothing there can shadow the standard library (as PYTHONPATH could)."""
    import relations_db

    package_root = os.path.dirname(os.path.dirname(os.path.abspath(relations_db.__file__)))
    program = (f"import sys; sys.path.append({package_root!r}); "
               f"from {program_module} import main; main()")
    line = json.dumps(job).encode() + b"\n"  # (first: a job JSON cannot carry starts no process)
    worker = subprocess.Popen([sys.executable, "-c", program], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert worker.stdin is not None  # (a pipe: asked for above)
    worker.stdin.write(line)
    worker.stdin.close()
    return worker


def _pipes(worker: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    """The worker's stdout and stderr (pipes, as `start_worker` asks for them)."""
    assert worker.stdout is not None and worker.stderr is not None
    return worker.stdout, worker.stderr


def _failure(worker: subprocess.Popen[bytes]) -> str:
    if worker.poll() is None:
        worker.kill()
    worker.wait()
    lines = _pipes(worker)[1].read().decode(errors="replace").strip().splitlines()
    return f"The export's worker process failed: {lines[-1] if lines else f'exit status {worker.returncode}'}"


def _work() -> None:
    """The worker: its part as CSV lines into its file, then the number of rows on stderr."""
    job: Job = json.loads(sys.stdin.readline())
    connection = sqlite3.connect(job["path"], isolation_level=None, timeout=job["timeout"])
    _begin(connection)
    sys.stdout.buffer.write(_READY)  # (bytes: no "\r\n" on Windows)
    sys.stdout.buffer.flush()
    cursor = connection.execute(job["sql"], job["params"])
    with open(job["target"], "w", encoding="utf-8", newline="") as out:
        count = write_rows(iter(lambda: cursor.fetchmany(_FETCH), []), out)
    sys.stderr.write(f"{count}\n")


def first_line(message: str) -> str:
    """The first line of an error's text: a driver's message may go on to quote the whole statement."""
    return (message.strip().splitlines() or [""])[0]


def serve(work: Callable[[], None]) -> None:
    """A worker's entry point (SQLite's parts here, PostgreSQL's half in `copy`): `work()`, and any error as
    one line on stderr with exit status 1, for the parent to turn into a message (`_failure`)."""
    try:
        work()
    except Exception as error:  # noqa: BLE001 — reported to the parent
        sys.stderr.write(f"{type(error).__name__}: {first_line(str(error))}\n")
        sys.exit(1)


def main() -> None:
    """The worker's entry point."""
    serve(_work)


if __name__ == "__main__":
    main()
