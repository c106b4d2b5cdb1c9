"""import and export: every format, all-or-nothing imports with line numbers, idempotence, round trips."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import weakref

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from write_sample import SAMPLE, counts, load, snapshot

from relations_db.cli import transfer
from relations_db.domain.text import fold
from relations_db.formats.csv import copy as csv_copy
from relations_db.formats.csv import importing as csv_importing
from relations_db.formats.csv import parts as csv_parts
from relations_db.formats.csv import reader as csv_reader
from relations_db.formats.csv import stream as csv_stream
from relations_db.formats.csv import writer as csv_writer
from relations_db.formats.csv.columns import CSV_COLUMNS
from relations_db.formats.csv.importing import import_csv_text
from relations_db.formats.seed.apply import load_seed_text
from relations_db.formats.seed.fields import SEED_FORMAT
from relations_db.formats.seed.write import dump_seed, write_yaml
from relations_db.read.events import event_rows
from relations_db.read.filters import Filters
from relations_db.store import db


@pytest.fixture
def url(engine, db_url):
    """A migrated database holding the write sample."""
    load(engine)
    return db_url


def _ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def _snap(url, slugs=None):
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as s:
            return snapshot(s, slugs)
    finally:
        engine.dispose()


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- export ---------------------------------------------------------------------------------------------------


def test_export_csv_has_the_contract_columns_and_neutralises_formulas(cli, url):
    _ok(cli(url, "edit", "event", "1961-12-03-break", "--title", "=HYPERLINK(\"http://x\")", "--summary",
            "-10 on the scale", "--type", "@break"))
    out = _ok(cli(url, "export", "--format", "csv")).stdout
    header, *_ = out.splitlines()
    assert header == ",".join(CSV_COLUMNS) == ("date,start,end,title,type,place,actors,sources,summary,"
                                               "id,slug,date_display,notes")
    rows = _rows(out)
    assert [r["date"] for r in rows] == ["1957-09-12", "1959-05~", "1961-06-04", "1961-12-03"]
    visit = rows[1]
    assert (visit["start"], visit["end"], visit["place"], visit["actors"], visit["sources"]) == \
        ("1959-05-01", "1959-05-31", "Vlorë", "Nikita Khrushchev:guest; Enver Hoxha:host", "Lala 2014")
    broken = rows[3]
    assert (broken["title"], broken["type"], broken["summary"]) == \
        ("'=HYPERLINK(\"http://x\")", "'@break", "'-10 on the scale")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "markdown", "html", "yaml"])
def test_export_formats(cli, url, fmt):
    out = _ok(cli(url, "export", "--format", fmt, "--actor", "hrushov")).stdout
    if fmt == "json":
        assert [e["slug"] for e in json.loads(out)] == ["1959-05-khrushchev-visits-albania"]
    elif fmt == "jsonl":
        assert [json.loads(line)["title"] for line in out.splitlines()] == ["Khrushchev visits Albania"]
    elif fmt == "yaml":
        doc = yaml.safe_load(out)
        assert doc["format"] == SEED_FORMAT
        assert [e["slug"] for e in doc["events"]] == ["1959-05-khrushchev-visits-albania"]
        assert [s["key"] for s in doc["sources"]] == ["lala-2014"]
        assert [a["name"] for a in doc["actors"]] == ["Enver Hoxha", "Nikita Khrushchev"]
        assert [p["name"] for p in doc["places"]] == ["Vlorë"]
    else:
        assert "Khrushchev visits Albania" in out


def test_export_to_a_file_reports_on_stderr_and_keeps_stdout_clean(cli, url, tmp_path):
    target = tmp_path / "out.json"
    result = _ok(cli(url, "export", "-o", str(target), "--year", "1961"))  # the format from the extension
    assert result.stdout == ""
    assert result.stderr.startswith(f"Exported 2 events (json) to {target} in ")
    assert [e["slug"] for e in json.loads(target.read_text(encoding="utf-8"))] == [
        "1961-06-04-submarines-leave-vlora", "1961-12-03-break"]


def test_import_and_export_have_help_with_an_example(cli):
    for command in ("import", "export"):
        result = _ok(cli(None, command, "--help"))
        assert "Example:" in result.stdout


def test_a_refused_export_leaves_no_file(cli, url, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    result = cli(url, "export", "-o", str(folder / "out.csv"), "--actor", "Khrushchenko")
    assert result.exit_code == 1 and "no actor named 'Khrushchenko'" in result.stderr
    assert list(folder.iterdir()) == []
    result = cli(url, "export", "-o", str(tmp_path / "missing" / "out.csv"))
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_atomic_output_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "chronology.csv"
    target.write_text("the old export\n")
    with pytest.raises(RuntimeError):
        with transfer.atomic_output(str(target)) as out:
            out.write("half of the new one")
            raise RuntimeError("disk full")
    assert target.read_text() == "the old export\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    with transfer.atomic_output(str(target)) as out:
        out.write("the new export\n")
    assert target.read_text() == "the new export\n"
    assert list(tmp_path.iterdir()) == [target]


def test_yaml_export_does_not_keep_the_events_it_has_written(engine):
    """Streaming: while the 3000th event is produced, the earlier ones have been let go."""
    class Row(dict):  # a dict that can be watched with a weak reference
        __hash__ = object.__hash__

    alive: weakref.WeakSet = weakref.WeakSet()
    most = 0

    def events():
        nonlocal most
        for i in range(3000):
            row = Row(slug=f"e-{i}", kind="event", date="1960", title=f"Event {i}", summary=None, type="t",
                      tone=None, place=None, actors=[], citations=[{"source": "s", "quote": "q" * 50,
                                                                  "confidence": 2}], invokes=[])
            alive.add(row)
            most = max(most, len(alive))
            yield row

    out = io.StringIO()
    with db.session_scope(engine) as s:
        assert write_yaml(events(), s, out) == 3000
    assert most < 5
    assert out.getvalue().count("- slug: e-") == 3000


# --- YAML round trips -----------------------------------------------------------------------------------------


def test_yaml_export_of_everything_reproduces_the_database(cli, url, other_url, tmp_path):
    path = tmp_path / "all.yaml"
    _ok(cli(url, "export", "-f", "yaml", "-o", str(path)))
    _ok(cli(other_url, "db", "upgrade"))
    result = _ok(cli(other_url, "import", str(path)))
    assert "events 4 added, 0 updated, 0 unchanged" in result.stderr
    assert _snap(other_url) == _snap(url)
    result = _ok(cli(other_url, "import", str(path)))  # idempotent
    assert "events 0 added, 0 updated, 4 unchanged" in result.stderr
    assert _snap(other_url) == _snap(url)


def test_yaml_export_of_a_selection_carries_what_it_uses_and_the_agreements_it_invokes(cli, url, other_url,
                                                                                        tmp_path):
    path = tmp_path / "1961.yaml"
    _ok(cli(url, "export", "-f", "yaml", "--year", "1961", "-o", str(path)))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [e["slug"] for e in doc["events"]] == ["1961-06-04-submarines-leave-vlora", "1961-12-03-break",
                                                   "1957-09-12-base-agreement"]
    _ok(cli(other_url, "db", "upgrade"))
    _ok(cli(other_url, "import", str(path)))
    expected = _snap(url, {e["slug"] for e in doc["events"]})
    assert _snap(other_url) == expected
    # exactly the sources, actors and places those events use: Enver Hoxha and Moscow are not needed
    assert sorted(expected["actors"]) == ["Albania", "Soviet Union"]
    assert counts(db.make_engine(other_url))["actors"] == 2
    assert counts(db.make_engine(other_url))["places"] == 1


def test_yaml_round_trip_of_the_papers_chronology(cli, seeded_url, other_url, tmp_path):
    path = tmp_path / "paper.yaml"
    _ok(cli(seeded_url, "export", "-f", "yaml", "-o", str(path)))
    _ok(cli(other_url, "db", "upgrade"))
    _ok(cli(other_url, "import", str(path)))
    assert _snap(other_url) == _snap(seeded_url)
    again = tmp_path / "again.yaml"
    _ok(cli(other_url, "export", "-f", "yaml", "-o", str(again)))
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_dump_seed_takes_ids_or_rows(engine):
    load(engine)
    with db.session_scope(engine) as s:
        rows = list(event_rows(s, Filters(year=1959)))
        by_rows = dump_seed(s, rows)
        by_ids = dump_seed(s, [r["id"] for r in rows])
    assert by_rows == by_ids
    assert [e["slug"] for e in by_rows["events"]] == ["1959-05-khrushchev-visits-albania"]
    assert by_rows["events"][0]["meeting"] == {"format": "visit", "outcome": "friendly words"}


# The property: any text a historian may paste survives export → import unchanged.
_AWKWARD = st.sampled_from(['"', "'", "\n", "\r", "\t", "=", "+", "-", "@", "#", ":", "&", "*", "!", "%", "|",
                            ">", "{", "}", "[", "]", ",", "?", " ", "\u00a0", "e\u0301", "\u0301", "ë", "Ж",
                            "中", "ا", "ש", "\u2028", "\ufeff", "~", "null", "yes", "1961-06-04", "0x1F"])
_TEXT = st.lists(_AWKWARD | st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn")), min_size=1,
                 max_size=12).map("".join)
# One-line fields (names, titles, locators…) take no line break (issue 19: one line stays one line).
_LINE = _TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " "))
_NAME = _LINE.filter(lambda t: t.strip() and fold(t) and len(t) < 40)
_DATES = st.sampled_from(["1961-06-04", "1960-06", "1956", "1959-10~", "1954/1956", "1961?", "196X",
                          "1957/..", "1960-21", "1961-06-04%"])


@st.composite
def _claims(draw, event, i):
    """Claims of format 5 with awkward reasons: the event's own date ranked, another date, after an earlier event."""
    claims = []
    count = len(event["citations"])
    if draw(st.booleans()):
        claims.append({"kind": "date", "own": True, "rank": draw(st.sampled_from(["preferred", "deprecated"])),
                       "reason": draw(_LINE.filter(str.strip)), "supports": [1]})
    other = draw(st.none() | _DATES.filter(lambda d: d != event["date"]))
    if other is not None:
        claims.append({"kind": "date", "date": other, "reason": draw(st.none() | _LINE.filter(str.strip)),
                       "disputes" if count > 1 and draw(st.booleans()) else "supports": [count]})
    if i > 0 and draw(st.booleans()):
        claims.append({"kind": "after", "event": f"e-{draw(st.integers(0, i - 1))}",
                       "at_least": draw(st.sampled_from(["3M", "1Y", "10D"])), "supports": [1]})
    return [{k: v for k, v in c.items() if v is not None} for c in claims]


