"""Issue 14 item 6: the messages and help texts that did not tell the truth, and the optional event type
(migration 0005, seed format 3, an empty CSV type cell) — each through what a user runs, on both backends."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from write_sample import counts

from relations_db.cli import write as write_cli
from relations_db.store import db

# The revision before 0005, as its module says (the lead may re-chain the migrations at merge).
_0005 = importlib.import_module("relations_db.migrations.versions.0005_event_type_optional")
BEFORE_0005 = _0005.down_revision

UNTYPED = ["add", "event", "--date", "1961-03", "--title", "An event nobody has classified",
           "--source", "lala-2014", "--locator", "p. 344", "--quote", "In March 1961"]


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _refused(result, *expected: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for words in expected:
        assert words in result.stderr, result.stderr


# --- an event without a type ----------------------------------------------------------------------------------


def test_an_event_needs_no_type_and_is_shown_as_unclassified(cli, seeded_url):
    added = cli(seeded_url, *UNTYPED)
    assert added.exit_code == 0, added.stderr
    slug = added.stdout.strip()
    (event,) = [e for e in _json(cli(seeded_url, "events", "--year", "1961", "-f", "json")) if e["slug"] == slug]
    assert event["type"] is None  # data output: null, not a made-up word
    shown = cli(seeded_url, "show", slug).stdout
    assert "Type:       unclassified\n" in shown
    csv_row = [line for line in cli(seeded_url, "events", "--year", "1961", "-f", "csv").stdout.splitlines()
               if "An event nobody has classified" in line]
    assert csv_row and ",An event nobody has classified,," in csv_row[0]  # an empty type cell
    html = cli(seeded_url, "export", "--year", "1961", "--format", "html").stdout
    assert "unclassified" in html


def test_check_lists_an_unclassified_event_as_info(cli, seeded_url):
    assert "event-unclassified" not in cli(seeded_url, "check").stdout  # every event of the seed has a type
    slug = cli(seeded_url, *UNTYPED).stdout.strip()
    result = cli(seeded_url, "check", "--rule", "event-unclassified", "-f", "json")
    (finding,) = json.loads(result.stdout)
    assert (finding["rule"], finding["severity"]) == ("event-unclassified", "info")
    assert slug in json.dumps(finding)
    assert result.exit_code == 0  # info is no error


def test_edit_event_with_an_empty_type_unclassifies_it_and_a_type_classifies_it(cli, seeded_url):
    slug = cli(seeded_url, *UNTYPED).stdout.strip()
    assert cli(seeded_url, "edit", "event", slug, "--type", "economic").exit_code == 0
    assert _json(cli(seeded_url, "show", slug, "-f", "json"))["type"] == "economic"
    assert cli(seeded_url, "edit", "event", slug, "--type", "").exit_code == 0
    assert _json(cli(seeded_url, "show", slug, "-f", "json"))["type"] is None


def test_missing_values_name_only_the_options_still_required(cli, seeded_url):
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    result = cli(seeded_url, "add", "event", "--source", "lala-2014")
    _refused(result, "Error: missing --date and --title: give them on the command line")
    assert "--type" not in result.stderr
    assert counts(engine) == before
    engine.dispose()


def test_a_bad_answer_is_asked_again_keeping_the_earlier_answers(cli, seeded_url, monkeypatch):
    monkeypatch.setattr(write_cli, "_interactive", lambda: True)
    answers = ["1961-13-45", "June", "1957-04", "", "Hoxha visits Moscow", "Dukka 2007", "Duka 2007"]
    result = cli(seeded_url, "add", "event", "--quote", "In April 1957", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1957-04-hoxha-visits-moscow"
    # each bad answer is said at once, and only its question comes again
    assert result.stderr.count("Date (EDTF, e.g. 1961-06-04):") == 3
    assert result.stderr.count("Title:") == 2 and result.stderr.count("Source (key or short form):") == 2
    assert "Error: '1961-13-45' is not a valid date" in result.stderr
    assert "Error: 'June' is not a valid date" in result.stderr
    assert "did you mean 'Duka 2007'" in result.stderr
    event = _json(cli(seeded_url, "show", "1957-04-hoxha-visits-moscow", "-f", "json"))
    assert (event["date"], event["title"], event["citations"][0]["source"]) == \
        ("1957-04", "Hoxha visits Moscow", "duka-2007")


# --- migration 0005 -------------------------------------------------------------------------------------------


# Indexes of `events` that later migrations add (0012: the events without their CSV cells).
_LATER = {"ix_events_cells_missing"}


def _indexes(engine) -> set[tuple[str, str]]:
    """Every index of `events` that 0005 knows, with its definition as the database keeps it."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name, sql FROM sqlite_schema WHERE type = 'index' "
                                     "AND tbl_name = 'events'"))
        else:
            rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events'"))
        return {(name, sql or "") for name, sql in rows if name not in _LATER}


