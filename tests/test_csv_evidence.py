"""Issue 13: a CSV import that never erases, a citable CSV (id, slug, date_display, notes) and its long form
(one row per citation), read back by `import`; "quoted in" written by one rule everywhere."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select, text
from write_sample import counts

from relations_db.domain.vocab import SLUG_RULE
from relations_db.formats.csv.header import CITATION_COLUMNS
from relations_db.store import db

BUCHAREST = "1960-06-bucharest-meeting-of-communist-parties"
BUCHAREST_TITLE = ("Bucharest meeting of communist parties; the Albanian representative opposes the Soviet "
                   "delegation")
HEADER = "date,start,end,title,type,place,actors,sources,summary\n"
# The long form's columns up to its claim cells (a file may leave optional columns out).
CITATION_CELLS = CITATION_COLUMNS[:CITATION_COLUMNS.index("claim_id")]


def _ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def _everything(engine) -> dict[str, list]:
    """Every row of every table (sorted): what a refused or dry-run import must leave exactly as it was."""
    from relations_db.store.models import Base

    with engine.connect() as connection:
        return {table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
                for table in Base.metadata.sorted_tables}


def _show(cli, url, ref):
    return json.loads(_ok(cli(url, "show", ref, "--format", "json")).stdout)


def _rows(text_):
    return list(csv.DictReader(io.StringIO(text_)))


def test_the_reproduction_leaves_the_bucharest_meeting_as_it_was(cli, seeded, tmp_path):
    url, engine = seeded
    before, everything = _show(cli, url, BUCHAREST), _everything(engine)
    path = tmp_path / "colleague.csv"
    # the row: the place, the summary and four of the five participants left empty
    path.write_text(HEADER + f"1960-06,,,{BUCHAREST_TITLE},conference,,Hysni Kapo,Lala 2014,\n", encoding="utf-8")
    dry = _ok(cli(url, "import", str(path), "--dry-run"))
    assert dry.stdout == f"unchanged {BUCHAREST}\n"
    assert "Dry run of" in dry.stderr and "events 0 added, 0 updated, 1 unchanged" in dry.stderr
    result = _ok(cli(url, "import", str(path)))
    assert "events 0 added, 0 updated, 1 unchanged" in result.stderr and result.stdout == ""
    after = _show(cli, url, BUCHAREST)
    assert after == before  # the summary, Bucharest, all five participants and every citation kept
    assert after["place"] == "Bucharest" and len(after["actors"]) == 6 and after["summary"]
    assert _everything(engine) == everything


def test_dry_run_lists_only_what_changes_and_writes_nothing(cli, seeded, tmp_path):
    url, engine = seeded
    everything = _everything(engine)
    path = tmp_path / "changes.csv"
    # header in another order and case, `;` separated, optional columns absent; a new role, a new source
    row = f'"{BUCHAREST_TITLE}";1960-06;Moscow;Enver Hoxha:critic;"Lala 2014; Duka 2007"'
    path.write_text(f"Title;Date;Place;Actors;Sources\n{row}\nA new meeting;1962-03;;;Duka 2007\n", encoding="utf-8")
    path.write_text(f"Title;Date;Place;Actors;Sources;TYPE\n{row};\nA new meeting;1962-03;;;Duka 2007;meeting\n",
                    encoding="utf-8")
    dry = _ok(cli(url, "import", str(path), "--dry-run"))
    assert dry.stdout.splitlines() == [
        f"updated {BUCHAREST}: place: 'Bucharest' → 'Moscow'",
        f"updated {BUCHAREST}: actors: + Enver Hoxha:critic",
        f"updated {BUCHAREST}: sources: + Duka 2007",
        "added 1962-03-a-new-meeting: 1962-03 A new meeting"]
    assert _everything(engine) == everything
    real = _ok(cli(url, "import", str(path)))
    assert real.stdout.splitlines() == dry.stdout.splitlines()[:3]  # the same summary of updates
    event = _show(cli, url, BUCHAREST)
    assert event["place"] == "Moscow" and event["summary"]  # an empty (absent) summary kept
    assert ("Enver Hoxha", "critic") in {(a["name"], a["role"]) for a in event["actors"]}
    assert ("Hysni Kapo", "representative") in {(a["name"], a["role"]) for a in event["actors"]}
    lala = [c for c in event["citations"] if c["source"] == "lala-2014"]
    assert lala and all(c["locator"] for c in lala)  # the evidence stays; Duka comes as one bare citation more
    assert [c["locator"] for c in event["citations"] if c["source"] == "duka-2007"] == [None]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_headers_in_any_case_and_order_with_any_delimiter(cli, seeded, tmp_path, delimiter):
    url, _ = seeded
    path = tmp_path / "spreadsheet.csv"
    rows = [["SLUG", "Summary"], [BUCHAREST, "A summary, rewritten; in a spreadsheet"]]
    with path.open("w", encoding="utf-8-sig", newline="") as out:  # (with a BOM, as Excel saves)
        csv.writer(out, delimiter=delimiter).writerows(rows)
    result = _ok(cli(url, "import", str(path)))
    assert result.stdout.startswith(f"updated {BUCHAREST}: summary: \"At the meeting of communist parties' ")
    assert result.stdout.endswith("…\" → 'A summary, rewritten; in a spreadsheet'\n")
    assert _show(cli, url, BUCHAREST)["summary"] == "A summary, rewritten; in a spreadsheet"


def test_a_row_matched_by_slug_may_change_date_and_title(cli, seeded, tmp_path):
    url, _ = seeded
    path = tmp_path / "slug.csv"
    path.write_text(f"slug,date,title\n{BUCHAREST},1960-06-24,Bucharest meeting\n", encoding="utf-8")
    result = _ok(cli(url, "import", str(path)))
    assert f"updated {BUCHAREST}: date: '1960-06' → '1960-06-24'" in result.stdout
    event = _show(cli, url, BUCHAREST)
    assert (event["date"], event["title"], event["place"]) == ("1960-06-24", "Bucharest meeting", "Bucharest")


def test_refusals_name_the_line_and_write_nothing(cli, seeded, tmp_path):
    url, engine = seeded
    before, everything = counts(engine), _everything(engine)
    path = tmp_path / "bad.csv"
    path.write_text("date,title,type,sources,slug\n"
                    "25/11/1961,A,meeting,Lala 2014,\n"
                    "11/25/1961,B,meeting,Lala 2014,\n"
                    "1961,C,meeting,,\n"
                    ",,,,no-such-event\n"
                    "1962,D,meeting,Lala 2014,New Slug\n"
                    "1962,E,meeting,Lala 2014,e-slug\n1962,F,meeting,Lala 2014,e-slug\n", encoding="utf-8")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[1:] == [
        "  - line 2: looks like day/month/year: write 1961-11-25",
        "  - line 3: looks like month/day/year: write 1961-11-25",
        "  - line 4: a new event (no recorded event has this date and title) needs sources: every event needs at "
        "least one source (give the source's key or short form, e.g. 'Duka 2007')",
        "  - line 5: no event has the slug 'no-such-event': to add one, give its date, title and sources",
        f"  - line 6: the slug 'New Slug': {SLUG_RULE}",
        "  - line 8: the slug 'e-slug' is already given on line 7"]
    assert counts(engine) == before and _everything(engine) == everything


def test_a_new_row_keeps_the_slug_it_gives(cli, seeded, tmp_path):
    url, _ = seeded
    path = tmp_path / "new.csv"
    path.write_text("slug,date,title,type,sources\nmy-talks,1962,Talks,meeting,Lala 2014\n", encoding="utf-8")
    _ok(cli(url, "import", str(path)))
    assert _show(cli, url, "my-talks")["title"] == "Talks"


def _without_events(url: str) -> None:
    """The database keeps its sources, actors and places; every event (and what hangs on one) goes."""
    engine = db.make_engine(url)
    with engine.begin() as connection:
        for table in ("agreement_invocations", "meetings", "agreements", "participations", "citations",
                      "event_search", "events"):
            connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


def _citations(cli, url):
    """Every citation, as the JSON export gives it, per event slug (in no particular order), without its id (a
    citation written again by an import is a new record)."""
    events = json.loads(_ok(cli(url, "export", "--format", "json")).stdout)
    return {e["slug"]: sorted(json.dumps({k: v for k, v in c.items() if k != "id"}, sort_keys=True)
                              for c in e["citations"]) for e in events}


def _notes_as_sets(rows):
    """The rows with each event's notes in no particular order, and no id (the database gives a new event its
    id: after the events were deleted, PostgreSQL's sequence goes on from where it was)."""
    return [{**{k: v for k, v in row.items() if k != "id"}, "notes": sorted(row["notes"].split("; "))}
            for row in rows]