@st.composite
def _documents(draw):
    actors = draw(st.lists(_NAME, min_size=1, max_size=4, unique_by=fold))
    places = draw(st.lists(_NAME, max_size=2, unique_by=fold))
    taken = {fold(n) for n in actors}
    alias = draw(_NAME)
    aliases = [alias.strip()] if fold(alias) not in taken else []
    sources = [{"key": f"s-{i}", "kind": "book", "title": draw(_NAME), "author": draw(_LINE),
                "year": 1900 + i, "note": draw(_TEXT)} for i in range(2)]
    events = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["event", "meeting", "agreement"]))
        event = {"slug": f"e-{i}", "kind": kind, "date": draw(_DATES), "title": draw(_NAME),
                 "summary": draw(st.none() | _TEXT), "type": draw(_NAME),
                 "tone": draw(st.none() | st.integers(-10, 10)),
                 "participants": [{"actor": a, "role": draw(st.none() | _NAME)}
                                  for a in draw(st.lists(st.sampled_from(actors), max_size=3, unique=True))],
                 "citations": [{"source": (source := draw(st.sampled_from(["s-0", "s-1"]))),
                                "locator": draw(st.none() | _LINE),
                                "quote": draw(_TEXT), "cited_as": draw(st.none() | _LINE),
                                "cited_in": draw(st.none() | st.just("s-1" if source == "s-0" else "s-0")),
                                "cited_in_locator": draw(st.none() | _LINE),
                                "confidence": draw(st.integers(0, 4)), "note": draw(st.none() | _TEXT)}
                               for _ in range(draw(st.integers(1, 2)))]}
        if places and draw(st.booleans()):
            event["place"] = draw(st.sampled_from(places))
        if kind == "meeting":
            event["meeting"] = {"format": "bilateral", "outcome": draw(_TEXT)}
        if kind == "agreement":
            event["agreement"] = {"status": "signed", "subject": draw(_TEXT)}
        claims = draw(_claims(event, i))
        if claims:
            event["claims"] = claims
        events.append(event)
    with_claims = any("claims" in e for e in events)  # (otherwise the oldest version, as before)
    return {"format": "relations-db/seed 5" if with_claims else "relations-db/seed 1", "sources": sources,
            "actors": [{"name": a, "kind": "person", "description": draw(_TEXT),
                        **({"aliases": aliases} if n == 0 else {})} for n, a in enumerate(actors)],
            "places": [{"name": p, "country": draw(_LINE)} for p in places], "events": events}


def _wipe(engine) -> None:
    from relations_db.store.models import Base

    with db.session_scope(engine, write=True) as s:
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(table.delete())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_documents(), select_actor=st.booleans())
def test_property_yaml_round_trip_with_awkward_text(engine, other_url, doc, select_actor):
    other = db.make_engine(other_url)
    if db.check_current(other) == "empty":
        db.upgrade(other)
    _wipe(engine)
    _wipe(other)
    with db.session_scope(engine, write=True) as s:
        load_seed_text(s, yaml.safe_dump(doc, allow_unicode=True))
    filters = Filters(actors=[doc["actors"][0]["name"]]) if select_actor else Filters()
    out = io.StringIO()
    with db.session_scope(engine) as s:
        write_yaml(event_rows(s, filters), s, out)
    with db.session_scope(other, write=True) as s:
        load_seed_text(s, out.getvalue())
    exported = {e["slug"] for e in yaml.load(out.getvalue(), Loader=yaml.BaseLoader)["events"] or []}
    with db.session_scope(engine) as s:
        expected = snapshot(s, exported)
    with db.session_scope(other) as s:
        assert snapshot(s) == expected
    after = counts(other)
    assert (after["sources"], after["actors"], after["places"]) == \
        (len(expected["sources"]), len(expected["actors"]), len(expected["places"]))
    other.dispose()


