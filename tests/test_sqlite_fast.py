"""The SQLite read path without SQLAlchemy (`read/sqlite_fast`, issue 20): its statements are SQLAlchemy's, compiled
ahead of time, and every read command answers byte for byte as the SQLAlchemy path does — on the paper's seed, on
the sample chronology (tests/query_sample.py) and on a generated corpus (bench/generate.py) larger than a batch.

Each command runs twice in-process: once as a user runs it (the fast path answers whatever it can), once with the
fast path switched off (its connection refused, so every command goes through SQLAlchemy as before). A command the
fast path is expected to answer must not reach SQLAlchemy's engine at all."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from relations_db.read import compile as compiler

ROOT = Path(__file__).resolve().parents[1]

# "!" before a command: the fast path does not take it (a shape not compiled, a name that is no exact match),
# and SQLAlchemy answers; the bytes must still be the same.
COMMANDS = [
    "events --format json",
    "events --format jsonl --year 1960",
    "events --format csv --from 1959",
    "events --to 1957 --format json",
    "events --from 1955 --to 1961 --limit 3 --format json",
    "events --limit 0 --format json",
    "events",
    "events --actor {actor} --format json",
    "events --actor {actor} --limit 2 --format json",
    "events --actor {rare} --limit 2 --format jsonl",
    "events --actor {actor} --year {year} --limit 5 --format json",
    "events --actor {actor} --from {year} --format csv",
    "events --type {type} --format json",
    "events --place {place} --from 1950 --format jsonl",
    "events --source {source} --to {year} --limit 4 --format json",
    "events --year 1960 --to 1961",
    "events --year 19x0",
    "! events --actor nobody-of-that-name",
    "! events --actor {actor} --actor {rare} --format json",
    "events --type {type} --place {place} --format json",
    "! events --type {type} --place {place} --source {source} --format json",
    "meetings --format json",
    "meetings --from 1950 --limit 3",
    "agreements --format json",
    "agreements --to {year} --format csv",
    "! events --search {word} --format json",
    "chronology --year {year}",
    "! chronology --from {year} --format markdown --title Years",  # (Markdown names the corpus: SQLAlchemy)
    "show {slug} --format json",
    "show {slug}",
    "show {agreement} --format json",
    "show {meeting}",
    "show 1 --format json",
    "show 3",
    "! show no-such-event",
    "! show 99999999999999999999999",
    "actors --format json",
    "actors --kind person --format csv",
    "actors --search {fragment}",
    "actors --search _ --format json",
    "actors --kind nonsense",
    "sources --format json",
    "sources --format csv",
    "sources",
    "search {word} --format json",
    "search {word} --limit 3 --format jsonl",
    "search {word}",
    "search {place} --format csv",
    "search {actor}\x00OR\x00{type} --limit 5 --format json",
    "search \"{word}*\" --format json",
    "search nosuchwordanywhere",
    "search \"unclosed",
    "search {word} --limit -1",
    "! search {word} --year {year} --format json",
    "! search {word} --actor {actor} --limit 2",
]


def _names(url: str) -> dict[str, str]:
    """Names to fill the commands with, read from the database: its most and least frequent actor, a type, a
    place, a source, a year with events, an event, an agreement and a meeting."""
    conn = sqlite3.connect(url.split(":///", 1)[1])
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    actors = ("SELECT a.name FROM actors a JOIN participations p ON p.actor_id = a.id GROUP BY a.id "
              "ORDER BY count(*) {}, a.id LIMIT 1")
    found = {
        "actor": one(actors.format("DESC")), "rare": one(actors.format("ASC")),
        "type": one("SELECT type FROM events GROUP BY type ORDER BY count(*) DESC, type LIMIT 1"),
        "place": one("SELECT p.name FROM places p JOIN events e ON e.place_id = p.id GROUP BY p.id "
                     "ORDER BY count(*) DESC LIMIT 1"),
        "source": one("SELECT key FROM sources ORDER BY id LIMIT 1"),
        "year": str(one("SELECT substr(start_iso, 1, 4) FROM events WHERE start_iso LIKE '19%' "
                        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")),
        "slug": one("SELECT slug FROM events ORDER BY id DESC LIMIT 1"),
        # (a generated corpus has neither: any event then)
        "agreement": one("SELECT slug FROM events ORDER BY kind = 'agreement' DESC, id LIMIT 1"),
        "meeting": one("SELECT slug FROM events ORDER BY kind = 'meeting' DESC, id LIMIT 1"),
        "word": one("SELECT type FROM events ORDER BY id LIMIT 1"),
    }
    found["fragment"] = found["actor"].split()[0][:3].lower()
    conn.close()
    return {k: v.replace(" ", "\x00") for k, v in found.items()}  # (kept whole when the command is split)


@pytest.fixture(scope="module")
def generated_url(tmp_path_factory):
    """A generated corpus (bench/generate.py): 1,200 events (more than a batch of 500), 300 actors."""
    from typer.testing import CliRunner

    from relations_db.cli import app

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    out = tmp_path_factory.mktemp("generated")
    generate.generate(1200, out, seed=11, actors=300, sources=60)
    url = f"sqlite:///{out / 'generated.db'}"
    runner = CliRunner()
    for args in (["db", "upgrade"], ["import", str(out / "base.yaml")], ["import", str(out / "events.csv")]):
        result = runner.invoke(app, ["--db", url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
    return url


@pytest.fixture(params=["seed", "sample", "generated"])
def database(request, tmp_path) -> str:
    """The URL of an SQLite database at the schema head: the paper's seed, the sample chronology, a generated one."""
    if request.param == "generated":
        return request.getfixturevalue("generated_url")
    from query_sample import sample_database

    if request.param == "sample":
        return sample_database("sqlite", request)
    from relations_db.formats.seed.apply import load_default_seed
    from relations_db.store import db

    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_scope(engine, write=True) as session:
        load_default_seed(session)
    engine.dispose()
    return url


