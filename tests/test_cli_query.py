"""`events`, `chronology`, `show`, `search` through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
from query_sample import load_sample, needs_seed

EVENT_KEYS = {"id", "slug", "kind", "date", "start", "end", "precision", "title", "summary", "type", "tone",
              "tone_note", "place", "actors", "citations", "invokes"}
CITATION_KEYS = {"id", "source", "short", "locator", "quote", "cited_as", "cited_in", "cited_in_short",
                 "cited_in_locator", "confidence", "note", "text"}


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def slugs(cli, url, *args):
    return [e["slug"] for e in as_json(cli(url, "events", *args, "--format", "json"))]


# --- events: formats ------------------------------------------------------------------------------------------


def test_events_json_is_one_array_of_the_contract_shape(cli, sample_url):
    events = as_json(cli(sample_url, "events", "--format", "json"))
    assert len(events) == 8
    for event in events:
        assert EVENT_KEYS <= set(event) <= EVENT_KEYS | {"meeting", "agreement"}
        assert all(set(a) == {"name", "kind", "role"} for a in event["actors"])
        assert all(set(c) == CITATION_KEYS for c in event["citations"])
    assert [(e["start"], e["end"]) for e in events] == sorted((e["start"], e["end"]) for e in events)
    grechko = next(e for e in events if e["slug"] == "1959-10-grechko-in-vlora")
    assert (grechko["date"], grechko["start"], grechko["end"], grechko["precision"]) == \
        ("1959-10~", "1959-10-01", "1959-10-31", "month")
    assert grechko["citations"][0]["short"] == "Hoxha 1980a"


def test_events_jsonl_is_one_object_a_line(cli, sample_url):
    lines = ok(cli(sample_url, "events", "--year", "1959", "--format", "jsonl")).stdout.splitlines()
    assert [json.loads(line)["slug"] for line in lines] == ["1959-khrushchev-visits-albania",
                                                            "1959-10-grechko-in-vlora"]


def test_events_csv_header_columns_and_lists(cli, sample_url):
    rows = list(csv.reader(io.StringIO(ok(cli(sample_url, "events", "--actor", "Hoxha", "-f", "csv")).stdout)))
    assert rows[0] == ["date", "start", "end", "title", "type", "place", "actors", "sources", "summary", "id", "slug",
                       "date_display", "notes"]
    assert [row[:9] for row in rows[1:]] == [
        ["1956-02", "1956-02-01", "1956-02-29", "Twentieth Congress of the CPSU", "congress", "Moscow",
         "Nikita Khrushchev:speaker; Enver Hoxha:delegate", "Hoxha 1980",
         "Khrushchev denounces Stalin; Hoxha is alarmed."],
        ["1959-05-25/1959-06-04", "1959-05-25", "1959-06-04", "Khrushchev visits Albania", "visit", "Tirana",
         "Nikita Khrushchev:guest; Enver Hoxha:host", "Duka 2007; Lala 2014",
         "Khrushchev tours Albania and visits the base at Vlorë."],
    ]
    assert [row[10:] for row in rows[1:]] == [
        ["1956-twentieth-congress", "February 1956", "Hoxha 1980, p. 200"],
        ["1959-khrushchev-visits-albania", "25 May 1959 – 4 June 1959",
         "Duka 2007, quoted in Lala 2014, p. 342; Lala 2014, p. 342"]]


def test_csv_escapes_cells_a_spreadsheet_would_run(cli, engine):
    load_sample(engine, extra="""
format: relations-db/seed 1
events:
  - slug: 1962-formula
    date: "1962"
    title: '=HYPERLINK("http://x","click")'
    summary: '+cmd|calc'
    type: statement
    participants: [{actor: Albania, role: '@author'}]
    citations: [{source: lala-2014, quote: q}]
