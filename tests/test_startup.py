"""Start-up: what a command imports and runs before it answers (issue 6: a user runs the tool dozens of times
an hour). Each test runs a real process and reads the modules it had loaded when it exited: Alembic (≈0.4 s),
YAML, the ORM and the write side are for the commands that migrate or write, never for `--help` or a query."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Loaded by no read command and not by --help: migrations, the seed format, the ORM and the write side.
WRITE_SIDE = ("alembic", "yaml", "sqlalchemy.orm", "relations_db.store.models", "relations_db.write",
              "relations_db.formats.seed", "relations_db.formats.csv.reader",
              "relations_db.formats.csv.importing")


# Runs the command line and, at exit, writes the names of the modules loaded after a marker line on stderr. (Not
# `python -X importtime`: it does not see what `importlib.import_module` loads, which is how cli/app.py loads a
# command's module.)
_RUN = ("import atexit, sys\n"
        "atexit.register(lambda: print('--- modules', *sys.modules, sep='\\n', file=sys.stderr))\n"
        "sys.argv[0] = 'relations-db'\n"
        "from relations_db.cli import main\n"
        "main()\n")


def imported(*args: str) -> set[str]:
    """The modules a `relations-db` process loads for `args` (it must succeed)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("RELATIONS_DB_URL", None)
    proc = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(proc.stderr.rsplit("--- modules\n", 1)[1].splitlines())


def loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_help_loads_no_database_code():
    modules = imported("--help")
    assert "relations_db.cli.app" in modules  # the measurement works: the root group is read
    for package in (*WRITE_SIDE, "sqlalchemy", "relations_db.read", "relations_db.analysis", "platformdirs"):
        assert not loaded(modules, package), f"--help imports {loaded(modules, package)}"


def test_help_loads_no_command_module():
    """The listing comes from cli/app.COMMANDS: no command's module is imported to write it."""
    from relations_db.cli.app import COMMANDS

    modules = imported("--help")
    for target in {entry.target for entry in COMMANDS.values()}:
        assert target.split(":")[0] not in modules, f"--help imports {target}"


def test_check_help_lists_the_rules_without_loading_the_audit():
    """`check --help` lists the rules from their table (`vocab.AUDIT_RULES`), as fast as any help: neither the
    audit nor SQLAlchemy is loaded for it (≈0.3 s), and the table is the audit's registry, rule for rule."""
    modules = imported("check", "--help")
    assert "relations_db.cli.audit" in modules  # the measurement works: the command's module is read
    for package in ("relations_db.analysis", "sqlalchemy", "relations_db.store", *WRITE_SIDE):
        assert not loaded(modules, package), f"check --help imports {loaded(modules, package)}"
    assert "relations_db.analysis.audit" not in imported("timeline", "--help")

    from relations_db.analysis.audit import RULES
    from relations_db.cli.audit import rule_list
    from relations_db.domain.vocab import AUDIT_RULES

    assert [(r.id, r.severity, r.summary) for r in RULES] == list(AUDIT_RULES)
    listed = rule_list()
    flat = " ".join(listed.split())  # (a long summary is wrapped to the help's width)
    assert all(f"  {r.id} " in listed and " ".join(r.summary.split()) in flat for r in RULES)


# Typer 0.29 routes every parameter through pydantic (≈0.2 s more at every start, and flags shown as
# "--force <bool>"): pyproject.toml pins typer below 0.29. Should the pin be lifted, or anything else bring
# pydantic in, these fail.
def test_neither_help_nor_a_query_loads_pydantic(seeded_url):
    for args in (["--help"], ["--db", seeded_url, "events", "--year", "1960", "--format", "json"]):
        modules = imported(*args)
        assert not loaded(modules, "pydantic"), f"{' '.join(args)} imports {loaded(modules, 'pydantic')}"


@pytest.mark.parametrize("command", [
    ["events", "--year", "1960", "--format", "json"],
    ["events", "--actor", "Khrushchev", "--format", "jsonl"],
    ["search", "Vlora", "--format", "json"],
    ["show", "1961-12-03-soviet-union-breaks-relations", "--format", "json"],
    ["actors", "--format", "json"],
    ["sources", "--format", "json"],
], ids=lambda c: c[0] + "-" + c[1])
def test_a_query_loads_neither_the_write_side_nor_rich(seeded_url, command):
    modules = imported("--db", seeded_url, *command)
    # (the measurement works: the read side ran, through SQLAlchemy or on SQLite without it, read/sqlite_fast)
    assert "relations_db.read.events" in modules or "relations_db.read.sqlite_fast.run" in modules
    # Rich draws tables on a terminal; JSON needs none of it, nor Typer's rich help (Markdown and all).
    for package in (*WRITE_SIDE, "rich", "typer.rich_utils"):
        assert not loaded(modules, package), f"{' '.join(command)} imports {loaded(modules, package)}"


