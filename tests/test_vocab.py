"""One vocabulary: the CHECK constraints of a database at head say what `store.schema` renders from
`domain.vocab` (Alembic's autogenerate does not compare CHECKs), and a new kind — the vocabulary plus a new
migration — is accepted by every layer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import CheckConstraint, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from relations_db.domain import vocab

NEW_KIND = "dynasty"  # the kind a historian adds
REVISION = "9999"  # the new migration's id, after whatever the shipped head is


# --- what a CHECK allows, whatever the backend's formatting --------------------------------------------------


def meaning(check: str, columns: set[str]) -> tuple[frozenset[str], tuple[int, ...], frozenset[str]]:
    """The allowed strings, the integer bounds and the columns of a CHECK, so that SQLite's `kind IN ('a')` and
    PostgreSQL's `((kind)::text = ANY ((ARRAY['a'::character varying])))`, `-10` and `'-10'::integer` agree."""
    check = re.sub(r"'(-?\d+)'", r" \1 ", check)
    rest = re.sub(r"'[^']*'", " ", check)
    numbers = tuple(sorted(int(n) for n in re.findall(r"(?<![\w.])-?\d+(?![\w.])", rest)))
    return frozenset(re.findall(r"'([^']*)'", check)), numbers, frozenset(re.findall(r"\w+", rest)) & columns


def database_checks(engine) -> dict[str, str]:
    """Every named CHECK constraint of the database's tables, as the database itself stores it (SQLite keeps
    the CREATE TABLE statement as SQLAlchemy wrote it: one constraint a line)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            tables = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL"))
            return dict(re.findall(r"CONSTRAINT (\w+) CHECK \((.*)\),? *$", "\n".join(tables.scalars()), re.M))
        return {name: check for name, check in conn.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'c' AND conrelid <> 0 AND connamespace = current_schema()::regnamespace"))}


def schema_checks() -> dict[str, tuple[str, set[str]]]:
    """Every CHECK constraint `store.schema` declares, rendered from the vocabulary, with its table's columns."""
    from relations_db.store import schema

    return {str(c.name): (str(c.sqltext), {col.name for col in table.columns})
            for table in schema.metadata.tables.values()
            for c in table.constraints if isinstance(c, CheckConstraint)}


def test_the_checks_of_a_database_at_head_are_those_the_schema_renders_from_the_vocabulary(engine):
    stored, declared = database_checks(engine), schema_checks()
    assert set(stored) == set(declared)
    for name, (check, columns) in declared.items():
        assert meaning(stored[name], columns) == meaning(check, columns), name
    # …and the schema renders the vocabulary, not a list of its own.
    allowed = {name: meaning(stored[name], declared[name][1]) for name in stored}
    assert [allowed[f"ck_{table}_kind"][0] for table in ("actors", "sources", "events")] == [
        set(vocab.ACTOR_KINDS), set(vocab.SOURCE_KINDS), set(vocab.EVENT_KINDS)]
    assert allowed["ck_events_tone_range"][1] == (vocab.TONE_MIN, vocab.TONE_MAX)
    assert allowed["ck_citations_confidence_range"][1] == (vocab.CONFIDENCE_MIN, vocab.CONFIDENCE_MAX)


# --- a new kind of actor -----------------------------------------------------------------------------------------
# Tried in a fresh interpreter whose vocabulary has the new kind before any other module reads it, as if vocab.py
# had been edited (a module that copies the kinds at import gets it too; one that spells them out fails this).
# The new migration goes into a copy of the shipped ones, written with its literal list as a real one is, and
# SCHEMA_HEAD follows it as db.py would.

MIGRATION = """from alembic import op
revision, down_revision, branch_labels, depends_on = "{revision}", "{head}", None, None
def upgrade() -> None:
    with op.batch_alter_table("actors") as batch_op:
        batch_op.drop_constraint(op.f("ck_actors_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_actors_kind"), "kind IN {kinds}")
"""
SEED = "format: relations-db/seed 1\nactors:\n  - {{name: {name}, kind: {kind}}}\n"


def in_fresh_interpreter(url: str, migrations: str, part: str) -> None:
    """The child's side: add the kind to the vocabulary, migrate, then try the layers `part` names."""
    vocab.ACTOR_KINDS = (*vocab.ACTOR_KINDS, NEW_KIND)
    from relations_db.store import db

    engine = db.make_engine(url)
    got = {"before_migration": _write(engine, "add", "House of Zogu", NEW_KIND)}
    config = db.alembic_config(engine)
    config.set_main_option("script_location", migrations)
    command.upgrade(config, "head")
    db.SCHEMA_HEAD = REVISION
    got |= _library(engine) if part == "library" else _command_line(url)
    print(json.dumps(got))


