"""Two versions of the code, side by side on the bench corpus: the CSV import, or the CSV export, alternating.

    python bench/compare.py --tree before=/path/to/old/src --tree now=src --backend postgresql import
    python bench/compare.py --tree before=/path/to/old/src --tree now=src --backend sqlite --rounds 3 export

Each tree is a `src` directory run by PYTHONPATH (a `git worktree` of another commit, or a throwaway patch of
this one: "no claim rows"); a tree whose commit ships other migrations needs `migrations` and `data` linked
into its `src/relations_db`, as the package installs them. `import` times the events CSV into a fresh database
per run (after the corpus's sources, actors and places, untimed): wall seconds, this process's CPU and, on
PostgreSQL, the server's (the postmaster's reaped backends). `export` imports once per tree, settles a
PostgreSQL database with VACUUM (ANALYZE), then times whole exports of every event (and gives each file's
SHA-256, to show two trees writing the same bytes). Rounds alternate the order
of the trees, since this machine's speed drifts within the hour; one JSON line per run on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def _cli(tree: str, url: str, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": tree, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "relations_db", "--db", url, *args], env=env, capture_output=True,
                   check=True)


class Backend:
    """Fresh databases on one backend (a throwaway PostgreSQL cluster, or SQLite files in bench/out)."""

    def __init__(self, name: str) -> None:
        import pgcluster

        self.name = name
        self.server = pgcluster.start() if name == "postgresql" else None
        self.count = 0

    def fresh(self) -> str:
        if self.server is not None:
            return self.server.url(self.server.create_database())
        self.count += 1
        path = HERE / "out" / f"compare-{self.count}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def server_cpu(self) -> float:
        """CPU seconds of the server and its reaped children (the backends of finished connections)."""
        if self.server is None:
            return 0.0
        pid = int((self.server.base / "data" / "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def settle(self, url: str) -> None:
        if self.server is not None:
            import psycopg

            with psycopg.connect(f"host=127.0.0.1 port={self.server.port} user=postgres "
                                 f"dbname={url.rsplit('/', 1)[1]}", autocommit=True) as connection:
                connection.execute("VACUUM (ANALYZE)")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def _order(trees: dict[str, str], round_: int) -> list[str]:
    names = list(trees)
    return names if round_ % 2 == 0 else names[::-1]


def compare_imports(backend: Backend, trees: dict[str, str], corpus: Path, rounds: int, extra: list[str]) -> None:
    for round_ in range(rounds):
        for name in _order(trees, round_):
            url = backend.fresh()
            _cli(trees[name], url, "import", str(corpus / "base.yaml"))
            time.sleep(1)
            server, client, started = backend.server_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN), \
                time.perf_counter()
            _cli(trees[name], url, "import", *extra, str(corpus / "events.csv"))
            wall = time.perf_counter() - started
            time.sleep(1.5)  # (the backend of the import's connection is reaped by then)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            print(json.dumps({"round": round_, "tree": name, "wall": round(wall, 2),
                              "client_cpu": round(after.ru_utime + after.ru_stime - client.ru_utime
                                                  - client.ru_stime, 2),
                              "server_cpu": round(backend.server_cpu() - server, 2)}), flush=True)


def _digest(path: Path) -> str:
    """The file's SHA-256 (after the timing): two trees that should write the same bytes show the same one."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def compare_exports(backend: Backend, trees: dict[str, str], corpus: Path, rounds: int) -> None:
    urls = {}
    for name, tree in trees.items():
        urls[name] = backend.fresh()
        _cli(tree, urls[name], "import", str(corpus / "base.yaml"))
        _cli(tree, urls[name], "import", str(corpus / "events.csv"))
        backend.settle(urls[name])
    out = HERE / "out" / "compare.csv"
    for round_ in range(rounds):
        for name in _order(trees, round_):
            started = time.perf_counter()
            _cli(trees[name], urls[name], "export", "--format", "csv", "-o", str(out))
            seconds = time.perf_counter() - started
            print(json.dumps({"round": round_, "tree": name, "seconds": round(seconds, 2),
                              "bytes": out.stat().st_size, "sha256": _digest(out)}), flush=True)
            out.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["import", "export"])
    parser.add_argument("--tree", action="append", required=True, metavar="NAME=SRC")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000, help="the corpus (generated when missing)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--import-option", action="append", default=[], help="e.g. --lock-tables")
    args = parser.parse_args()
    trees = dict(tree.split("=", 1) for tree in args.tree)
    corpus = HERE / "out" / f"corpus-{args.events}"
    if not (corpus / "events.csv").exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--events", str(args.events), "--out",
                        str(corpus)], check=True)
    backend = Backend(args.backend)
    try:
        if args.what == "import":
            compare_imports(backend, trees, corpus, args.rounds, args.import_option)
        else:
            compare_exports(backend, trees, corpus, args.rounds)
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