# --- YAML import errors ---------------------------------------------------------------------------------------


def test_yaml_import_reports_every_problem_with_its_line_and_writes_nothing(cli, url, engine, tmp_path):
    text = (SAMPLE.replace("date: 1961-12-03", "date: 1961-12-33")
            .replace("confidence: 3\n  - slug: 1961-06", "confidence: 9\n  - slug: 1961-06"))
    lines = text.splitlines()
    bad_date = [line.strip() for line in lines].index("date: 1961-12-33") + 1
    bad_confidence = [line.strip() for line in lines].index("confidence: 9") + 1
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    before = counts(engine)
    result = cli(url, "import", str(path))
    assert result.exit_code == 1
    assert "2 problems, nothing was written" in result.stderr
    assert f"line {bad_date}: event '1961-12-03-break': '1961-12-33' is not a valid date" in result.stderr
    assert f"line {bad_confidence}: event '1959-05-khrushchev-visits-albania': confidence must be 0–4" \
        in result.stderr
    assert counts(engine) == before


def test_yaml_import_refuses_anchors(cli, url, tmp_path):
    path = tmp_path / "anchors.yml"
    path.write_text("format: relations-db/seed 1\nsources:\n  - &a {key: x-1, kind: book, title: T}\n  - *a\n")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1 and "anchors and aliases" in result.stderr


def test_import_needs_a_known_format(cli, url, tmp_path):
    path = tmp_path / "chronology.txt"
    path.write_text("date,start,end,title,type,place,actors,sources,summary\n", encoding="utf-8")
    result = cli(url, "import", str(path))
    # (the library names the field; the command line puts its option first)
    assert result.exit_code == 1 and "--format: cannot tell the format" in result.stderr
    assert "give the format (yaml, csv, bibtex, csljson or ris)" in result.stderr
    assert "0 added" in _ok(cli(url, "import", str(path), "--format", "csv")).stderr
    result = cli(url, "import", str(tmp_path / "missing.csv"))
    assert result.exit_code != 0 and "Traceback" not in result.stderr


# --- CSV import -----------------------------------------------------------------------------------------------

HEADER = "date,start,end,title,type,place,actors,sources,summary\n"


def test_csv_import_adds_events_with_bare_citations_and_undoes_formula_quotes(cli, url, tmp_path):
    path = tmp_path / "colleague.csv"
    # As a spreadsheet saves it: a byte-order mark and CRLF line ends.
    path.write_bytes(("\ufeff" + HEADER + "1960-06,,,'=Bucharest meeting,meeting,Vlora,"
                      "\"Hrushov:speaker; Albania\",Lala 2014; duka-2007,'-the split begins\n"
                      "1962,,,'Tis the year after,other,,,Duka 2007,\n").replace("\n", "\r\n").encode("utf-8"))
    result = _ok(cli(url, "import", str(path)))
    assert result.stderr.startswith(f"Imported {path}: events 2 added, 0 updated, 0 unchanged; ")
    events = {e["title"]: e for e in json.loads(_ok(cli(url, "events", "-f", "json")).stdout)}
    added = events["=Bucharest meeting"]
    assert (added["slug"], added["date"], added["type"], added["place"], added["summary"]) == \
        ("1960-06-bucharest-meeting", "1960-06", "meeting", "Vlorë", "-the split begins")
    assert [(a["name"], a["role"]) for a in added["actors"]] == [("Nikita Khrushchev", "speaker"), ("Albania", None)]
    assert [(c["source"], c["quote"], c["locator"], c["cited_as"], c["confidence"]) for c in added["citations"]] == \
        [("lala-2014", None, None, None, 2), ("duka-2007", None, None, None, 2)]
    assert "'Tis the year after" in events  # a quote that does not guard a formula is text
    found = json.loads(_ok(cli(url, "events", "-f", "json", "--search", "split begins")).stdout)
    assert [e["slug"] for e in found] == ["1960-06-bucharest-meeting"]  # its text is in the search index
    again = _ok(cli(url, "import", str(path)))
    assert "events 0 added, 0 updated, 2 unchanged" in again.stderr


def test_csv_import_reports_every_bad_row_with_its_line_and_writes_nothing(cli, url, engine, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER
                    + '1960-06,,,A title over two lines,meeting,,,Lala 2014,"a summary\non two"\n'  # lines 2-3, good
                    + "1961-13-45,,,Bad date,break,,,Lala 2014,\n"                   # line 4
                    + "1962,,,Who,visit,Tirana,Hrushchov:guest,Dukka 2007,\n"        # line 5
                    + "1963,,,,,,,,\n"                                               # line 6
                    + "1964,,,Too short\n"                                           # line 7
                    + "1960-06,,,a title  over TWO lines,meeting,,,Lala 2014,\n",    # line 8: same as line 2
                    encoding="utf-8")
    before = counts(engine)
    result = cli(url, "import", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: {path}: 7 problems, nothing was written:"
    assert lines[1].startswith("  - line 4: '1961-13-45' is not a valid date") and "Accepted forms" in lines[1]
    assert lines[2:5] == ["  - line 5: no place named 'Tirana'",
                          "  - line 5: no actor named 'Hrushchov'; did you mean 'Nikita Khrushchev' (as 'Hrushov')?",
                          "  - line 5: no source named 'Dukka 2007'; did you mean 'Duka 2007', 'duka-2007'? (a source "
                          "must be in the database before a CSV can cite it: `relations-db add source`, or import "
                          "a YAML file that defines it)"]
    assert lines[5] == "  - line 6: the title is empty"
    assert lines[6] == "  - line 7: 4 cells where the header has 9 (a stray comma or quote?)"
    assert lines[7] == "  - line 8: the same event (1960-06, 'a title  over TWO lines') is already on line 2"
    assert counts(engine) == before


def test_csv_import_refuses_a_header_it_does_not_know(cli, url, engine, tmp_path):
    path = tmp_path / "other.csv"
    before = counts(engine)
    for header, message in (
            ("when,title,type,sources", "line 1: the header has columns this tool does not know: 'when'. A chronology "
                                        "CSV has the columns date, start, end"),
            ("title,type,sources", "line 1: the header has no 'date' column"),
            ("date,title,Title,sources", "line 1: the header names the column 'title' more than once"),
            ("a|b|c", "line 1: the first line is no header this tool knows: 'a|b|c'")):
        path.write_text(f"{header}\n1960,T,x,Lala 2014\n", encoding="utf-8")
        result = cli(url, "import", str(path))
        assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
        assert message in result.stderr and "Traceback" not in result.stderr
    assert counts(engine) == before


def test_csv_import_updates_a_matching_event_and_keeps_its_evidence(cli, url, tmp_path):
    out = _ok(cli(url, "export", "-f", "csv")).stdout
    rows = _rows(out)
    broken = next(r for r in rows if r["date"] == "1961-12-03")
    broken.update(title="THE SOVIET UNION BREAKS OFF RELATIONS", type="diplomatic", place="Moscow",
                  actors="Soviet Union:initiator; Albania:target; Enver Hoxha:subject", sources="Lala 2014",
                  summary="Edited in a spreadsheet.")
    path = tmp_path / "edited.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    result = _ok(cli(url, "import", str(path)))
    assert "events 0 added, 1 updated, 3 unchanged" in result.stderr
    event = {e["slug"]: e for e in json.loads(_ok(cli(url, "events", "-f", "json")).stdout)}["1961-12-03-break"]
    assert (event["title"], event["type"], event["place"], event["summary"]) == \
        ("THE SOVIET UNION BREAKS OFF RELATIONS", "diplomatic", "Moscow", "Edited in a spreadsheet.")
    assert [a["name"] for a in event["actors"]] == ["Soviet Union", "Albania", "Enver Hoxha"]
    # the old citation keeps its quotation; the newly listed source is added
    assert [(c["source"], c["quote"] is not None) for c in event["citations"]] == [("duka-2007", True),
                                                                                   ("lala-2014", False)]
    assert "0 updated, 4 unchanged" in _ok(cli(url, "import", str(path))).stderr


def test_csv_round_trip_of_the_papers_chronology(cli, seeded_url, other_url, tmp_path):
    """CSV export → import into a database holding the sources, actors and places → the same events."""
    csv_path = tmp_path / "paper.csv"
    n = len(_rows(_ok(cli(seeded_url, "export", "-o", str(csv_path))).stdout or csv_path.read_text("utf-8")))
    assert n > 40
    assert f"events 0 added, 0 updated, {n} unchanged" in _ok(cli(seeded_url, "import", str(csv_path))).stderr
    doc = yaml.load(_ok(cli(seeded_url, "export", "-f", "yaml")).stdout, Loader=yaml.BaseLoader)
    doc["events"] = []
    engine = db.make_engine(other_url)
    db.upgrade(engine)
    with db.session_scope(engine, write=True) as s:  # the sources, actors and places, no events
        load_seed_text(s, _unquote_years(doc))
    engine.dispose()
    result = _ok(cli(other_url, "import", str(csv_path)))
    assert f"events {n} added, 0 updated, 0 unchanged" in result.stderr

    def essentials(url):
        events = json.loads(_ok(cli(url, "events", "-f", "json")).stdout)
        return sorted((e["date"], e["title"], e["type"], e["place"], [(a["name"], a["role"]) for a in e["actors"]],
                       sorted({c["source"] for c in e["citations"]}), e["summary"]) for e in events)

    assert essentials(other_url) == essentials(seeded_url)
    assert "0 added, 0 updated" in _ok(cli(other_url, "import", str(csv_path))).stderr


def _unquote_years(doc: dict) -> str:
    """The BaseLoader reads every scalar as text; the seed format wants `year` as a number."""
    for source in doc["sources"]:
        if "year" in source:
            source["year"] = int(source["year"])
    return yaml.safe_dump(doc, allow_unicode=True)


def test_csv_import_in_an_empty_database_lists_the_missing_sources(cli, other_url, tmp_path):
    _ok(cli(other_url, "db", "upgrade"))
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "1960,,,T,x,,,Lala 2014,\n", encoding="utf-8")
    result = cli(other_url, "import", str(path))
    assert result.exit_code == 1 and "line 2: no source named 'Lala 2014'" in result.stderr