def _outcome(action: Callable[[], object]) -> str:
    from relations_db.errors import UserError

    try:
        action()
    except IntegrityError:
        return "refused by the database"
    except UserError as exc:
        return f"refused: {exc}"
    return "done"


def _write(engine, how: str, name: str, kind: str) -> str:
    """Add an actor through the write layer (`add`) or a seed-format import (`seed`), in a transaction."""
    from relations_db.formats.seed.apply import load_seed_text
    from relations_db.store import db
    from relations_db.write.records import add_actor

    def action() -> None:
        with db.session_scope(engine, write=True) as session:
            if how == "add":
                add_actor(session, name=name, kind=kind)
            else:
                load_seed_text(session, SEED.format(name=name, kind=kind))

    return _outcome(action)


def _library(engine) -> dict:
    from relations_db.read.catalog import actor_rows
    from relations_db.store import db

    def listed(kind: str) -> list[str]:
        with db.connection_scope(engine) as conn:
            return [a["name"] for a in actor_rows(conn, kind=kind)]

    return {"stored": database_checks(engine)["ck_actors_kind"], "rendered": schema_checks()["ck_actors_kind"][0],
            "write": _write(engine, "add", "House of Zogu", NEW_KIND), "seed": _write(engine, "seed", "Wied", NEW_KIND),
            "write_other": _write(engine, "add", "Ghegs", "tribe"), "list_other": _outcome(lambda: listed("tribe")),
            "seed_other": _write(engine, "seed", "Tosks", "tribe"), "listed": listed(NEW_KIND)}


def _command_line(url: str) -> dict:
    from relations_db.cli import app

    def run(*args: str) -> dict:
        result = CliRunner().invoke(app, ["--db", url, *args], env={"NO_COLOR": "1", "COLUMNS": "100"})
        return {"exit": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}

    return {"add": run("add", "actor", "House of Zogu", "--kind", NEW_KIND),
            "add_other": run("add", "actor", "Ghegs", "--kind", "tribe"),
            "listed": run("actors", "--kind", NEW_KIND, "--format", "json")}


@pytest.fixture
def with_new_kind(engine, tmp_path):
    """Run `in_fresh_interpreter` on the test's database, with the new migration beside the shipped ones."""
    from relations_db.store import db

    migrations = tmp_path / "migrations"
    shutil.copytree(db.migrations_path(), migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / f"{REVISION}_actor_kind_{NEW_KIND}.py").write_text(MIGRATION.format(
        revision=REVISION, head=db.head_revision(), kinds=(*vocab.ACTOR_KINDS, NEW_KIND)), encoding="utf-8")
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the child alters the table: no connection of ours stays open on it
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}

    def run(part: str) -> dict:
        code = f"import test_vocab; test_vocab.in_fresh_interpreter({url!r}, {str(migrations)!r}, {part!r})"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        if done.returncode:  # not an AssertionError: the expected failure below is the command line's only
            pytest.fail(f"the child failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run


def test_a_new_actor_kind_is_the_vocabulary_plus_a_migration_and_the_library_accepts_it(with_new_kind):
    got = with_new_kind("library")
    assert got["before_migration"] == "refused by the database"  # the vocabulary alone is not enough
    assert meaning(got["stored"], {"kind"}) == meaning(got["rendered"], {"kind"})
    assert meaning(got["stored"], {"kind"})[0] == {*vocab.ACTOR_KINDS, NEW_KIND}
    assert (got["write"], got["seed"], got["listed"]) == ("done", "done", ["House of Zogu", "Wied"])
    # Still checked, against the vocabulary: a kind it does not have is refused by each layer.
    for refused in ("write_other", "seed_other", "list_other"):
        assert got[refused].startswith("refused: ") and NEW_KIND in got[refused], got[refused]


def test_a_new_actor_kind_is_accepted_by_the_command_line(with_new_kind):
    got = with_new_kind("command line")
    assert got["add"]["exit"] == 0, got["add"]["stderr"]
    assert [a["name"] for a in json.loads(got["listed"]["stdout"])] == ["House of Zogu"]
    assert got["add_other"]["exit"] != 0 and NEW_KIND in got["add_other"]["stderr"]