def _both_ways(cli, monkeypatch, url: str, args: list[str]):
    """(fast run, SQLAlchemy run, whether the fast run reached SQLAlchemy's engine)."""
    from relations_db.cli import common
    from relations_db.read.sqlite_fast import connect

    reached = []
    ready = common.ready_engine
    monkeypatch.setattr(common, "ready_engine", lambda ctx: reached.append(1) or ready(ctx))
    fast = cli(url, *args)
    fast_reached = bool(reached)
    with monkeypatch.context() as off:
        off.setattr(connect, "open_current", lambda url, head: None)
        slow = cli(url, *args)
    assert reached or "--help" in args or slow.exit_code != 0, args  # (the switch works: SQLAlchemy answered)
    return fast, slow, fast_reached


def test_every_read_command_answers_the_same_both_ways(cli, monkeypatch, database):
    names = _names(database)
    for command in COMMANDS:
        expected_fast = not command.startswith("!")
        args = [a.replace("\x00", " ") for a in command.lstrip("! ").format(**names).split()]
        fast, slow, reached = _both_ways(cli, monkeypatch, database, args)
        assert (fast.exit_code, fast.stderr) == (slow.exit_code, slow.stderr), args
        assert fast.stdout_bytes == slow.stdout_bytes, args
        assert reached != expected_fast, f"{args}: the fast path {'did not answer' if reached else 'answered'}"
        assert fast.stdout_bytes or fast.stderr, args  # (the comparison compares something)


def test_the_generated_module_is_what_the_command_writes():
    """`read/sqlite_fast/statements.py` is SQLAlchemy's compilation of the read statements as they are now: a
    changed statement (or a new shape) that was not compiled again fails here."""
    written = compiler.TARGET.read_text(encoding="utf-8")
    assert compiler.render(compiler.compile_all()) == written, \
        f"{compiler.TARGET.relative_to(ROOT)} is out of date: run `{compiler.COMMAND}` and commit it"


def test_the_compile_command_checks_and_writes(tmp_path, monkeypatch):
    real = compiler.TARGET
    stale = tmp_path / "statements.py"
    stale.write_text("STATEMENTS = {}\n", encoding="utf-8")
    monkeypatch.setattr(compiler, "TARGET", stale)
    assert compiler.main(["--check"]) == 1
    assert compiler.main([]) == 0
    assert compiler.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == real.read_text(encoding="utf-8")


def test_a_value_bound_without_a_name_stops_the_compile(monkeypatch):
    """A literal where `tables.param` was meant would be compiled as a constant and answer with the wrong value:
    the compile refuses it."""
    from sqlalchemy import select

    from relations_db.store.schema import events

    real = compiler.statements
    monkeypatch.setattr(compiler, "statements", lambda v: {**real(v), "bad": select(events.c.id).where(
        events.c.slug == f"slug{v}")})
    with pytest.raises(SystemExit, match="bad: the value 'slug_1' is bound without a name"):
        compiler.compile_all()


def test_the_fast_path_writes_no_file_and_leaves_a_new_database_to_the_first_use(tmp_path):
    from relations_db.read.sqlite_fast.connect import open_current
    from relations_db.store.db import SCHEMA_HEAD

    missing = tmp_path / "new.db"
    assert open_current(f"sqlite:///{missing}", SCHEMA_HEAD) is None
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert open_current(f"sqlite:///{empty}", SCHEMA_HEAD) is None
    assert open_current("sqlite://", SCHEMA_HEAD) is None
    assert open_current(f"sqlite:///{empty}?mode=ro", SCHEMA_HEAD) is None


def test_an_outdated_database_is_left_to_the_sqlalchemy_path(cli, tmp_path):
    from relations_db.store import db

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine, "0003")
    engine.dispose()
    result = cli(url, "events", "--year", "1960", "--format", "json")
    assert result.exit_code != 0 and "run `relations-db db upgrade`" in result.stderr


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("command", [
    ["events", "--year", "1960", "--format", "json"],
    ["events", "--actor", "Khrushchev", "--limit", "5", "--format", "jsonl"],
    ["show", "1961-12-03-soviet-union-breaks-relations", "--format", "json"],
    ["chronology", "--from", "1959", "--to", "1961"],
    ["actors", "--format", "json"],
    ["sources", "--format", "json"],
    ["search", "Vlora base", "--format", "json"],
], ids=lambda c: "-".join(c[:2]))
def test_a_query_on_sqlite_imports_no_sqlalchemy(seeded_url, command):
    from test_startup import imported, loaded

    modules = imported("--db", seeded_url, *command)
    assert "relations_db.read.sqlite_fast.run" in modules  # the measurement works: the fast path ran
    assert not loaded(modules, "sqlalchemy"), f"{' '.join(command)} imports {loaded(modules, 'sqlalchemy')[:5]}…"