# --- feedback on long work ------------------------------------------------------------------------------------


def test_import_reports_progress_to_the_core_callback(engine):
    load(engine)
    text = HEADER + "".join(f"{1800 + i},,,Event {i},x,,,Lala 2014,\n" for i in range(250))
    seen: list[int] = []
    with db.session_scope(engine, write=True) as s:
        report = import_csv_text(s, text, progress=seen.append)
    assert report.added == 250
    assert seen == [100, 200, 250]


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli, url, tmp_path, monkeypatch):
    monkeypatch.setattr(transfer, "PROGRESS_THRESHOLD", 0)
    path = tmp_path / "many.csv"
    path.write_text(HEADER + "".join(f"{1800 + i},,,Event {i},x,,,Lala 2014,\n" for i in range(150)),
                    encoding="utf-8")
    result = _ok(cli(url, "import", str(path)))
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert result.stderr.startswith(f"Imported {path}: events 150 added, 0 updated, 0 unchanged; ")
    assert result.stderr.rstrip().endswith(" s.")


def test_progress_bar_appears_on_a_terminal_only_past_the_threshold(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    with transfer.progress_reporter("Importing") as update:
        update(transfer.PROGRESS_THRESHOLD)
        assert sys.stderr.getvalue() == ""
        update(transfer.PROGRESS_THRESHOLD + 500)
    assert "Importing" in sys.stderr.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with transfer.progress_reporter("Importing") as update:
        assert update is None


# --- at scale: the streamed CSV export and the bulk CSV import ----------------------------------------------------



def _both_csv(url, filters):
    """(the general writer's CSV, the fast path's CSV) of the same selection, in one transaction. Every event has
    its stored cells, so that the fast path reads them (with one missing it would take the general way)."""
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as s:
            assert s.execute(text("SELECT count(*) FROM events WHERE notes_cell IS NULL")).scalar_one() == 0
            general, fast = io.StringIO(), io.StringIO()
            n = csv_writer.write_csv(event_rows(s, filters), general)
            assert csv_writer.export_csv(s, filters, fast) == n
            return general.getvalue(), fast.getvalue()
    finally:
        engine.dispose()


AWKWARD = [
    ("edit", "event", "1961-12-03-break", "--title", "=SUM(A1), \"quoted\"", "--summary", "two\nlines, and\r a CR"),
    ("edit", "event", "1959-05-khrushchev-visits-albania", "--summary", "\tstarts with a tab", "--type", "+visit"),
    ("add", "citation", "1961-06-04-submarines-leave-vlora", "--source", "lala-2014", "--locator", "p. 344",
     "--quote", "the same source, cited again"),
    ("add", "citation", "1961-06-04-submarines-leave-vlora", "--source", "duka-2007", "--quote", "another source"),
    ("add", "event", "--date", "../1948", "--title", "-Before, everything", "--type", "@process", "--source",
     "duka-2007", "--actor", "Albania", "--actor", "Hrushov:", "--force"),
]


@pytest.mark.parametrize("filters", [Filters(), Filters(year=1961), Filters(actors=["USSR"]),
                                     Filters(search="submarines"), Filters(limit=2), Filters(source="Duka 2007")],
                         ids=["all", "year", "actor", "search", "limit", "source"])
def test_csv_export_fast_path_writes_the_same_bytes_as_the_general_writer(cli, url, filters):
    for args in AWKWARD:  # formulas, quotes, commas, line breaks, a source cited twice, an open start, no role
        _ok(cli(url, *args))
    general, fast = _both_csv(url, filters)
    assert fast == general
    assert general.count("\n") > 1 or filters.limit == 0
    if filters == Filters():
        assert _ok(cli(url, "export", "--format", "csv")).stdout == general  # the command takes the fast path
        # (an open start is an empty cell since issue 15: the date beside it says it is open)
        assert "'=SUM(A1), \"\"quoted\"\"" in general and "../1948,,1948-12-31" in general
        assert "Lala 2014; Duka 2007" in general  # each source once, in the order first cited
        assert '"two\nlines, and\r a CR"' in general  # a carriage return is quoted, as a line break is


def test_csv_export_fast_path_on_the_papers_chronology(seeded_url):
    for filters in (Filters(), Filters(from_year=1955, to_year=1961), Filters(actors=["Hrushov"])):
        general, fast = _both_csv(seeded_url, filters)
        assert fast == general and general.count("\n") > 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A sample of the benchmark corpus (bench/generate.py): 400 sources, 600 actors, 3,000 events."""
    sys.path.insert(0, str(db.Path(__file__).resolve().parents[1] / "bench"))
    import generate

    out = tmp_path_factory.mktemp("corpus")
    generate.generate(3000, out, seed=7, actors=600)
    return out


def test_csv_export_fast_path_on_a_generated_corpus(cli, db_url, corpus):
    _ok(cli(db_url, "db", "upgrade"))
    _ok(cli(db_url, "import", str(corpus / "base.yaml")))
    assert "events 3000 added" in _ok(cli(db_url, "import", str(corpus / "events.csv"))).stderr
    for filters in (Filters(), Filters(year=1960), Filters(from_year=1950, to_year=1955, type="visit")):
        general, fast = _both_csv(db_url, filters)
        assert fast == general
    rows = _rows(general)
    assert rows and all(r["type"] == "visit" for r in rows)
    # importing its own export changes nothing
    exported = db.Path(str(corpus)) / "exported.csv"
    _ok(cli(db_url, "export", "-o", str(exported)))
    assert "events 0 added, 0 updated, 3000 unchanged" in _ok(cli(db_url, "import", str(exported))).stderr


def test_csv_rows_quote_a_carriage_return_on_every_python():
    from relations_db.formats.csv.columns import write_row

    def line(cells):
        out = io.StringIO()
        write_row(csv.writer(out, lineterminator="\n"), out, cells)
        return out.getvalue()

    assert line(["a\rb", "plain", 'say "x", then\ngo', ""]) == '"a\rb",plain,"say ""x"", then\ngo",\n'
    for cells in (["plain", "a,b", 'q"q', "x\ny", ""], ["", ""], ["=1", " spaced "]):  # no CR: csv.writer's own
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(cells)
        assert line(cells) == out.getvalue()
    assert list(csv.reader(io.StringIO(line(["a\rb", "c"])))) == [["a\rb", "c"]]  # and it reads back


@pytest.fixture
def parallel_from_100(monkeypatch):
    """The parallel ways of the CSV export taken from 100 events on (the sample corpus has 3,000), and a list
    of the way each export took: "parts" or "single" (SQLite), "halves" or "one copy" (PostgreSQL's COPY), and
    "worker" for each worker process started."""
    monkeypatch.setattr(csv_stream, "PARALLEL_AT_LEAST", 100)
    taken: list[str] = []
    write_in_parts, halves, start = csv_parts.write_in_parts, csv_copy.date_halves, csv_parts.start_worker

    def start_recorded(*args):
        worker = start(*args)
        taken.append("worker")
        return worker

    def parts_recorded(*args):
        written = write_in_parts(*args)
        taken.append("single" if written is None else "parts")
        return written

    def halves_recorded(session):
        found = halves(session)
        taken.append("one copy" if found is None else "halves")
        return found

    monkeypatch.setattr(csv_parts, "write_in_parts", parts_recorded)
    monkeypatch.setattr(csv_copy, "date_halves", halves_recorded)
    monkeypatch.setattr(csv_parts, "start_worker", start_recorded)
    return taken


def _corpus_db(cli, url, corpus):
    _ok(cli(url, "db", "upgrade"))
    _ok(cli(url, "import", str(corpus / "base.yaml")))
    _ok(cli(url, "import", str(corpus / "events.csv")))


def test_csv_export_of_everything_in_parallel_writes_the_same_bytes(cli, db_url, backend, corpus, tmp_path,
                                                                    parallel_from_100):
    _corpus_db(cli, db_url, corpus)
    general, fast = _both_csv(db_url, Filters())
    assert fast == general and len(_rows(general)) == 3000
    exported = tmp_path / "everything.csv"
    assert "Exported 3000 events" in _ok(cli(db_url, "export", "-o", str(exported))).stderr
    assert exported.read_text(encoding="utf-8") == general  # (to a file: the parts go in as bytes)
    # (SQLite: a worker per core beyond this one, up to 3; PostgreSQL: none, its halves are two connections)
    ways = [way for way in parallel_from_100 if way != "worker"]
    assert ways == 2 * (["parts"] if backend == "sqlite" else ["halves"])
    assert parallel_from_100.count("worker") == 2 * (min(os.cpu_count() or 1, 4) - 1 if backend == "sqlite" else 0)
    before = len(parallel_from_100)
    _ok(cli(db_url, "export", "--year", "1960", "-o", str(exported)))  # a selection: one statement, as before
    assert exported.read_text(encoding="utf-8") == _both_csv(db_url, Filters(year=1960))[0]
    assert len(parallel_from_100) == before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_parallel_export_keeps_writers_out_until_every_part_has_its_snapshot(cli, db_url, corpus, monkeypatch,
                                                                             parallel_from_100):
    import sqlite3

    _corpus_db(cli, db_url, corpus)
    path = db_url.removeprefix("sqlite:///")
    start, blocked = csv_parts.start_worker, []

    def start_and_try_writing(job):
        worker = start(job)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            blocked.append(False)
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            blocked.append("locked" in str(error))
        other.close()
        return worker

    monkeypatch.setattr(csv_parts, "start_worker", start_and_try_writing)
    general, fast = _both_csv(db_url, Filters())
    assert fast == general and [way for way in parallel_from_100 if way != "worker"] == ["parts"]
    assert blocked and all(blocked)  # a writer waits while the parts start...
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # ...and not after
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_parallel_export_does_not_wait_for_a_writer(cli, db_url, corpus, monkeypatch, parallel_from_100):
    import sqlite3

    _corpus_db(cli, db_url, corpus)
    monkeypatch.setattr(csv_parts, "GUARD_WAIT_SECONDS", 0.05)
    writer = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long import, say
    try:
        general, fast = _both_csv(db_url, Filters())
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert fast == general and len(_rows(general)) == 3000
    assert parallel_from_100 == ["single"]  # read in one process, which needs no lock


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("failing", ["worker", "parent"])
def test_a_failed_export_part_is_a_message_and_leaves_no_file(cli, db_url, corpus, monkeypatch, tmp_path, failing,
                                                               parallel_from_100):
    _corpus_db(cli, db_url, corpus)
    bad = "SELECT * FROM no_such_table"
    if failing == "worker":
        start = csv_parts.start_worker
        monkeypatch.setattr(csv_parts, "start_worker", lambda job: start({**job, "sql": bad}))
    else:
        monkeypatch.setattr(csv_parts, "part_statement", lambda *args: (bad, []))
    folder = tmp_path / "exports"
    folder.mkdir()
    result = cli(db_url, "export", "-o", str(folder / "out.csv"))
    assert result.exit_code == 1 and "no such table" in result.stderr and "Traceback" not in result.stderr
    assert ("worker process failed" if failing == "worker" else "could not read the database") in result.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_export_halves_read_one_snapshot(cli, db_url, corpus, monkeypatch, parallel_from_100):
    """The halves are read on two new connections, made after the export began: an edit committed before each
    is made is not in the file, which is the database as it was when the export began."""
    import psycopg

    _corpus_db(cli, db_url, corpus)
    before, _ = _both_csv(db_url, Filters())
    dsn = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:  # the latest event: in the second half
        latest = connection.execute("SELECT id, title FROM events ORDER BY start_day DESC, id DESC LIMIT 1").fetchone()
    connect = csv_copy._connection_in_snapshot

    def edit_then_connect(*args):
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("UPDATE events SET title = 'Edited while exported' WHERE id = %s", (latest[0],))
        return connect(*args)

    monkeypatch.setattr(csv_copy, "_connection_in_snapshot", edit_then_connect)
    general, fast = _both_csv(db_url, Filters())  # (the general writer reads before the halves connect)
    assert parallel_from_100[-1:] == ["halves"] and fast == general == before and latest[1] in fast
    assert "Edited while exported" in _both_csv(db_url, Filters())[0]  # (and the edit was made)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_failed_postgresql_export_half_is_a_message_and_leaves_no_file(cli, db_url, corpus, monkeypatch,
                                                                          tmp_path, parallel_from_100):
    _corpus_db(cli, db_url, corpus)
    queries = []
    copy_query = csv_copy.copy_query

    def second_fails(*args):
        queries.append(copy_query(*args))
        return queries[-1] if len(queries) == 1 else "COPY (SELECT * FROM no_such_table) TO STDOUT (FORMAT csv)"

    monkeypatch.setattr(csv_copy, "copy_query", second_fails)
    folder = tmp_path / "exports"
    folder.mkdir()
    result = cli(db_url, "export", "-o", str(folder / "out.csv"))
    assert result.exit_code == 1 and "Traceback" not in result.stderr, (parallel_from_100, result.stderr)
    assert "PostgreSQL could not export" in result.stderr and "no_such_table" in result.stderr
    assert parallel_from_100 == ["halves"] and list(folder.iterdir()) == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_copy_writes_what_the_general_writer_writes(cli, url, monkeypatch):
    db_url = url
    for args in AWKWARD:
        _ok(cli(db_url, *args))
    copies = []
    copy_csv = csv_copy.copy_csv

    def copy_recorded(*args):
        copies.append(args[0].where)
        return copy_csv(*args)

    monkeypatch.setattr(csv_copy, "copy_csv", copy_recorded)
    for filters in (Filters(), Filters(year=1961), Filters(actors=["USSR"]), Filters(limit=2),
                    Filters(search="submarines"), Filters(source="Duka 2007")):
        general, fast = _both_csv(db_url, filters)
        assert fast == general and general.count("\n") > 1
        if filters == Filters():
            assert "'=SUM(A1), \"\"quoted\"\"" in general and "'\tstarts with a tab" in general
            assert "Lala 2014; Duka 2007" in general and "agreement,,Albania" in general  # an empty cell
            assert '"two\nlines, and\r a CR"' in general
    assert len(copies) == 6  # every one of them went through COPY


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_copy_failing_is_a_message(cli, url, monkeypatch, tmp_path):
    from sqlalchemy import Integer, cast

    db_url = url
    # A statement the server refuses half-way: a title that is not a number.
    statement = csv_copy.csv_statement
    monkeypatch.setattr(csv_copy, "csv_statement",
                        lambda *args, **_: statement(*args, cell=lambda e: cast(e, Integer)))
    result = cli(db_url, "export", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 1 and "PostgreSQL could not export: " in result.stderr
    assert "invalid input syntax for type integer" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def _index_definitions(url) -> set:
    from relations_db.store.bulk import BulkWriter

    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as s:
            writer = BulkWriter(s)
            tables = ("events", "participations", "citations", "event_search")
            found = set(writer.secondary_indexes(tables))
            return found | (set() if writer.sqlite else set(writer.foreign_keys(tables)))
    finally:
        engine.dispose()


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 100 rows, so that a few hundred rows take the paths of a million (several chunks, the
    indexes dropped and made again)."""
    monkeypatch.setattr(csv_reader, "CHUNK", 100)
    monkeypatch.setattr(csv_importing, "DEFER_INDEXES_AFTER", 100)


def _many_rows(n: int, start: int = 0) -> str:
    actors = ["Hrushov:guest", "Enver Hoxha:host", "Soviet Union", "Grečko:delegate", "Albania:target"]
    return "".join(f"{1900 + i % 90}-{1 + i % 12:02d},,,Event number {i},meeting,{'Vlora' if i % 3 else ''},"
                   f"\"{actors[i % 5]}; {actors[(i + 1) % 5]}\",Lala 2014{'; duka-2007' if i % 4 == 0 else ''},"
                   f"Summary of event {i}\n" for i in range(start, start + n))


def test_csv_import_in_chunks_adds_matches_and_updates(cli, url, tmp_path, small_chunks):
    indexes = _index_definitions(url)
    path = tmp_path / "many.csv"
    path.write_text(HEADER + _many_rows(450), encoding="utf-8")
    assert "events 450 added, 0 updated, 0 unchanged" in _ok(cli(url, "import", str(path))).stderr
    assert _index_definitions(url) == indexes  # dropped for the load and made again
    found = json.loads(_ok(cli(url, "events", "--search", "event number 322", "-f", "json")).stdout)
    assert [e["slug"] for e in found] == ["1952-11-event-number-322"]
    e = found[0]
    assert (e["place"], e["summary"], [(a["name"], a["role"]) for a in e["actors"]],
            [c["source"] for c in e["citations"]]) == \
        ("Vlorë", "Summary of event 322", [("Soviet Union", None), ("Andrei Grechko", "delegate")], ["lala-2014"])
    four = json.loads(_ok(cli(url, "events", "--search", "event number 324", "-f", "json")).stdout)
    assert [c["source"] for c in four[0]["citations"]] == ["lala-2014", "duka-2007"]
    assert "events 0 added, 0 updated, 450 unchanged" in _ok(cli(url, "import", str(path))).stderr
    # a spreadsheet edit: one title's case, one type, one actor more; a row is added in the last chunk
    text = path.read_text(encoding="utf-8")
    text = text.replace("Event number 7,", "EVENT NUMBER 7,").replace("Event number 8,meeting", "Event number 8,visit")
    text = text.replace("Event number 9,meeting,,\"Albania:target; Hrushov:guest\"",
                        "Event number 9,meeting,,\"Albania:target; Hrushov:guest; USSR:observer\"")
    path.write_text(text + _many_rows(1, start=450), encoding="utf-8")
    result = _ok(cli(url, "import", str(path)))
    assert "events 1 added, 3 updated, 447 unchanged" in result.stderr
    events = {e["slug"]: e for e in json.loads(_ok(cli(url, "events", "-f", "json", "--year", "1907")).stdout)}
    assert events["1907-08-event-number-7"]["title"] == "EVENT NUMBER 7"
    nine = json.loads(_ok(cli(url, "events", "-f", "json", "--search", "event number 9", "--year", "1909")).stdout)
    assert [(a["name"], a["role"]) for a in nine[0]["actors"]] == \
        [("Albania", "target"), ("Nikita Khrushchev", "guest"), ("Soviet Union", "observer")]
    assert _index_definitions(url) == indexes


def test_csv_import_in_chunks_reports_every_bad_row_and_writes_nothing(cli, url, engine, tmp_path, small_chunks):
    indexes, before = _index_definitions(url), counts(engine)
    rows = _many_rows(450).splitlines(keepends=True)
    rows[400] = "1961,,,Who,visit,,Hrushchov:guest,Lala 2014,\n"          # line 402, in the fifth chunk
    rows[430] = rows[5].replace("Summary of event 5", "The same again")   # line 432: the same event as line 7
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        f"Error: {path}: 2 problems, nothing was written:",
        "  - line 402: no actor named 'Hrushchov'; did you mean 'Nikita Khrushchev' (as 'Hrushov')?",
        "  - line 432: the same event (1905-06, 'Event number 5') is already on line 7"]
    assert counts(engine) == before
    assert _index_definitions(url) == indexes


def test_csv_import_gives_new_slugs_as_add_event_does(cli, url, tmp_path, small_chunks):
    _ok(cli(url, "add", "event", "--date", "1960", "--title", "Meeting", "--type", "meeting", "--source",
            "lala-2014"))
    rows = [f"1960,,,Meeting{mark},meeting,,,Lala 2014,\n" for mark in ("!", "?", " (2)")]
    path = tmp_path / "slugs.csv"
    path.write_text(HEADER + _many_rows(150) + "".join(rows), encoding="utf-8")  # the three in the 2nd chunk
    _ok(cli(url, "import", str(path)))
    listed = json.loads(_ok(cli(url, "events", "-f", "json", "--year", "1960", "--type", "meeting")).stdout)
    assert sorted(e["slug"] for e in listed if e["title"].startswith("Meeting")) == \
        ["1960-meeting", "1960-meeting-2", "1960-meeting-2-2", "1960-meeting-3"]


def test_csv_import_refuses_a_row_that_matches_several_events(cli, url, engine, tmp_path):
    for title in ("Talks in Tirana", "TALKS IN TIRANA"):
        _ok(cli(url, "add", "event", "--date", "1962", "--title", title, "--type", "meeting", "--source",
                "lala-2014", "--force"))
    before = counts(engine)
    path = tmp_path / "several.csv"
    path.write_text(HEADER + "1962,,,talks in tirana,meeting,,,Lala 2014,\n", encoding="utf-8")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1
    assert ("line 2: 1962 'talks in tirana' matches several events (1962-talks-in-tirana, 1962-talks-in-tirana-2); "
            "give the slug of the one it means, or edit one of them first") in result.stderr
    assert counts(engine) == before


def test_csv_import_names_the_line_and_byte_that_is_not_utf8(cli, url, engine, tmp_path):
    before = counts(engine)
    path = tmp_path / "latin1.csv"
    good = (HEADER + "1960,,,Fine,meeting,,,Lala 2014,\n").encode("utf-8")
    path.write_bytes(good + "1961,,,Vlorë,meeting,,,Lala 2014,\n".encode("latin-1"))
    result = cli(url, "import", str(path))
    assert result.exit_code == 1
    offset = len(good) + len("1961,,,Vlor")
    assert f"latin1.csv, line 3: not UTF-8 text (byte {offset}); save it again as UTF-8" in result.stderr
    assert "'CSV UTF-8 (Comma delimited)'" in result.stderr and "'Unicode (UTF-8)'" in result.stderr
    assert counts(engine) == before


def test_csv_import_refuses_a_recorded_event_given_twice(cli, url, engine, tmp_path, small_chunks):
    before = counts(engine)
    row = "1961-12-03,,,The Soviet Union breaks off relations,break,,,Duka 2007,\n"
    path = tmp_path / "twice.csv"
    path.write_text(HEADER + row + _many_rows(150) + row.replace("The Soviet", "the soviet"), encoding="utf-8")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == ("  - line 153: the same event (1961-12-03, 'the soviet Union breaks off "
                                             "relations') is already on line 2")
    assert counts(engine) == before


def test_csv_import_gives_unique_slugs_in_a_database_without_events(cli, db_url, engine, tmp_path, small_chunks):
    load(engine, SAMPLE.split("    events:")[0])  # the sources, actors and places; no event yet
    rows = [f"1960,,,Meeting{mark},meeting,,,Lala 2014,\n" for mark in ("!", "?", " (2)", ".")]
    path = tmp_path / "slugs.csv"
    path.write_text(HEADER + rows[0] + _many_rows(150) + "".join(rows[1:3]) + _many_rows(150, 150) + rows[3],
                    encoding="utf-8")  # given out in the first chunk, met again in the second and the fourth
    assert "events 304 added" in _ok(cli(db_url, "import", str(path))).stderr
    listed = json.loads(_ok(cli(db_url, "events", "-f", "json", "--year", "1960", "--type", "meeting")).stdout)
    assert sorted(e["slug"] for e in listed if e["title"].startswith("Meeting")) == \
        ["1960-meeting", "1960-meeting-2", "1960-meeting-2-2", "1960-meeting-3"]


def _search_trigger(url) -> str | None:
    """SQLite: the recorded CREATE statement of the trigger that adds new search texts to the FTS5 index."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as c:
            if c.dialect.name != "sqlite":
                return None
            return c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                     "AND name = 'event_search_ai'").scalar()
    finally:
        engine.dispose()


def _found(cli, url, words: str) -> list[str]:
    return [e["slug"] for e in json.loads(_ok(cli(url, "events", "--search", words, "-f", "json")).stdout)]


def test_csv_import_builds_the_full_text_index_once_and_a_failed_one_leaves_it_working(cli, url, engine, tmp_path,
                                                                                        small_chunks, backend):
    trigger, indexes, before = _search_trigger(url), _index_definitions(url), counts(engine)
    assert (trigger is not None) == (backend == "sqlite")
    assert _found(cli, url, "breaks off relations") == ["1961-12-03-break"]
    rows = _many_rows(450).splitlines(keepends=True)
    rows[440] = "1961,,,Who,visit,,Hrushchov:guest,Lala 2014,\n"  # in the last chunk: four were written before
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    assert cli(url, "import", str(path)).exit_code == 1
    assert (counts(engine), _index_definitions(url), _search_trigger(url)) == (before, indexes, trigger)
    assert _found(cli, url, "breaks off relations") == ["1961-12-03-break"]
    assert _found(cli, url, "event number 322") == []
    # the trigger still indexes what is added one event at a time, and a good import indexes every row
    _ok(cli(url, "add", "event", "--date", "1960", "--title", "Quiet talks in Durrës", "--type", "meeting",
            "--source", "lala-2014"))
    assert _found(cli, url, "talks durres") == ["1960-quiet-talks-in-durres"]
    path.write_text(HEADER + _many_rows(450), encoding="utf-8")
    assert "events 450 added" in _ok(cli(url, "import", str(path))).stderr
    assert (_index_definitions(url), _search_trigger(url)) == (indexes, trigger)
    assert _found(cli, url, "event number 322") == ["1952-11-event-number-322"]
    assert _found(cli, url, "summary event 449") == ["1989-06-event-number-449"]
    assert _found(cli, url, "breaks off relations") == ["1961-12-03-break"]
    assert _found(cli, url, "talks durres") == ["1960-quiet-talks-in-durres"]
    _ok(cli(url, "add", "event", "--date", "1961", "--title", "Later talks in Durrës", "--type", "meeting",
            "--source", "lala-2014"))
    assert _found(cli, url, "later talks durres") == ["1961-later-talks-in-durres"]


def test_csv_import_an_error_while_writing_rolls_everything_back(url, engine, small_chunks, monkeypatch):
    """A database error after the indexes (and the full-text trigger) were dropped for the load: nothing is
    written, and they are all back."""
    from relations_db.store import bulk

    indexes, before, trigger = _index_definitions(url), counts(engine), _search_trigger(url)
    written = []
    insert = bulk.BulkWriter.insert

    def failing(self, table, columns, rows):
        if table == "citations" and len(written) == 2:
            raise RuntimeError("the disk is full")
        insert(self, table, columns, rows)
        if table == "citations":
            written.append(len(rows))

    monkeypatch.setattr(bulk.BulkWriter, "insert", failing)
    with pytest.raises(RuntimeError, match="the disk is full"):
        with db.session_scope(engine, write=True) as s:
            import_csv_text(s, HEADER + _many_rows(450))
    assert (counts(engine), _index_definitions(url), _search_trigger(url)) == (before, indexes, trigger)


# --- the registry of formats ----------------------------------------------------------------------------------


def test_the_registry_names_a_loadable_function_for_every_format():
    from relations_db.formats import registry

    assert list(registry.EXPORTS) == ["csv", "json", "jsonl", "yaml", "markdown", "html", "bibtex", "csljson"]
    assert list(registry.IMPORTS) == ["yaml", "csv", "bibtex", "csljson", "ris"]
    for direction, formats in (("export", registry.EXPORTS), ("import", registry.IMPORTS)):
        for name in formats:
            assert callable(registry.load(name, direction)), (direction, name)


@pytest.mark.parametrize(("output", "given", "expected"), [
    (None, None, "csv"), ("-", None, "csv"), ("out.JSON", None, "json"), ("a/b.ndjson", None, "jsonl"),
    ("x.yml", None, "yaml"), ("notes.md", None, "markdown"), ("page.htm", None, "html"), ("chronology", None, "csv"),
    ("x.json", "Markdown", "markdown"),
])
def test_the_export_format_is_the_one_given_else_the_files_suffix_else_csv(output, given, expected):
    from relations_db.formats import registry

    assert registry.export_format(output, given) == expected


@pytest.mark.parametrize("output", ["x.txt", "notes.docx"])
def test_an_export_suffix_that_names_no_format_is_refused(output):
    from relations_db.errors import UserError
    from relations_db.formats import registry

    with pytest.raises(UserError, match="cannot tell which format to write to"):
        registry.export_format(output)
    assert registry.export_format(output, "csv") == "csv"


def test_the_import_format_is_the_one_given_else_the_files_suffix():
    from relations_db.errors import UserError
    from relations_db.formats import registry

    assert registry.import_format("a/b.CSV") == "csv" and registry.import_format("seed.yml") == "yaml"
    assert registry.import_format("notes.txt", "YAML") == "yaml"
    with pytest.raises(UserError, match=r"name it \.yaml, \.yml, \.csv, \.bib, \.bibtex, \.json or \.ris, or give "
                                        r"the format \(yaml, csv, bibtex, csljson or ris\)") as found:
        registry.import_format("notes.txt")
    assert found.value.field == "format"
    with pytest.raises(UserError, match="the format must be one of yaml, csv, bibtex, csljson, ris; found 'xml'") \
            as found:
        registry.import_format("notes.csv", "xml")
    assert found.value.field == "format"
    with pytest.raises(UserError, match="the format must be one of csv, json, jsonl, yaml, markdown, html, bibtex, "
                                        "csljson"):
        registry.export_format(None, "xml")


def _loaded_modules(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded when it ends running `code` (read from `sys.modules` at exit:
    `-X importtime` does not see what `importlib.import_module` loads, which is how cli/app.py loads commands)."""
    import subprocess

    report = ("import atexit, sys\n"
              "atexit.register(lambda: print('--- modules', *sys.modules, sep='\\n', file=sys.stderr))\n")
    proc = subprocess.run([sys.executable, "-c", report + code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(proc.stderr.split("--- modules\n", 1)[1].split())


def test_listing_the_formats_imports_no_format_module():
    """The registry holds strings: the `--format` choices and `--help` cost no format module (nor SQLAlchemy)."""
    loaded = _loaded_modules("from relations_db.formats import registry; list(registry.EXPORTS); "
                             "list(registry.IMPORTS); registry.export_format('x.md'); registry.import_format('x.csv')")
    assert {m for m in loaded if m.startswith("relations_db.formats")} == {"relations_db.formats",
                                                                           "relations_db.formats.registry"}
    assert "sqlalchemy" not in loaded
    loaded = _loaded_modules("import sys; sys.argv = ['relations-db', 'export', '--help']\n"
                             "from relations_db.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass")
    assert "relations_db.cli.transfer" in loaded  # (the measurement works)
    assert {m for m in loaded if m.startswith("relations_db.formats")} == {"relations_db.formats",
                                                                           "relations_db.formats.registry"}


def test_the_export_worker_loads_only_the_standard_library_and_the_light_csv_modules():
    """A worker of the parallel SQLite export (`parts.start_worker`) starts in a few tens of ms: no SQLAlchemy,
    and of this package only what writes CSV lines and the pure `domain` rules it writes them by (how a date
    reads, how a citation reads)."""
    loaded = _loaded_modules("from relations_db.formats.csv.parts import main")
    ours = {m for m in loaded if m.startswith("relations_db")}
    assert ours == {"relations_db", "relations_db.formats", "relations_db.formats.csv",
                    "relations_db.formats.csv.parts", "relations_db.formats.csv.stream",
                    "relations_db.formats.csv.statement", "relations_db.formats.csv.columns",
                    "relations_db.errors", "relations_db.domain", "relations_db.domain.citing",
                    "relations_db.domain.dates", "relations_db.domain.edtf_calendar",
                    "relations_db.domain.edtf_labels", "relations_db.domain.edtf_parse"}
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "yaml", "typer", "rich", "psycopg")}


def test_yaml_export_of_a_selection_carries_the_events_its_relative_claims_name(cli, seeded_url, other_url,
                                                                               tmp_path):
    """Khrushchev's appointment is dated "a few months" before the June 1954 visit, which is outside 1953: the file
    carries the visit too, so that it loads on its own, with the claim, its bound and its reason."""
    path = tmp_path / "1953.yaml"
    _ok(cli(seeded_url, "export", "-f", "yaml", "--from", "1953", "--to", "1953", "-o", str(path)))
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    slugs = [e["slug"] for e in doc["events"]]
    assert "1953-1954-khrushchev-first-secretary" in slugs and slugs[-1] == "1954-06-hoxha-and-kapo-visit-moscow"
    assert "# events that the events above invoke or are dated by" in path.read_text(encoding="utf-8")
    _ok(cli(other_url, "db", "upgrade"))
    _ok(cli(other_url, "import", str(path)))
    assert _snap(other_url) == _snap(seeded_url, set(slugs))
    again = tmp_path / "again.yaml"
    _ok(cli(other_url, "export", "-f", "yaml", "-o", str(again)))
    claims = {e["slug"]: e.get("claims") for e in yaml.load(again.read_text(encoding="utf-8"),
                                                              Loader=yaml.BaseLoader)["events"]}
    assert claims["1953-1954-khrushchev-first-secretary"] == {
        e["slug"]: e.get("claims") for e in doc["events"]}["1953-1954-khrushchev-first-secretary"]