def test_0005_keeps_every_index_and_its_downgrade_refuses_to_invent_types_unasked(cli, seeded_url):
    engine = db.make_engine(seeded_url)
    indexes = _indexes(engine)
    assert {"ix_events_type", "ix_events_span_31", "ix_events_no_end"} <= {name for name, _ in indexes}
    assert any("WHERE" in sql.upper() for _, sql in indexes)  # the partial ones
    for title in ("First untyped", "Second untyped"):
        assert cli(seeded_url, *UNTYPED[:5], title, *UNTYPED[6:]).exit_code == 0
    db.downgrade(engine, "0007")  # (what 0008's downgrade drops is test_sources_csl's: keep this one's alone)
    before = counts(engine)
    assert db.downgrade_losses(engine, BEFORE_0005) == [
        "that 2 events have no type (the downgrade would give them the type 'unclassified', which stays after "
        "an upgrade)"]
    refused = cli(seeded_url, "db", "downgrade", "--", BEFORE_0005)
    _refused(refused, "would drop that 2 events have no type", "confirm with --yes")
    assert cli(seeded_url, "db", "current").stdout.startswith("0007") and counts(engine) == before

    done = cli(seeded_url, "db", "downgrade", "--yes", "--", BEFORE_0005)
    assert done.exit_code == 0, done.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events WHERE type = 'unclassified'")).scalar_one() == 2
    with pytest.raises(Exception, match="(?i)not null|null value"):  # the old schema: a type is required again
        with engine.begin() as conn:
            conn.execute(text("UPDATE events SET type = NULL"))
    # (the tables of later migrations are gone too, empty: compare the ones this schema has)
    assert _indexes(engine) == indexes and counts(engine) == {k: v for k, v in before.items() if k in counts(engine)}

    db.upgrade(engine)  # (to the head: 0008's table of creators comes back, from the sources' authors)
    assert _indexes(engine) == indexes and {k: v for k, v in counts(engine).items() if k in before} == before
    with engine.begin() as conn:  # NULL is allowed again
        conn.execute(text("UPDATE events SET type = NULL WHERE type = 'unclassified'"))
    assert db.downgrade_losses(engine, BEFORE_0005)[0].startswith("that 2 events have no type")
    engine.dispose()


def test_0005_on_sqlite_passes_the_integrity_check(seeded_url, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's own check of the edited schema")
    engine = db.make_engine(seeded_url)
    db.downgrade(engine, BEFORE_0005)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    engine.dispose()


# --- the seed format, version 3 -------------------------------------------------------------------------------

SEED = """
format: relations-db/seed {version}
sources:
  - {{key: s-2000, kind: book, author: "Author, A.", title: A Book, year: 2000}}
events:
  - slug: 1960-a-visit
    date: "1960"
    title: A visit
{type}    citations:
      - {{source: s-2000, locator: p. 1, quote: "they met"}}
"""


@pytest.mark.parametrize("version", [1, 2])
def test_older_seed_versions_still_require_a_type(engine, version):
    from relations_db.errors import ValidationError
    from relations_db.formats.seed.apply import load_seed_text

    with pytest.raises(ValidationError, match="type"):
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, SEED.format(version=version, type=""))
    with db.session_scope(engine, write=True) as session:  # and load unchanged with one
        load_seed_text(session, SEED.format(version=version, type="    type: visit\n"))


def test_seed_version_3_leaves_out_a_missing_type_and_reads_it_back(cli, engine, db_url, tmp_path):
    from relations_db.formats.seed.apply import load_seed_text
    from relations_db.formats.seed.fields import SEED_FORMAT

    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, SEED.format(version=3, type=""))
    out = tmp_path / "out.yaml"
    assert cli(db_url, "export", "-o", str(out)).exit_code == 0
    written = out.read_text(encoding="utf-8")
    assert f"format: {SEED_FORMAT}" in written and "\n  type:" not in written  # (export writes the newest format)
    (event,) = _json(cli(db_url, "events", "-f", "json"))
    assert event["type"] is None


# --- CSV: an empty type cell --------------------------------------------------------------------------------


