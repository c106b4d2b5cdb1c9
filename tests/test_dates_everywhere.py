"""Issue 15 end to end: a date before Christ and an unknown end, through the command line on both backends —
written, filtered, sorted, shown, exported and imported again."""

from __future__ import annotations

import json

import pytest

CAESAR = ("add", "event", "--date", "-0043-03-15", "--title", "Caesar is murdered", "--type", "assassination",
          "--actor", "Albania:bystander", "--source", "lala-2014", "--locator", "p. 1", "--quote", "Ides of March")
UNKNOWN_END = ("add", "event", "--date", "1955/", "--title", "A process whose end nobody knows", "--type",
               "process", "--actor", "Albania:party", "--source", "lala-2014", "--locator", "p. 2", "--quote", "…")


def _json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def dated(cli, seeded_url):
    for args in (CAESAR, UNKNOWN_END):
        result = cli(seeded_url, *args)
        assert result.exit_code == 0, result.stderr
    return seeded_url


@pytest.mark.parametrize("year", [("--year", "-43"), ("--year", "44BC"), ("--from", "-50", "--to", "-40")])
def test_a_year_before_christ_finds_the_ides_of_march(cli, dated, year):
    (event,) = _json(cli(dated, "events", *year, "-f", "json"))
    assert (event["title"], event["start"], event["end"]) == ("Caesar is murdered", "-0043-03-15", "-0043-03-15")
    assert "start_kind" not in event and "end_kind" not in event


def test_the_era_boundary_sorts_and_the_chronology_reads_as_a_historian_writes(cli, dated):
    events = _json(cli(dated, "export", "--format", "json"))
    assert events[0]["title"] == "Caesar is murdered"  # before every event of the common era
    chronology = cli(dated, "chronology", "--to", "1BC")
    assert chronology.exit_code == 0, chronology.stderr
    assert "44 BC" in chronology.stdout and "15 March 44 BC" in chronology.stdout
    shown = _json(cli(dated, "show", str(events[0]["id"]), "-f", "json"))
    assert shown["display"] == "15 March 44 BC"


def test_an_unknown_end_is_null_says_so_and_reaches_every_later_year(cli, dated):
    (event,) = [e for e in _json(cli(dated, "events", "--year", "1990", "-f", "json"))
                if e["title"].startswith("A process")]
    assert (event["start"], event["end"], event["end_kind"]) == ("1955-01-01", None, "unknown")
    assert _json(cli(dated, "show", str(event["id"]), "-f", "json"))["display"] == "1955 – end unknown"
    open_end = [e for e in _json(cli(dated, "events", "--year", "1990", "-f", "json")) if e["date"] == "1959/.."]
    assert open_end and open_end[0]["end_kind"] == "open"
    listed = _json(cli(dated, "events", "--from", "1955", "--to", "1955", "-f", "json"))
    # (within a start day, a missing end sorts after every day)
    same_start = [e for e in listed if e["start"] == "1955-01-01"]
    assert same_start[-1]["end"] is None


def test_a_bc_date_round_trips_through_the_csv(cli, dated, tmp_path):
    path = tmp_path / "all.csv"
    exported = cli(dated, "export", "--format", "csv", "--output", str(path))
    assert exported.exit_code == 0, exported.stderr
    text = path.read_text(encoding="utf-8")
    # A cell beginning with '-' looks like a formula to a spreadsheet: it is quoted, and read back as the date.
    assert "'-0043-03-15,'-0043-03-15,'-0043-03-15,Caesar is murdered" in text
    assert "1955/,1955-01-01,,A process whose end nobody knows" in text
    imported = cli(dated, "import", str(path))
    assert imported.exit_code == 0, imported.stderr
    assert " 0 added, 0 updated, " in imported.stderr  # every row matched its event, unchanged
    (event,) = _json(cli(dated, "events", "--year", "-43", "-f", "json"))
    assert event["start"] == "-0043-03-15"


def test_the_timeline_has_a_bucket_for_a_year_before_christ(cli, dated):
    timeline = cli(dated, "timeline", "-f", "json")
    assert timeline.exit_code == 0, timeline.stderr
    assert "-0043" in timeline.stdout


def test_what_a_reader_sees_writes_a_bc_year_as_44_bc_never_as_an_iso_year(cli, dated):
    """The data outputs keep ISO years (-0043); the text for a person writes the era, as `chronology` does."""
    table = cli(dated, "timeline", "--from", "-50", "--to", "-40")
    assert table.exit_code == 0, table.stderr
    # (the first row after the header, which may wrap at 80 columns)
    assert any(line.startswith("44 BC ") for line in table.stdout.splitlines()) and "-0043" not in table.stdout
    months = cli(dated, "timeline", "--by", "month", "--from", "-50", "--to", "-40")
    assert any(line.startswith("March 44 BC ") for line in months.stdout.splitlines())
    # The slug begins with the year as a reader writes it, not '0043-…', which reads as AD 43.
    (event,) = _json(cli(dated, "events", "--year", "-43", "-f", "json"))
    assert event["slug"] == "44bc-03-15-caesar-is-murdered"
    shown = cli(dated, "show", event["slug"])
    assert "from 15 March 44 BC to 15 March 44 BC" in " ".join(shown.stdout.split())
    unknown = [e for e in _json(cli(dated, "events", "--year", "1990", "-f", "json")) if e.get("end_kind")]
    texts = {e["end_kind"]: " ".join(cli(dated, "show", e["slug"]).stdout.split()) for e in unknown}
    assert "from 1 January 1955 to unknown)" in texts["unknown"] and "to no limit)" in texts["open"]
    assert "None" not in texts["unknown"] + texts["open"]


def test_year_spans_and_periods_as_a_reader_writes_them():
    from relations_db.analysis.network import span_text
    from relations_db.domain.dates import bound_label, period_label, slug_date

    assert [span_text(a, b) for a, b in [(1957, 1961), (1959, 1959), (-49, -43), (-43, 1961), (0, 0), (0, 14),
                                         (None, None)]] == [
        "1957–1961", "1959", "50–44 BC", "44 BC – AD 1961", "1 BC", "1 BC – AD 14", ""]
    assert [period_label(p) for p in ("1956", "-0043", "0000", "1956-06", "-0043-03", "+170000002")] == [
        "1956", "44 BC", "1 BC", "June 1956", "March 44 BC", "170,000,002"]
    assert bound_label("-0043-03-15") == "15 March 44 BC" and bound_label("1961-06-04") == "4 June 1961"
    assert (bound_label(None, "open"), bound_label(None, "unknown")) == ("no limit", "unknown")
    assert [slug_date(d) for d in ("-0043-03-15", "Y-170000002", "-01XX", "-0050/-0040", "../-0040", "1961-06",
                                   "0000", "1950/..")] == [
        "44bc-03-15", "170000003bc", "minus-01XX", "51bc/41bc", "../41bc", "1961-06", "0000", "1950/.."]