def test_the_compile_command_is_documented():
    assert compiler.COMMAND in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert compiler.COMMAND in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "relations_db.read.compile", "--help"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "--check" in proc.stdout


def test_a_table_cut_at_the_terminal_counts_the_rest_the_same_both_ways(cli, monkeypatch, generated_url):
    """At a terminal `events` prints the first TERMINAL_LIMIT events and says how many more there are: the fast
    path counts them with its own compiled count statement."""
    from relations_db.cli import output

    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setattr(output, "TERMINAL_LIMIT", 5)
    names = _names(generated_url)
    for args in (["events"], ["events", "--year", names["year"]], ["events", "--actor", names["actor"].replace(
            "\x00", " ")], ["events", "--from", "1950", "--type", names["type"]]):
        fast, slow, reached = _both_ways(cli, monkeypatch, generated_url, args)
        assert (fast.exit_code, fast.stdout_bytes, fast.stderr) == (slow.exit_code, slow.stdout_bytes, slow.stderr)
        assert not reached and "more (show them with --limit" in fast.stderr, args


@pytest.mark.parametrize("backend", ["sqlite"])
def test_claims_of_a_disputed_event_answer_the_same_both_ways(cli, monkeypatch, seeded_url):
    """`show` lists the claims (and says that sources disagree) on the fast path as on the SQLAlchemy one; the date
    filters list a disputed event for either date and not for the years between, both ways."""
    url, slug = seeded_url, "1961-12-03-soviet-union-breaks-relations"
    assert cli(url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author", "Fixture, A.",
               "--year", "2022", "--title", "A second paper").exit_code == 0
    added = cli(url, "add", "claim", slug, "--date", "1959", "--source", "second-paper-2022", "--locator", "p. 12",
                "--quote", "the relations ended in 1959", "--reason", "a fixture")
    assert added.exit_code == 0, added.stderr
    disputing = cli(url, "add", "claim", slug, "--actor", "Albania:target", "--source", "second-paper-2022",
                    "--stance", "disputes", "--quote", "not Albania")
    assert disputing.exit_code == 0, disputing.stderr
    for args in (["show", slug, "--format", "json"], ["show", slug], ["events", "--year", "1959", "--format", "json"],
                 ["events", "--year", "1960", "--format", "json"], ["events", "--from", "1958", "--to", "1961"],
                 ["chronology", "--year", "1959"]):
        fast, slow, reached = _both_ways(cli, monkeypatch, url, args)
        assert not reached, args
        assert (fast.exit_code, fast.stderr, fast.stdout_bytes) == (slow.exit_code, slow.stderr, slow.stdout_bytes)
    shown = json.loads(cli(url, "show", slug, "--format", "json").stdout)
    assert shown["disputed"] is True and shown["dates"] == ["1961-12-03", "1959"]
    assert [c["date"] for c in shown["claims"] if c["kind"] == "date"] == ["1961-12-03", "1959"]
    listed = {year: {e["slug"] for e in json.loads(cli(url, "events", "--year", year, "--format", "json").stdout)}
              for year in ("1959", "1960", "1961")}
    assert slug in listed["1959"] and slug not in listed["1960"] and slug in listed["1961"]
    (event,) = [e for e in json.loads(cli(url, "events", "--year", "1959", "--format", "json").stdout)
                if e["slug"] == slug]
    assert (event["date"], event["start"], event["disputed"], event["dates"]) == (
        "1961-12-03", "1959-01-01", True, ["1961-12-03", "1959"])


@pytest.mark.parametrize("limit", [None, "3", "40"])
def test_a_search_with_too_many_matches_to_rank_lists_them_the_same_both_ways(cli, monkeypatch, generated_url,
                                                                               limit):
    """Beyond RANK_AT_MOST matches a search lists them in date order (the matches read as a set, or checked in
    date order, as the limit makes cheaper): the same both ways. The bound is lowered for the generated corpus."""
    from relations_db.read import shapes

    monkeypatch.setattr(shapes, "RANK_AT_MOST", 10)
    args = ["search", "naval base", "--format", "json", *(["--limit", limit] if limit else [])]  # (a topic)
    fast_run, slow, reached = _both_ways(cli, monkeypatch, generated_url, args)
    assert not reached and fast_run.exit_code == slow.exit_code == 0
    assert fast_run.stdout_bytes == slow.stdout_bytes and "date order" in fast_run.stderr
    listed = len(json.loads(fast_run.stdout))
    assert listed == int(limit) if limit else listed > 10