def _without_claim_ids(text_: str) -> list[tuple[str, ...]]:
    return sorted(tuple(v for k, v in row.items() if k != "claim_id") for row in _rows(text_))


def test_both_csvs_reproduce_every_field_and_citation(cli, seeded, tmp_path):
    url, _ = seeded
    chronology, citations = tmp_path / "chronology.csv", tmp_path / "citations.csv"
    _ok(cli(url, "export", "-o", str(chronology)))
    assert "Exported 123 rows" in _ok(cli(url, "export", "--per-citation", "-o", str(citations))).stderr
    expected_citations = _citations(cli, url)
    _without_events(url)
    assert "events 59 added" in _ok(cli(url, "import", str(chronology))).stderr
    assert "citations 22 added, 91 updated" in _ok(cli(url, "import", str(citations))).stderr
    again = _ok(cli(url, "export")).stdout
    # every cell, slugs included; an event's notes may come in another order (bare citations first)
    assert _notes_as_sets(_rows(again)) == _notes_as_sets(_rows(chronology.read_text(encoding="utf-8")))
    assert _citations(cli, url) == expected_citations  # quotation, locator, cited_in, confidence, note…
    long_again = _ok(cli(url, "export", "--per-citation")).stdout
    # (every cell but the claim ids, which are the new database's own)
    assert _without_claim_ids(long_again) == _without_claim_ids(citations.read_text(encoding="utf-8"))
    # and importing both again changes nothing
    assert "0 added, 0 updated, 59 unchanged" in _ok(cli(url, "import", str(chronology))).stderr
    assert "0 added, 0 updated, 59 unchanged;" in _ok(cli(url, "import", str(citations))).stderr