def test_the_schema_check_is_one_query(seeded_url):
    """Every command checks the schema first: on a current database that is one SELECT."""
    from sqlalchemy import event

    from relations_db.store import db

    engine = db.make_engine(seeded_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert db.check_current(engine) == "current"
    engine.dispose()
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")] == \
        ["SELECT version_num FROM alembic_version"]


def test_the_schema_check_still_tells_an_empty_database_from_a_foreign_one(db_url):
    from sqlalchemy import text

    from relations_db.errors import SchemaOutdated
    from relations_db.store import db

    engine = db.make_engine(db_url)
    assert db.check_current(engine) == "empty"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
    with pytest.raises(SchemaOutdated, match="tables but no relations-db schema version"):
        db.check_current(engine)
    engine.dispose()


# --- commands are built when used -----------------------------------------------------------------------------


def test_help_lists_every_command_with_its_summary(cli):
    """The root help lists the commands without building them (cli/app.Group): the listing must still show
    each one, in the order of cli/app.COMMANDS, with the first paragraph of its own help."""
    import typer
    from typer.main import get_command

    from relations_db.cli import app
    from relations_db.cli.app import COMMANDS

    result = cli(None, "--help")
    assert result.exit_code == 0
    # The listing after the options, as words (Rich wraps and boxes it).
    listing = " ".join(result.stdout.split("Commands", 1)[1].replace("│", " ").split())
    assert set(COMMANDS) >= {"events", "chronology", "show", "search", "actors", "actor", "meetings", "agreements",
                             "sources", "source", "export", "import", "check", "timeline", "relations", "db", "add",
                             "edit", "remove"}
    root = get_command(app)
    positions = []
    for name in COMMANDS:
        summary = (root.get_command(typer.Context(root), name).help or "").split("\n\n")[0]
        entry = f" {name} " + " ".join(summary.split()[:5])
        assert entry in listing, entry
        positions.append(listing.index(entry))
    assert positions == sorted(positions), "commands out of the order of COMMANDS"


def test_each_command_and_group_still_runs_and_has_its_own_help(cli):
    for args in (["events", "--help"], ["add", "--help"], ["add", "event", "--help"], ["db", "path"]):
        result = cli(None, *args)
        assert result.exit_code == 0, (args, result.stderr)
    assert "--actor" in cli(None, "events", "--help").stdout
    assert "event" in cli(None, "add", "--help").stdout


def test_an_unknown_command_is_an_error_with_a_suggestion(cli):
    result = cli(None, "evnts")
    assert result.exit_code != 0
    assert "events" in result.stderr


def test_database_errors_still_become_messages(cli, tmp_path):
    """The error edge recognises SQLAlchemy's errors without importing SQLAlchemy itself."""
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("these are my notes, not a database\n" * 100)
    result = cli(f"sqlite:///{not_a_database}", "events")
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


# The stemmer, the fuzzy matcher and the transliterator (issue 14) load only when a command needs them.
def test_the_stemmer_matcher_and_transliterator_load_only_when_used(seeded_url):
    lazy = ("Stemmer", "rapidfuzz", "anyascii")
    for args in (["--help"], ["--db", seeded_url, "events", "--year", "1960", "-f", "json"],
                 ["--db", seeded_url, "events", "--actor", "Khrushchev", "-f", "json"]):
        modules = imported(*args)
        assert not [m for p in lazy for m in loaded(modules, p)], f"{' '.join(args)} loads {lazy}"
    searched = imported("--db", seeded_url, "search", "submarines", "-f", "json")
    assert loaded(searched, "Stemmer") and not loaded(searched, "rapidfuzz")
    forgiven = imported("--db", seeded_url, "events", "--actor", "Kruschev", "-f", "json")
    assert loaded(forgiven, "rapidfuzz") and not loaded(forgiven, "anyascii")
