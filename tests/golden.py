"""Golden outputs: every command of README's table, run on a freshly seeded SQLite database, compared byte for
byte (stdout, stderr and the exit code) at 80 and at 120 columns.

The command lines are in tests/golden/commands.txt, the expected outputs in tests/golden/out/. When a change
alters an output on purpose, regenerate them with the one command

    python tests/golden.py --update

and read the diff (`git diff tests/golden/out`) before committing it.
"""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "golden"
WIDTHS = (80, 120)
_SECONDS = re.compile(r"\b[0-9]+\.[0-9] s\b")


def commands() -> list[str]:
    """The command lines, in file order (comments and blank lines skipped)."""
    lines = (HERE / "commands.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def file_name(command: str, width: int) -> str:
    """A stable file name for one command line at one width."""
    stem = re.sub(r"[^a-z0-9]+", "-", command.lower()).strip("-")
    return f"{stem}.{width}.txt"


def seeded_database(folder: Path) -> str:
    """A new SQLite database in `folder`, migrated and loaded with the shipped seed; its URL."""
    from relations_db.formats.seed.apply import load_default_seed
    from relations_db.store import db

    url = f"sqlite:///{folder / 'golden.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_scope(engine, write=True) as session:
        load_default_seed(session)
    engine.dispose()
    return url


def render(url: str, command: str, width: int) -> str:
    """What one command prints at one width: the exit code, stdout and stderr, as one text."""
    from typer.testing import CliRunner

    from relations_db.cli import app

    result = CliRunner().invoke(app, ["--db", url, *shlex.split(command)], catch_exceptions=False,
                                env={"NO_COLOR": "1", "COLUMNS": str(width), "LINES": "50"})
    stderr = _SECONDS.sub("N.N s", result.stderr)  # how long a command took is not part of its output
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{stderr}"


def update() -> None:
    """Rewrite every expected output from the code as it is now."""
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        url = seeded_database(Path(folder))
        for command in commands():
            for width in WIDTHS:
                (out / file_name(command, width)).write_text(render(url, command, width), encoding="utf-8")
    print(f"wrote {len(commands()) * len(WIDTHS)} files in {out}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/golden.py --update")
    update()