""")
    url = engine.url.render_as_string(hide_password=False)
    (header, row) = list(csv.reader(io.StringIO(ok(cli(url, "events", "--year", "1962", "-f", "csv")).stdout)))
    assert row[3] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert row[6] == "Albania:@author"  # not at the start of the cell: harmless
    assert row[8] == "'+cmd|calc"


def test_events_table_is_plain_and_fits_80_columns(cli, sample_url):
    result = ok(cli(sample_url, "events", env={"COLUMNS": "80", "NO_COLOR": ""}))
    assert "\x1b[" not in result.stdout  # not a terminal: no colour or styles
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["ID", "Date", "Title", "Place", "Actors"]
    assert "c. October 1959" in result.stdout  # fuzzy dates as written
    assert "Grečko" in result.stdout and "Bucharest" in result.stdout
    assert "1956-02-01" not in result.stdout  # never more precision than the date has


def test_events_table_takes_data_as_text_not_markup(cli, engine):
    load_sample(engine, extra="""
format: relations-db/seed 1
events:
  - slug: markup
    date: "1962"
    title: "[bold]Not bold[/bold] :smile:"
    type: statement
    citations: [{source: lala-2014, quote: q}]
""")
    url = engine.url.render_as_string(hide_password=False)
    out = ok(cli(url, "events", "--year", "1962", env={"COLUMNS": "120"})).stdout
    assert "[bold]Not bold[/bold] :smile:" in out


def test_a_terminal_table_is_cut_and_says_how_many_more(cli, sample_url, monkeypatch):
    from relations_db.cli import output

    monkeypatch.setattr(output, "is_terminal", lambda: True)
    monkeypatch.setattr(output, "TERMINAL_LIMIT", 3)
    result = ok(cli(sample_url, "events"))
    assert "1954–1956" in result.stdout and "April 1957" not in result.stdout
    assert "… and 5 more (show them with --limit 8, or --format csv)." in result.stderr
    # An explicit --limit is what the user asked for: no note.
    assert ok(cli(sample_url, "events", "--limit", "3")).stderr == ""


# --- events: filters ------------------------------------------------------------------------------------------


def test_each_filter(cli, sample_url):
    assert slugs(cli, sample_url, "--year", "1959") == ["1959-khrushchev-visits-albania", "1959-10-grechko-in-vlora"]
    assert slugs(cli, sample_url, "--year", "1955") == ["1954-1956-aid"]
    assert slugs(cli, sample_url, "--from", "1960", "--to", "1961") == [
        "1960-06-bucharest-conference", "1961-12-03-soviet-union-breaks-relations"]
    assert slugs(cli, sample_url, "--to", "1949") == ["1949-archive-report"]
    assert slugs(cli, sample_url, "--type", "conference") == ["1960-06-bucharest-conference"]
    assert slugs(cli, sample_url, "--place", "bucuresti") == ["1960-06-bucharest-conference"]
    assert slugs(cli, sample_url, "--source", "Smirnova 2003") == ["1954-1956-aid"]
    assert slugs(cli, sample_url, "--search", "submarines") == ["1959-10-grechko-in-vlora"]
    assert slugs(cli, sample_url, "--limit", "1") == ["1949-archive-report"]


@pytest.mark.parametrize("args, expected", [
    (("--actor", "hrushov"), ["1956-twentieth-congress", "1959-khrushchev-visits-albania",
                              "1960-06-bucharest-conference"]),
    (("-a", "Grecko"), ["1959-10-grechko-in-vlora"]),
    (("--actor", "grečko"), ["1959-10-grechko-in-vlora"]),
    (("--place", "vlore"), ["1959-10-grechko-in-vlora"]),
    (("--place", "Valona"), ["1959-10-grechko-in-vlora"]),
    (("--search", "vlore"), ["1959-khrushchev-visits-albania", "1959-10-grechko-in-vlora"]),
])
def test_aliases_and_accents(cli, sample_url, args, expected):
    assert slugs(cli, sample_url, *args) == expected


def test_filters_combine(cli, sample_url):
    assert slugs(cli, sample_url, "--actor", "Hrushov", "--actor", "hoxha") == [
        "1956-twentieth-congress", "1959-khrushchev-visits-albania"]
    assert slugs(cli, sample_url, "--from", "1957", "--actor", "USSR", "--source", "duka-2007") == [
        "1957-04-credit-agreement", "1961-12-03-soviet-union-breaks-relations"]
    assert slugs(cli, sample_url, "--year", "1959", "--search", "vlore", "--place", "Tiranë") == [
        "1959-khrushchev-visits-albania"]


@pytest.mark.parametrize("args, message", [
    (("--year", "19x0"), "--year: '19x0' is not a year: give four digits, e.g. 1960"),
    (("--year", "61"), "give four digits"),
    (("--from", "1961", "--to", "1950"), "--from: the start year 1961 is after the end year 1950"),
    (("--from", "44BC", "--to", "50BC"), "--from: the start year 44 BC is after the end year 50 BC"),
    (("--year", "1960", "--from", "1959"), "--year: give either a year or a range of years"),
    (("--actor", "Khrushchenko"), "no actor named 'Khrushchenko'; did you mean 'Nikita Khrushchev'?"),
    (("--place", "Atlantis"), "no place named 'Atlantis'"),
    (("--type", "vist"), "no event type named 'vist'; did you mean 'visit'?"),
    (("--source", "nobody-1999"), "no source named 'nobody-1999'"),
    (("--search", "!!"), "give at least one word"),
])
def test_bad_filter_values_are_clear_errors(cli, sample_url, args, message):
    for fmt in ("table", "json"):
        result = cli(sample_url, "events", *args, "--format", fmt)
        assert result.exit_code == 1
        assert result.stdout == ""  # nothing half-written, not even "["
        assert result.stderr.startswith("Error: ") and message in result.stderr
        assert "Traceback" not in result.stderr


def test_an_unknown_actor_suggests_the_canonical_name(cli, sample_url):
    result = cli(sample_url, "events", "--actor", "Khruschev")
    assert "'Nikita Khrushchev'" in result.stderr


def test_a_name_of_several_actors_lists_them(cli, engine):
    from relations_db.store import db
    from relations_db.store.models import Actor, ActorAlias

    load_sample(engine, extra="format: relations-db/seed 1\nactors: [{name: Nexhmije Hoxha, kind: person}]\n")
    with db.session_scope(engine, write=True) as session:
        nexhmije = session.query(Actor).filter_by(name="Nexhmije Hoxha").one()
        nexhmije.aliases.append(ActorAlias(name="Hoxha", folded="hoxha"))
    result = cli(engine.url.render_as_string(hide_password=False), "events", "--actor", "HOXHA")
    assert result.exit_code == 1
    assert "'HOXHA' matches several actors: Enver Hoxha (person); Nexhmije Hoxha (person)" in result.stderr


def test_bad_format_and_negative_limit_are_refused(cli, sample_url):
    result = cli(sample_url, "events", "--format", "xml")
    assert result.exit_code == 2 and "xml" in result.stderr
    result = cli(sample_url, "events", "--limit", "-1")
    assert result.exit_code == 2 and "--limit" in result.stderr


def test_empty_results_say_so_and_succeed(cli, sample_url):
    result = ok(cli(sample_url, "events", "--year", "1970"))
    assert result.stdout == "" and result.stderr == "No events match.\n"
    assert as_json(cli(sample_url, "events", "--year", "1970", "-f", "json")) == []
    assert ok(cli(sample_url, "events", "--year", "1970", "-f", "jsonl")).stdout == ""
    assert ok(cli(sample_url, "events", "--year", "1970", "-f", "csv")).stdout.splitlines() == [
        "date,start,end,title,type,place,actors,sources,summary,id,slug,date_display,notes"]


# --- chronology -----------------------------------------------------------------------------------------------


def test_chronology_groups_by_year_with_numbered_notes(cli, sample_url):
    out = ok(cli(sample_url, "chronology", "--to", "1957", env={"COLUMNS": "200"})).stdout  # (wide: no wrapping)
    assert out == (
        "1949\n"
        "  1949: Albanian officials report on Soviet advisers. Albania (author). [1]\n"
        "\n"
        "1954\n"
        "  1954–1956: Soviet economic aid grows. Soviet Union (initiator), Albania (recipient). [2]\n"
        "\n"
        "1956\n"
        "  February 1956: Twentieth Congress of the CPSU (Moscow). Nikita Khrushchev (speaker), "
        "Enver Hoxha (delegate). [3]\n"
        "\n"
        "1957\n"
        "  April 1957: Soviet credit agreement (Moscow). Soviet Union (signatory), Albania (signatory). [4]\n"
        "\n"
        "Notes\n"
        "[1] Central State Archive of Albania 1949, Fund 14, File 19, quoted in Lala 2014, p. 341.\n"
        "[2] Smirnova 2003, p. 12, quoted in Lala 2014, p. 341.\n"
        "[3] Hoxha 1980, p. 200.\n"
        "[4] Duka 2007, p. 250, quoted in Lala 2014, p. 342.\n"
    )


def test_chronology_takes_the_filters_and_a_title(cli, sample_url):
    out = ok(cli(sample_url, "chronology", "--actor", "Grecko", "--title", "Grečko", env={"COLUMNS": "200"})).stdout
    assert out.splitlines() == [
        "Grečko", "", "1959",
        "  c. October 1959: Marshal Grečko inspects the Vlora base (Vlorë). Andrei Grechko (guest), "
        "Soviet Union (initiator). [1]",
        "", "Notes", "[1] Hoxha 1980a, p. 77."]


def test_chronology_markdown_has_footnotes_with_the_quotes(cli, sample_url):
    out = ok(cli(sample_url, "chronology", "--year", "1961", "--format", "markdown")).stdout
    assert out == (
        "# Chronology, 1961\n\n"
        "Events overlapping 1961, from a corpus of 8 events and 6 sources (most cited: Lala 2014).\n\n## 1961\n\n"
        "- **3 December 1961**: The Soviet Union breaks off relations with Albania. Soviet Union (initiator), "
        "Albania (target).[^1]\n\n"
        "[^1]: Duka 2007, quoted in Lala 2014, p. 343: “\"After these developments, on 3 December 1961, the Soviet "
        "Union has ended the relations with Albania\" (Duka, 2007).”\n")


def test_empty_chronology(cli, sample_url):
    result = ok(cli(sample_url, "chronology", "--year", "1990"))
    assert result.stdout == "" and "No events match." in result.stderr


# --- show -----------------------------------------------------------------------------------------------------


def test_show_prints_everything_about_an_event(cli, sample_url):
    out = ok(cli(sample_url, "show", "1949-archive-report", env={"COLUMNS": "80"})).stdout
    assert out.splitlines()[:2] == ["Albanian officials report on Soviet advisers", "#1 · 1949-archive-report · event"]
    assert ("Date: 1949 (EDTF 1949; precision: year; from 1 January 1949 to 31 December 1949)"
            in " ".join(out.split()))
    assert "Place:      not recorded" in out and "Tone:       +5" in out
    assert "  Albania (state): author" in out
    # The citation: the note, the quotation, cited_as, cited_in, confidence, the note about it.
    assert "  [1] Central State Archive of Albania 1949, Fund 14, File 19, quoted in Lala\n      2014, p. 341" in out
    assert "“The reports of 1949 praise the Soviet advisers.”" in out
    assert "source: csa-1949 · cited in: lala-2014 · cited as: (Albanian Central\n      Archive, 1949) · " \
           "confidence: 2 (normal)" in out
    assert "note: The reference list prints the fund and file only." in out


def test_show_by_id_gives_qualifiers_meeting_and_agreement_details(cli, sample_url):
    events = as_json(cli(sample_url, "events", "-f", "json"))
    ids = {e["slug"]: e["id"] for e in events}
    grechko = ok(cli(sample_url, "show", str(ids["1959-10-grechko-in-vlora"]))).stdout
    assert "c. October 1959 (EDTF 1959-10~; precision: month, approximate;" in grechko
    assert "Invokes:    April 1957: Soviet credit agreement (1957-04-credit-agreement)" in grechko
    assert "confidence: 1 (low)" in grechko
    visit = ok(cli(sample_url, "show", "1960-06-bucharest-conference")).stdout
    assert "Meeting:    format: multilateral; outcome: Albania sides with China" in visit
    assert "Place:      Bucharest" in visit and "Tone:       -5" in visit
    agreement = ok(cli(sample_url, "show", "1957-04-credit-agreement")).stdout
    assert "Agreement:  status: signed; subject: Credits for industry" in agreement
    assert "Invoked by: c. October 1959: Marshal Grečko inspects the Vlora base" in agreement
    assert "            3 December 1961: The Soviet Union breaks off relations with Albania" in agreement


def test_show_json(cli, sample_url):
    event = as_json(cli(sample_url, "show", "1959-10-grechko-in-vlora", "--format", "json"))
    assert EVENT_KEYS | {"display", "approximate", "uncertain", "claims"} == set(event)
    assert (event["display"], event["approximate"]) == ("c. October 1959", True)
    assert event["citations"][0]["quote"] == "Grečko came to Vlorë in the autumn and promised submarines."
    assert event["invokes"][0]["slug"] == "1957-04-credit-agreement"


def test_show_an_unknown_event_suggests_slugs(cli, sample_url):
    result = cli(sample_url, "show", "1959-grechko-in-vlora")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no event named '1959-grechko-in-vlora'; did you mean '1959-10-grechko-in-vlora'" in result.stderr
    assert cli(sample_url, "show", "9999").exit_code == 1


# --- search ---------------------------------------------------------------------------------------------------


def test_search_ranks_and_shows_the_matching_passage(cli, sample_url):
    found = as_json(cli(sample_url, "search", "Khrushchev", "--format", "json"))
    assert [e["slug"] for e in found] == ["1959-khrushchev-visits-albania", "1956-twentieth-congress",
                                          "1960-06-bucharest-conference"]
    assert found[1]["snippet"] == "[Khrushchev] denounces Stalin; Hoxha is alarmed."
    table = ok(cli(sample_url, "search", "submarines", env={"COLUMNS": "80"})).stdout
    assert table.splitlines()[0].split() == ["ID", "Date", "Title", "Match"]
    assert "[submarines]" in table


@pytest.mark.parametrize("text", ["grecko", "GREČKO", " grečko  "])
def test_search_is_accent_and_case_insensitive(cli, sample_url, text):
    found = as_json(cli(sample_url, "search", text, "-f", "json"))
    assert [e["slug"] for e in found] == ["1959-10-grechko-in-vlora"]
    assert "[Grečko]" in found[0]["snippet"]


def test_search_with_filters_jsonl_and_nothing_found(cli, sample_url):
    lines = ok(cli(sample_url, "search", "Khrushchev", "--year", "1960", "-f", "jsonl")).stdout.splitlines()
    assert [json.loads(line)["slug"] for line in lines] == ["1960-06-bucharest-conference"]
    result = ok(cli(sample_url, "search", "Zanzibar"))
    assert result.stdout == "" and result.stderr == "Nothing found for 'Zanzibar'.\n"
    assert as_json(cli(sample_url, "search", "Zanzibar", "-f", "json")) == []
    result = cli(sample_url, "search", '"(*"')
    assert result.exit_code == 1 and "give at least one word" in result.stderr
    result = cli(sample_url, "search", '"(*')
    assert result.exit_code == 1 and result.stderr == "Error: the phrase '\"(*' has no closing quote (\")\n"


# --- help -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["events", "chronology", "show", "search"])
def test_help_has_an_example(cli, command):
    result = ok(cli(None, command, "--help"))
    assert "Example: relations-db " in result.stdout


@pytest.mark.parametrize("command, sentence", [
    (["timeline"], "With --by month, an event known only to the year or season counts in a row of its own"),
    (["add", "event"], "Unknown actors and places are refused with the closest known names, unless --new-actor"),
    ([], "every finding with its severity, the records involved and how to fix it"),  # the command listing
])
def test_help_paragraphs_flow_as_sentences(cli, command, sentence):
    """A docstring's line breaks do not reach `--help`, which would otherwise break lines mid-sentence."""
    result = ok(cli(None, *command, "--help", env={"COLUMNS": "250"}))
    assert sentence in result.stdout