def test_the_two_csvs_in_either_order_give_the_same_database(cli, seeded_url, tmp_path):
    url = seeded_url
    template = db.make_engine(url)
    with template.connect() as connection:
        start = connection.execute(text("SELECT max(id) FROM citations")).scalar_one()
    template.dispose()
    new = tmp_path / "new.csv"
    new.write_text("slug,date,title,type,sources\nlater-talks,1962,Later talks,meeting,Lala 2014\n",
                   encoding="utf-8")
    _ok(cli(url, "import", str(new)))  # a bare citation of Lala
    chronology, citations = tmp_path / "chronology.csv", tmp_path / "citations.csv"
    chronology.write_text("slug,sources\nlater-talks,Lala 2014; Duka 2007\n", encoding="utf-8")
    citations.write_text(",".join(CITATION_CELLS) + "\n"
                         "later-talks,,,lala-2014,,p. 9,The talks went on.,,,,3,\n"
                         "later-talks,,,duka-2007,,p. 12,\"Talks, again\",,lala-2014,p. 344,,a note\n",
                         encoding="utf-8")
    results = []
    for order in ((chronology, citations), (citations, chronology)):
        for path in order:
            _ok(cli(url, "import", str(path)))
        engine = db.make_engine(url)
        with engine.begin() as connection:
            results.append(sorted(tuple(r)[2:] for r in connection.execute(
                text("SELECT * FROM citations WHERE id > :start ORDER BY id"), {"start": start})))
            # back to the bare citation of Lala alone, for the other order
            connection.execute(text("DELETE FROM citations WHERE id > :start AND source_id IN "
                                    "(SELECT id FROM sources WHERE key = 'duka-2007')"), {"start": start})
            connection.execute(text("UPDATE citations SET locator = NULL, quote = NULL, confidence = 2 "
                                    "WHERE id > :start"), {"start": start})
        engine.dispose()
    assert results[0] == results[1] and len(results[0]) == 2
    assert {r[1:3] for r in results[0]} == {("p. 9", "The talks went on."), ("p. 12", "Talks, again")}