def test_an_empty_type_cell_leaves_a_new_event_unclassified_and_a_recorded_one_as_it_is(cli, seeded_url, tmp_path):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(cli(seeded_url, "events", "--year", "1956", "-f", "csv").stdout)))
    header, first = rows[0], rows[1]
    assert header[3:5] == ["title", "type"] and first[4]
    emptied = [*first[:4], "", *first[5:]]
    new = ["1961-04", "", "", "A new event from a spreadsheet", "", "", "", "Lala 2014", "", *[""] * (len(header) - 9)]
    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, emptied, new])
    result = cli(seeded_url, "import", str(path))
    assert result.exit_code == 0, result.stderr
    events = {e["title"]: e for e in _json(cli(seeded_url, "export", "--format", "json"))}
    assert events["A new event from a spreadsheet"]["type"] is None
    assert events[first[3]]["type"] == first[4]


# --- the other messages -------------------------------------------------------------------------------------


def test_limit_0_says_it_showed_none_not_that_the_database_is_empty(cli, seeded_url):
    for command in (["events"], ["chronology"], ["meetings"], ["agreements"], ["timeline"]):
        result = cli(seeded_url, *command, "--limit", "0")
        assert result.exit_code == 0 and result.stdout == "", (command, result.stdout)
        noun = {"meetings": "meetings", "agreements": "agreements"}.get(command[0], "events")
        assert result.stderr == f"--limit 0: no {noun} shown (give a larger --limit, or leave it out for all).\n"
    assert cli(seeded_url, "events", "--year", "1800").stderr == "No events match.\n"


@pytest.mark.parametrize("name", ["notes.docx", "chronology.txt", "out.pdf"])
def test_export_refuses_an_extension_it_cannot_write(cli, seeded_url, tmp_path, name):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    _refused(cli(seeded_url, "export", "-o", str(target)),
             f"--output: cannot tell which format to write to {str(target)!r}", ".csv", "or give the format")
    assert list(folder.iterdir()) == []  # no file, not even a temporary one


def test_export_still_writes_csv_without_an_extension_and_any_format_when_asked(cli, seeded_url, tmp_path):
    assert cli(seeded_url, "export", "-o", str(tmp_path / "chronology")).exit_code == 0
    assert (tmp_path / "chronology").read_text(encoding="utf-8").startswith("date,start,end,")
    assert cli(seeded_url, "export", "-f", "markdown", "-o", str(tmp_path / "notes.txt")).exit_code == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8").startswith("# Chronology")


def test_relations_takes_limit_counting_pairs(cli, seeded_url):
    every = _json(cli(seeded_url, "relations", "-f", "json"))
    two = _json(cli(seeded_url, "relations", "--limit", "2", "-f", "json"))
    assert len(every) > 2 and two == every[:2]  # the most frequent pairs, counted over every event
    lines = cli(seeded_url, "relations", "--limit", "3").stdout.splitlines()
    assert len([line for line in lines if line[:1].isalpha()]) >= 3 and "Albania" in lines[2]
    dot = cli(seeded_url, "relations", "--limit", "1", "-f", "dot").stdout
    assert dot.count(" -- ") == 1
    assert cli(seeded_url, "relations", "--limit", "0").stderr == "--limit 0: no pairs shown.\n"


def _help(*args: str, columns: int, rich: bool) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TYPER_USE_RICH": "1" if rich else "0"}
    return subprocess.run([sys.executable, "-m", "relations_db", *args, "--help"], env=env, capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("rich", [True, False])
def test_check_help_lists_each_rule_on_its_own_lines(columns, rich):
    from relations_db.analysis.audit import RULES

    lines = _help("check", columns=columns, rich=rich).splitlines()
    for heading in ("Errors:", "Warnings:", "Info:"):
        assert [line for line in lines if line.strip().strip("│").strip() == heading], (heading, lines)
    for rule in RULES:
        (line,) = [line for line in lines if line.split()[:1] == [rule.id] or f" {rule.id}  " in line]
        indent = line.index(rule.id)
        following = lines[lines.index(line) + 1]
        # a summary that goes on does so under itself, never under the rule's name or the heading
        if following.strip() and not any(r.id in following for r in RULES) and ":" not in following.strip()[-1:]:
            assert following.index(following.strip()[0]) > indent + len(rule.id), (line, following)
        assert len(line.rstrip()) <= columns


@pytest.mark.parametrize("command, noun", [("sources", "source"), ("actors", "actor"), ("events", "event")])
def test_jsonl_is_described_as_what_each_line_holds(command, noun):
    out = " ".join(_help(command, columns=200, rich=False).split())
    assert f"jsonl (one {noun} a line)" in out