# --- the paper's chronology (data/seed.yaml) --------------------------------------------------------------------


@needs_seed
@pytest.mark.parametrize("args", [("--actor", "hrushov"), ("--actor", "Grecko"), ("--place", "vlore"),
                                  ("--year", "1960")])
def test_the_seed_answers_the_questions_of_the_issue(cli, seeded_url, args):
    events = as_json(cli(seeded_url, "events", *args, "-f", "json"))
    assert events, f"no events for {args}"
    if args[0] == "--year":
        # (None: an open or unknown end, which reaches any year)
        assert all((e["start"] is None or e["start"] <= "1960-12-31") and (e["end"] is None or e["end"] >= "1960-01-01")
                   for e in events)


@needs_seed
def test_the_seed_search_finds_vlora_in_the_paper(cli, seeded_url):
    found = as_json(cli(seeded_url, "search", "vlora", "-f", "json"))
    assert found and all("[" in e["snippet"] for e in found)


@needs_seed
def test_the_seed_chronology_has_notes_for_every_event(cli, seeded_url):
    out = ok(cli(seeded_url, "chronology", env={"COLUMNS": "1000"})).stdout  # (an entry a line)
    entries = [line for line in out.splitlines() if line.startswith("  ")]
    assert entries and all(line.rstrip().endswith("]") for line in entries)
    assert "\nNotes\n[1] " in out