def test_long_form_refusals(cli, seeded, tmp_path):
    url, engine = seeded
    before, everything = counts(engine), _everything(engine)
    path = tmp_path / "citations.csv"
    path.write_text(",".join(CITATION_CELLS) + "\n"
                    "no-such-event,,,lala-2014,,p. 1,q,,,,,\n"
                    f"{BUCHAREST},,,lala-2014,,p. 1,q,,lala-2014,,,\n"
                    f"{BUCHAREST},,,lala-2014,,p. 1,q,,,,9,\n"
                    f"{BUCHAREST},,,nobody-2000,,p. 1,q,,,,,\n", encoding="utf-8")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].endswith("4 problems, nothing was written:")
    assert lines[1].startswith("  - line 2: no recorded event has the slug 'no-such-event': import the chronology")
    assert lines[2].startswith("  - line 3: a citation cannot be quoted in its own source")
    assert lines[3].startswith("  - line 4: ") and "confidence" in lines[3]
    assert lines[4].startswith("  - line 5: no source named 'nobody-2000'")
    assert counts(engine) == before and _everything(engine) == everything


def test_bom_for_excel(cli, seeded, tmp_path):
    url, _ = seeded
    path = tmp_path / "excel.csv"
    _ok(cli(url, "export", "--bom", "-o", str(path)))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfdate,start,end,") and "Vlorë".encode() in data
    assert "0 added, 0 updated, 59 unchanged" in _ok(cli(url, "import", str(path))).stderr
    refused = cli(url, "export", "--bom", "--format", "json")
    assert refused.exit_code == 1 and "--bom is for CSV" in refused.stderr


def test_quoted_in_reads_the_same_in_every_output(cli, seeded):
    """domain/citing.py: CSV notes, the JSON `text`, the chronology's and Markdown's notes, the HTML page."""
    url, _ = seeded
    events = json.loads(_ok(cli(url, "export", "--format", "json", "--year", "1960")).stdout)
    texts = {c["text"] for e in events for c in e["citations"] if c["cited_in"]}
    assert "Smirnova 2004, quoted in Lala 2014, p. 342" in texts
    csv_notes = "; ".join(r["notes"] for r in _rows(_ok(cli(url, "export", "--year", "1960")).stdout))
    chronology = _ok(cli(url, "chronology", "--year", "1960")).stdout
    markdown = _ok(cli(url, "export", "--format", "markdown", "--year", "1960")).stdout
    html = _ok(cli(url, "export", "--format", "html", "--year", "1960")).stdout
    for note in texts:
        assert note in csv_notes and note in chronology and note in markdown and note in html


def test_the_report_keeps_a_thousand_lines_of_each_kind_and_counts_the_rest():
    from relations_db.formats.csv.report import DETAIL_LINES, ImportReport

    report = ImportReport()
    for line in range(DETAIL_LINES + 5):
        report.detail(line, f"added e{line}: 1960 T")
    report.detail(3, "updated e1: title: 'a' → 'b'")
    assert report.lines(("updated",)) == ["updated e1: title: 'a' → 'b'"]  # (not crowded out by the added ones)
    everything = report.lines()
    assert len(everything) == DETAIL_LINES + 2 and everything[-1] == "… and 5 more"
    assert everything[3:5] == ["added e3: 1960 T", "updated e1: title: 'a' → 'b'"]  # in the file's order


def test_the_long_form_writes_awkward_cells_as_csv_writer_and_neutralise_do(cli, seeded):
    from relations_db.formats.csv.citations import write_lines
    from relations_db.formats.csv.columns import neutralise, unquote

    url, _ = seeded
    for locator, quote in (("p. 3, n. 4", "=SUM(A1) \"quoted\""), ("-4", "two\nlines"),
                           ("'@x", "'plain"), ("p. 5", "+1, a comma")):
        _ok(cli(url, "add", "citation", BUCHAREST, "--source", "duka-2007", "--locator", locator, "--quote", quote))
    exported = _ok(cli(url, "export", "--per-citation")).stdout
    rows = list(csv.reader(io.StringIO(exported)))
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(rows[0])
    plain = [[unquote(cell) for cell in row] for row in rows[1:]]
    for row in plain:
        writer.writerow([neutralise(cell) for cell in row])
    assert "'=SUM(A1) \"\"quoted\"\"" in exported and ",'-4," in exported and "''@x" in exported
    assert exported == expected.getvalue()
    out = io.StringIO()
    write_lines([[tuple(row) for row in plain]], out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == rows[1:]