# --- the same answers on both backends ------------------------------------------------------------------------


def _both_backends(request, data: str) -> dict[str, str]:
    from query_sample import sample_database

    if data == "sample":
        return {b: sample_database(b, request) for b in ("sqlite", "postgresql")}
    from relations_db.formats.seed.apply import load_default_seed
    from relations_db.store import db

    server = request.getfixturevalue("pg_server")
    urls = {"sqlite": f"sqlite:///{request.getfixturevalue('tmp_path') / 'seed.db'}",
            "postgresql": server.url(server.create_database())}
    for url in urls.values():
        engine = db.make_engine(url)
        db.upgrade(engine)
        with db.session_scope(engine, write=True) as session:
            load_default_seed(session)
        engine.dispose()
    request.addfinalizer(lambda: server.drop_database(urls["postgresql"].rsplit("/", 1)[1]))
    return urls


@pytest.mark.parametrize("data", ["sample", pytest.param("seed", marks=needs_seed)])
def test_sqlite_and_postgresql_give_the_same_answers(cli, request, data):
    urls = _both_backends(request, data)
    for args in [("events", "-f", "json"), ("events", "--actor", "hrushov", "-f", "csv"),
                 ("events", "--place", "vlore", "--year", "1961"), ("events", "--search", "vlora"),
                 ("chronology",), ("chronology", "-f", "markdown"), ("actors", "-f", "json"),
                 ("sources", "-f", "json"), ("meetings",), ("agreements", "-f", "json"),
                 ("source", "lala-2014"), ("actor", "Grecko")]:
        sqlite, postgresql = (cli(urls[b], *args) for b in ("sqlite", "postgresql"))
        assert (sqlite.exit_code, sqlite.stdout, sqlite.stderr) == \
            (postgresql.exit_code, postgresql.stdout, postgresql.stderr), args
    # Ranking functions differ (bm25, ts_rank): the same events and snippets, in an order of each's own.
    found = {b: as_json(cli(urls[b], "search", "vlora", "-f", "json")) for b in urls}
    assert sorted(map(json.dumps, found["sqlite"])) == sorted(map(json.dumps, found["postgresql"]))
    assert found["sqlite"]
