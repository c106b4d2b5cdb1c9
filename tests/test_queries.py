"""The read side (relations_db.read) and the writers over its event dicts (relations_db.formats), on real
SQLite and PostgreSQL databases."""

from __future__ import annotations

import csv
import io
import json

import pytest
from query_sample import load_sample
from sqlalchemy.dialects import postgresql

from relations_db.domain.search_query import parse
from relations_db.errors import Ambiguous, DateError, NotFound, UserError
from relations_db.formats.chronology import note_text, write_chronology, write_markdown
from relations_db.formats.csv.columns import CSV_COLUMNS, csv_cells
from relations_db.formats.csv.writer import write_csv
from relations_db.formats.json import write_indented, write_json, write_jsonl
from relations_db.read.catalog import actor_profile, actor_rows, source_profile, source_rows
from relations_db.read.events import agreement_rows, count_events, event_by_ref, event_rows
from relations_db.read.filters import Filters
from relations_db.read.fulltext import fts_query
from relations_db.read.search import search_rows
from relations_db.read.snippets import snippet
from relations_db.store import db

ALL = [
    "1949-archive-report",
    "1954-1956-aid",
    "1956-twentieth-congress",
    "1957-04-credit-agreement",
    "1959-khrushchev-visits-albania",
    "1959-10-grechko-in-vlora",
    "1960-06-bucharest-conference",
    "1961-12-03-soviet-union-breaks-relations",
]


def slugs(session, **filters) -> list[str]:
    return [e["slug"] for e in event_rows(session, Filters(**filters))]


# --- order and shape ------------------------------------------------------------------------------------------


def test_all_events_come_in_date_order(sample_session):
    assert slugs(sample_session) == ALL
    assert count_events(sample_session, Filters()) == len(ALL)


def test_event_dict_has_the_json_shape_of_the_contract(sample_session):
    (event,) = event_rows(sample_session, Filters(search="Khrushchev visits"))
    contract = {"id", "slug", "date", "start", "end", "precision", "title", "summary", "type", "place", "actors",
                "citations"}
    assert contract <= set(event)
    assert set(event) - contract == {"kind", "tone", "tone_note", "invokes", "meeting"}
    assert event["date"] == "1959-05-25/1959-06-04"
    assert (event["start"], event["end"], event["precision"]) == ("1959-05-25", "1959-06-04", "interval")
    assert event["place"] == "Tirana" and event["kind"] == "meeting" and event["tone"] == 6
    assert event["meeting"] == {"format": "visit", "outcome": None}
    assert event["actors"] == [{"name": "Nikita Khrushchev", "kind": "person", "role": "guest"},
                               {"name": "Enver Hoxha", "kind": "person", "role": "host"}]
    first, second = event["citations"]
    assert isinstance(first["id"], int) and second["id"] > first["id"]  # (the ids `edit citation` takes)
    assert {k: v for k, v in first.items() if k != "id"} == {
                     "source": "duka-2007", "short": "Duka 2007", "locator": None,
                     "quote": '"Khrushchev visited Albania in 1959" (Duka, 2007).', "cited_as": "(Duka, 2007)",
                     "cited_in": "lala-2014", "cited_in_short": "Lala 2014", "cited_in_locator": "p. 342",
                     "confidence": 3, "note": None, "text": "Duka 2007, quoted in Lala 2014, p. 342"}
    assert (second["source"], second["locator"], second["cited_in"]) == ("lala-2014", "p. 342", None)
    assert second["text"] == "Lala 2014, p. 342"  # (domain.citing: the rule every output reads a citation by)
    json.dumps(event)  # plain data: every value serialisable as it is


def fits(record: dict, shape) -> bool:
    """Whether `record` has every required key of the TypedDict `shape` and no key it does not declare."""
    return shape.__required_keys__ <= set(record) <= shape.__required_keys__ | shape.__optional_keys__


def test_the_dicts_have_the_declared_shapes(sample_session):
    """`read.rows` declares the shapes the writers and analyses read: the dicts made must be those shapes."""
    from relations_db.domain.vocab import SOURCE_LIST_FIELDS
    from relations_db.read.rows import (
        ActorInEvent,
        ActorProfile,
        ActorRow,
        Citation,
        EventDetail,
        EventRef,
        EventRow,
        InvokedAgreement,
        SourceCitation,
    )

    listed = [*event_rows(sample_session, Filters()), *search_rows(sample_session, "Vlora"),
              *actor_profile(sample_session, "Hoxha")["events"], *agreement_rows(sample_session, Filters())]
    assert all(fits(e, EventRow) for e in listed)
    assert all(fits(a, ActorInEvent) for e in listed for a in e["actors"])
    assert all(fits(c, Citation) for e in listed for c in e["citations"])
    assert all(fits(r, EventRef) for e in listed for r in e.get("invoked_by", []))
    assert {k for e in listed for k in e} >= {"meeting", "agreement", "snippet", "roles", "invoked_by"}
    for e in event_rows(sample_session, Filters()):
        detail = event_by_ref(sample_session, e["slug"])
        assert fits(detail, EventDetail) and all(fits(i, InvokedAgreement) for i in detail["invokes"])
    assert all(fits(a, ActorRow) for a in actor_rows(sample_session))
    assert fits(actor_profile(sample_session, "Hoxha"), ActorProfile)
    assert all(fits(c, SourceCitation) for c in source_profile(sample_session, "lala-2014")["citations"])
    assert all(list(r) == [*SOURCE_LIST_FIELDS, "csl", "citations"] for r in source_rows(sample_session))
    assert list(source_profile(sample_session, "lala-2014")) == [*SOURCE_LIST_FIELDS, "csl", "citations"]


def test_a_year_only_event_keeps_its_year_precision(sample_session):
    (event,) = event_rows(sample_session, Filters(source="csa-1949"))
    assert (event["date"], event["precision"], event["start"], event["end"]) == \
        ("1949", "year", "1949-01-01", "1949-12-31")


# --- each filter ----------------------------------------------------------------------------------------------


def test_year_means_overlap_with_the_year(sample_session):
    assert slugs(sample_session, year=1959) == ["1959-khrushchev-visits-albania", "1959-10-grechko-in-vlora"]
    # The interval 1954/1956 overlaps 1955 although it neither starts nor ends in it.
    assert slugs(sample_session, year=1955) == ["1954-1956-aid"]
    assert slugs(sample_session, year=1958) == []


def test_from_and_to_select_the_events_overlapping_the_range(sample_session):
    assert slugs(sample_session, from_year=1955, to_year=1957) == \
        ["1954-1956-aid", "1956-twentieth-congress", "1957-04-credit-agreement"]
    assert slugs(sample_session, from_year=1960) == ["1960-06-bucharest-conference",
                                                     "1961-12-03-soviet-union-breaks-relations"]
    assert slugs(sample_session, to_year=1954) == ["1949-archive-report", "1954-1956-aid"]


@pytest.mark.parametrize("name", ["Nikita Khrushchev", "hrushov", "HRUSSHOV", "n. khrushchev"])
def test_actor_filter_resolves_aliases_in_any_case(sample_session, name):
    assert slugs(sample_session, actors=[name]) == \
        ["1956-twentieth-congress", "1959-khrushchev-visits-albania", "1960-06-bucharest-conference"]


@pytest.mark.parametrize("name", ["Grecko", "Grečko", "andrei GRECHKO", "GRECKO"])
def test_actor_filter_ignores_accents(sample_session, name):
    assert slugs(sample_session, actors=[name]) == ["1959-10-grechko-in-vlora"]


def test_several_actors_mean_events_involving_all_of_them(sample_session):
    assert slugs(sample_session, actors=["hrushov", "Hoxha"]) == \
        ["1956-twentieth-congress", "1959-khrushchev-visits-albania"]
    assert slugs(sample_session, actors=["Grecko", "Hoxha"]) == []


@pytest.mark.parametrize("place", ["Vlorë", "vlore", "Vlora", "VALONA"])
def test_place_filter_resolves_aliases_and_accents(sample_session, place):
    assert slugs(sample_session, place=place) == ["1959-10-grechko-in-vlora"]


def test_type_filter_ignores_case(sample_session):
    assert slugs(sample_session, type="visit") == slugs(sample_session, type="Visit") == \
        ["1959-khrushchev-visits-albania"]


def test_unknown_type_suggests_the_known_ones(sample_session):
    with pytest.raises(NotFound, match="did you mean 'visit'"):
        slugs(sample_session, type="vist")


def test_source_filter_takes_a_key_or_a_short_form(sample_session):
    by_key = slugs(sample_session, source="duka-2007")
    assert by_key == ["1957-04-credit-agreement", "1959-khrushchev-visits-albania",
                      "1961-12-03-soviet-union-breaks-relations"]
    assert slugs(sample_session, source="Duka 2007") == slugs(sample_session, source="duka 2007") == by_key
    # "Hoxha 1980a" is the second work of that author and year.
    assert slugs(sample_session, source="Hoxha 1980a") == ["1959-10-grechko-in-vlora"]


def test_source_filter_includes_the_citations_a_work_reports(sample_session):
    # lala-2014 is `cited_in` for the archive file and Smirnova, and the direct source of two events.
    assert slugs(sample_session, source="lala-2014") == [
        "1949-archive-report", "1954-1956-aid", "1957-04-credit-agreement", "1959-khrushchev-visits-albania",
        "1960-06-bucharest-conference", "1961-12-03-soviet-union-breaks-relations"]


def test_search_filter_reads_titles_summaries_and_quotes_without_accents(sample_session):
    assert slugs(sample_session, search="grecko") == ["1959-10-grechko-in-vlora"]  # title and quote: Grečko
    assert slugs(sample_session, search="VLORË") == ["1959-khrushchev-visits-albania", "1959-10-grechko-in-vlora"]
    assert slugs(sample_session, search="submarines") == ["1959-10-grechko-in-vlora"]  # only in the quote
    assert slugs(sample_session, search="secret speech") == ["1956-twentieth-congress"]
    assert slugs(sample_session, search="secret submarines") == []  # every word must occur


def test_filters_combine(sample_session):
    assert slugs(sample_session, year=1959, actors=["hrushov"], place="tiranë") == \
        ["1959-khrushchev-visits-albania"]
    assert slugs(sample_session, from_year=1956, to_year=1961, actors=["Soviet Union"], source="Duka 2007") == \
        ["1957-04-credit-agreement", "1961-12-03-soviet-union-breaks-relations"]
    assert slugs(sample_session, year=1960, type="visit") == []


def test_limit_keeps_the_first_events_and_count_ignores_it(sample_session):
    assert slugs(sample_session, limit=3) == ALL[:3]
    assert count_events(sample_session, Filters(limit=3, actors=["Albania"])) == 4


# --- bad filters ----------------------------------------------------------------------------------------------


def test_bad_filter_values_are_clear_errors(sample_session):
    # The library speaks of fields, and names the field (`UserError.field`) for the CLI to name its option.
    with pytest.raises(UserError, match="the start year 1961 is after the end year 1950") as swapped:
        event_rows(sample_session, Filters(from_year=1961, to_year=1950))
    assert swapped.value.field == "from_year"
    with pytest.raises(UserError, match="either a year or a range of years") as both:
        event_rows(sample_session, Filters(year=1960, from_year=1959))
    assert both.value.field == "year"
    # (year 0 is 1 BC, astronomical, since issue 15: the limit is a billion years)
    with pytest.raises(DateError, match="years must be -999,999,999–999,999,999") as far:
        event_rows(sample_session, Filters(year=1_000_000_000))
    assert far.value.field == "year"
    with pytest.raises(DateError, match="four digits") as text:
        event_rows(sample_session, Filters(year="19x0"))
    assert text.value.field == "year"
    with pytest.raises(UserError, match="the limit must be 0 or more") as negative:
        event_rows(sample_session, Filters(limit=-1))
    assert negative.value.field == "limit"


def test_unknown_names_suggest_the_closest(sample_session):
    with pytest.raises(NotFound, match="Nikita Khrushchev"):
        event_rows(sample_session, Filters(actors=["Khruschev"]))
    with pytest.raises(NotFound, match=r"did you mean 'Vlorë' \(as 'Vlora'\)"):
        event_rows(sample_session, Filters(place="Vlorra"))
    with pytest.raises(NotFound, match="no source named 'nobody-1999'"):
        event_rows(sample_session, Filters(source="nobody-1999"))


def test_a_name_of_several_actors_is_ambiguous(engine):
    load_sample(engine, extra="""
format: relations-db/seed 1
actors:
  - name: Nexhmije Hoxha
    kind: person
""")
    from relations_db.store.models import Actor, ActorAlias

    with db.session_scope(engine, write=True) as session:  # the seed format refuses shared aliases: add directly
        nexhmije = session.query(Actor).filter_by(name="Nexhmije Hoxha").one()
        nexhmije.aliases.append(ActorAlias(name="Hoxha", folded="hoxha"))
    with db.session_scope(engine) as session:
        with pytest.raises(Ambiguous, match="Enver Hoxha \\(person\\); Nexhmije Hoxha \\(person\\)"):
            event_rows(session, Filters(actors=["hoxha"]))


# --- streaming and batching -----------------------------------------------------------------------------------


def test_events_stream_in_batches_with_a_fixed_number_of_queries(engine):
    from sqlalchemy import event as sa_event

    n = 1100
    lines = ["format: relations-db/seed 1", "sources: [{key: s, kind: book, title: S, year: 2000}]",
             "actors: [{name: A, kind: person}, {name: B, kind: state}]", "events:"]
    for i in range(n):
        lines.append(f"  - {{slug: e{i}, date: '{1900 + i % 100}', title: Event {i}, type: t, "
                     f"participants: [{{actor: A, role: r}}, {{actor: B}}], citations: [{{source: s, quote: q{i}}}]}}")
    with db.session_scope(engine, write=True) as session:
        from relations_db.formats.seed.apply import load_seed_text

        load_seed_text(session, "\n".join(lines))
    statements: list[str] = []
    sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.session_scope(engine) as session:
        events = list(event_rows(session, Filters()))
    assert len(events) == n
    assert all(len(e["actors"]) == 2 and len(e["citations"]) == 1 for e in events)
    assert [e["start"] for e in events] == sorted(e["start"] for e in events)
    # The sources (few) once, one query for the events, then actors, citations, invoked agreements and the
    # dates of disputed events once per batch of 500: never one query per event.
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 1 + 1 + 4 * 3, selects


def test_json_writer_streams(sample_session):
    out = io.StringIO()
    seen_while_reading = []

    def events():
        for event in event_rows(sample_session, Filters()):
            seen_while_reading.append(out.getvalue().count('"slug"'))
            yield event

    assert write_json(events(), out) == len(ALL)
    # Before the last event is read, all the others are already written.
    assert seen_while_reading[-1] == len(ALL) - 1
    assert [e["slug"] for e in json.loads(out.getvalue())] == ALL


# --- writers --------------------------------------------------------------------------------------------------


def test_csv_has_the_contract_columns_and_list_forms(sample_session):
    out = io.StringIO()
    assert write_csv(event_rows(sample_session, Filters(year=1959)), out) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["date", "start", "end", "title", "type", "place", "actors", "sources", "summary",
                       "id", "slug", "date_display", "notes"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1][:9] == ["1959-05-25/1959-06-04", "1959-05-25", "1959-06-04", "Khrushchev visits Albania",
                           "visit", "Tirana", "Nikita Khrushchev:guest; Enver Hoxha:host", "Duka 2007; Lala 2014",
                           "Khrushchev tours Albania and visits the base at Vlorë."]
    # the evidence as an essay cites it: Duka was read in Lala, not first-hand
    assert rows[1][10:] == ["1959-khrushchev-visits-albania", "25 May 1959 – 4 June 1959",
                            "Duka 2007, quoted in Lala 2014, p. 342; Lala 2014, p. 342"]
    assert rows[1][9] == str(next(event_rows(sample_session, Filters(year=1959)))["id"])
    assert rows[2][6:8] == ["Andrei Grechko:guest; Soviet Union:initiator", "Hoxha 1980a"]


def test_csv_cells_neutralise_formulas_and_repeat_no_source():
    event = {"date": "1960", "start": "1960-01-01", "end": "1960-12-31", "title": "=HYPERLINK(\"x\")",
             "type": "+1", "place": "@home", "summary": "\tTabbed", "actors": [{"name": "-A", "role": None}],
             "citations": [{"short": "Duka 2007"}, {"short": "Lala 2014"}, {"short": "Duka 2007"}],
             "id": 7, "slug": "-1960-x"}
    cells = csv_cells(event)
    assert cells == ["1960", "1960-01-01", "1960-12-31", "'=HYPERLINK(\"x\")", "'+1", "'@home", "'-A",
                     "Duka 2007; Lala 2014", "'\tTabbed", "7", "'-1960-x", "1960", "Duka 2007; Lala 2014"]
    event["summary"] = "\rCR"
    assert csv_cells(event)[8] == "'\rCR"


def test_json_and_jsonl_of_nothing(sample_session):
    out = io.StringIO()
    assert write_json(iter(()), out) == 0 and json.loads(out.getvalue()) == []
    out = io.StringIO()
    assert write_jsonl(event_rows(sample_session, Filters(year=1959)), out) == 2
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["slug"] for line in lines] == ["1959-khrushchev-visits-albania",
                                                            "1959-10-grechko-in-vlora"]
    assert "Vlorë" in out.getvalue()  # not \u00eb: ensure_ascii is off


@pytest.mark.parametrize("items", [
    [],
    [{}, [], {"records": []}],
    [{"rule": "date-conflict", "records": [{"type": "event", "key": "1961-12-03-break"}], "noted": None,
      "message": "Vlorë \"quoted\"\nnext line\u2028", "tone": -1.5, "own": True, "count": 3}],
    [[1, [2, []], {"x": {"y": [None, (3, 4)]}}], "text", None, 0],
    [{2: "an int key", True: "a bool key", None: "no key", 2.5: "a float key"}],
])
def test_indented_json_is_the_bytes_json_dump_writes(items):
    """`check --format json` writes with `write_indented`: byte for byte what json.dump(indent=2) wrote."""
    expected, written = io.StringIO(), io.StringIO()
    json.dump(items, expected, ensure_ascii=False, indent=2)
    assert write_indented(iter(items), written) == len(items)
    assert written.getvalue() == expected.getvalue()


def test_note_text_names_the_work_that_reports_a_citation():
    citation = {"short": "Duka 2007", "locator": None, "cited_in_short": "Lala 2014", "cited_in_locator": "p. 343",
                "quote": "Q"}
    assert note_text(citation) == "Duka 2007, quoted in Lala 2014, p. 343"
    assert note_text(citation, quote=True) == "Duka 2007, quoted in Lala 2014, p. 343: “Q”"
    assert note_text({"short": "Lala 2014", "locator": "p. 342"}) == "Lala 2014, p. 342"


def test_chronology_groups_by_year_and_numbers_the_notes(sample_session):
    out = io.StringIO()
    assert write_chronology(event_rows(sample_session, Filters(from_year=1959)), out) == 4
    assert out.getvalue() == (
        "1959\n"
        "  25 May 1959 – 4 June 1959: Khrushchev visits Albania (Tirana). Nikita Khrushchev (guest), "
        "Enver Hoxha (host). [1][2]\n"
        "  c. October 1959: Marshal Grečko inspects the Vlora base (Vlorë). Andrei Grechko (guest), "
        "Soviet Union (initiator). [3]\n"
        "\n"
        "1960\n"
        "  June 1960: Bucharest conference (Bucharest). Nikita Khrushchev (speaker), Party of Labour of Albania "
        "(delegate). [4]\n"
        "\n"
        "1961\n"
        "  3 December 1961: The Soviet Union breaks off relations with Albania. Soviet Union (initiator), "
        "Albania (target). [5]\n"
        "\n"
        "Notes\n"
        "[1] Duka 2007, quoted in Lala 2014, p. 342.\n"
        "[2] Lala 2014, p. 342.\n"
        "[3] Hoxha 1980a, p. 77.\n"
        "[4] Lala 2014, p. 343.\n"
        "[5] Duka 2007, quoted in Lala 2014, p. 343.\n"
    )


def test_chronology_gives_the_same_note_the_same_number():
    cite = {"short": "Lala 2014", "locator": "p. 342", "quote": "x"}
    other = {"short": "Duka 2007", "locator": None, "quote": "y"}
    events = [{"date": d, "start": f"{d}-01-01", "end": f"{d}-12-31", "title": t, "place": None, "actors": [],
               "citations": c} for d, t, c in (("1950", "A", [cite]), ("1951", "B", [other, cite]))]
    out = io.StringIO()
    write_chronology(events, out)
    # The second entry reuses note 1 and marks its notes in order, whatever the order of its citations.
    assert "  1950: A. [1]\n" in out.getvalue() and "  1951: B. [1][2]\n" in out.getvalue()
    assert out.getvalue().endswith("Notes\n[1] Lala 2014, p. 342.\n[2] Duka 2007.\n")


def test_markdown_chronology_has_footnotes_with_quotes(sample_session):
    out = io.StringIO()
    write_markdown(event_rows(sample_session, Filters(year=1959)), out, title="Albania 1959")
    text = out.getvalue()
    assert text.startswith("# Albania 1959\n\n## 1959\n\n")
    assert "- **c. October 1959**: Marshal Grečko inspects the Vlora base (Vlorë). Andrei Grechko (guest), " \
           "Soviet Union (initiator).[^3]\n" in text
    assert "[^1]: Duka 2007, quoted in Lala 2014, p. 342: “\"Khrushchev visited Albania in 1959\" " \
           "(Duka, 2007).”\n" in text
    assert text.endswith("[^3]: Hoxha 1980a, p. 77: “Grečko came to Vlorë in the autumn and promised submarines.”\n")


# --- search ---------------------------------------------------------------------------------------------------


def test_search_ranks_the_best_match_first_with_a_snippet(sample_session):
    found = list(search_rows(sample_session, "Khrushchev"))
    # The visit names him in its title, summary and quotation; the conference once.
    assert [e["slug"] for e in found] == ["1959-khrushchev-visits-albania", "1956-twentieth-congress",
                                          "1960-06-bucharest-conference"]
    assert found[0]["snippet"] == "[Khrushchev] visits Albania"
    assert found[2]["snippet"] == "[Khrushchev] attacks the Chinese line; the Albanian delegation refuses to follow."


def test_search_is_accent_insensitive_and_shows_the_words_as_written(sample_session):
    (event,) = search_rows(sample_session, "grecko VLORE")
    assert event["slug"] == "1959-10-grechko-in-vlora"
    # The title holds both words (Vlora being another spelling of Vlorë), each shown as printed.
    assert event["snippet"] == "Marshal [Grečko] inspects the [Vlora] base"


@pytest.mark.parametrize("text", ["Khrushchev's", 'AND NOT', "vlor* (", "NEAR(a b)", "a:b", "-x +y", "x**", '""x'])
def test_search_survives_punctuation_and_query_syntax(sample_session, text):
    list(search_rows(sample_session, text))  # no database error, whatever the words


@pytest.mark.parametrize(("text", "message"), [('say "hi', "no closing quote"), ("OR Hoxha", "OR needs a word"),
                                               ("Hoxha OR", "OR needs a word"), ("a OR OR b", "OR needs a word"),
                                               ("-Hoxha", "not only words to leave out"),
                                               ("Hoxha OR -Shehu", "OR cannot join an excluded word")])
def test_a_search_syntax_mistake_is_a_one_line_message(sample_session, text, message):
    with pytest.raises(UserError, match=message) as raised:
        list(search_rows(sample_session, text))
    assert "\n" not in str(raised.value)


def test_search_with_filters_and_nothing_to_search(sample_session):
    assert [e["slug"] for e in search_rows(sample_session, "Khrushchev", Filters(year=1956))] == \
        ["1956-twentieth-congress"]
    with pytest.raises(UserError, match="at least one word"):
        search_rows(sample_session, " -- ")


def test_the_query_of_each_backend_is_flat_and_quoted():
    from relations_db.read.fulltext import pg_tsquery

    query = parse('submarines "naval base" Hoxha OR Shehu vlor* -Tito')
    assert fts_query(query) == '("submarin" AND "naval base" AND ("hoxha" OR "shehu") AND "vlor"*) NOT "tito"'
    compiled = pg_tsquery(query).compile(dialect=postgresql.dialect())
    assert list(compiled.params.values()) == [
        "(('submarin')) & (('naval' <-> 'base')) & (('hoxha') | ('shehu')) & (('vlor':*)) & !(('tito'))"]


def test_a_name_in_the_search_also_finds_its_other_spellings(sample_session):
    from relations_db.read.fulltext import search_terms

    def spellings(text):
        return [[" ".join(t.stems) for t in group] for group in search_terms(sample_session, text).groups]

    assert spellings("Vlora base") == [["vlora", "valona", "vlore"], ["base"]]
    assert spellings("hrushov") == [["hrushov", "hrusshov", "n khrushchev", "nikita khrushchev"]]
    found = list(search_rows(sample_session, "valona"))  # printed nowhere: only as Vlora and Vlorë
    assert [e["slug"] for e in found] == ["1959-10-grechko-in-vlora", "1959-khrushchev-visits-albania"] or \
        [e["slug"] for e in found] == ["1959-khrushchev-visits-albania", "1959-10-grechko-in-vlora"]
    by_slug = {e["slug"]: e for e in found}
    assert by_slug["1959-khrushchev-visits-albania"]["snippet"] == \
        "Khrushchev tours Albania and visits the base at [Vlorë]."
    assert slugs(sample_session, search="valona submarines") == ["1959-10-grechko-in-vlora"]


def test_snippet_cuts_long_text_around_the_match():
    body = "Title\n" + "word " * 80 + "the Grečko visit " + "tail " * 80
    text = snippet(body, "grecko")
    assert text.startswith("… ") and text.endswith(" …") and "[Grečko]" in text
    assert len(text) <= 170


# --- one event, actors, sources -------------------------------------------------------------------------------


def test_event_by_id_or_slug_with_everything(sample_session):
    by_slug = event_by_ref(sample_session, "1957-04-credit-agreement")
    assert event_by_ref(sample_session, str(by_slug["id"])) == by_slug
    assert by_slug["agreement"] == {"status": "signed", "subject": "Credits for industry"}
    assert [e["slug"] for e in by_slug["invoked_by"]] == ["1959-10-grechko-in-vlora",
                                                          "1961-12-03-soviet-union-breaks-relations"]
    grechko = event_by_ref(sample_session, "1959-10-grechko-in-vlora")
    assert (grechko["display"], grechko["approximate"], grechko["uncertain"]) == ("c. October 1959", True, False)
    assert grechko["invokes"] == [{"slug": "1957-04-credit-agreement", "date": "1957-04",
                                   "title": "Soviet credit agreement"}]
    with pytest.raises(NotFound, match="1961-12-03-soviet-union-breaks-relations"):
        event_by_ref(sample_session, "1961-12-03-soviet-breaks")


def test_actor_rows_filter_by_kind_and_by_part_of_any_alias(sample_session):
    people = actor_rows(sample_session, kind="person")
    assert [a["name"] for a in people] == ["Andrei Grechko", "Enver Hoxha", "Nikita Khrushchev"]
    assert [a["name"] for a in actor_rows(sample_session, search="grec")] == ["Andrei Grechko"]
    assert [a["name"] for a in actor_rows(sample_session, search="hrush")] == ["Nikita Khrushchev"]
    (khrushchev,) = actor_rows(sample_session, search="N. Khr")
    assert khrushchev == {"name": "Nikita Khrushchev", "kind": "person",
                          "description": "First Secretary of the Communist Party of the Soviet Union",
                          "aliases": ["Hrushov", "Hrusshov", "N. Khrushchev"], "events": 3}
    assert actor_rows(sample_session, search="50%_") == []  # LIKE wildcards are taken literally
    with pytest.raises(UserError, match="the kind of actor must be one of") as bad_kind:
        actor_rows(sample_session, kind="king")
    assert bad_kind.value.field == "kind"


def test_actor_profile_lists_the_actors_events_with_roles(sample_session):
    profile = actor_profile(sample_session, "hrushov")
    assert profile["name"] == "Nikita Khrushchev"
    assert [(e["slug"], e["roles"]) for e in profile["events"]] == [
        ("1956-twentieth-congress", ["speaker"]), ("1959-khrushchev-visits-albania", ["guest"]),
        ("1960-06-bucharest-conference", ["speaker"])]


def test_sources_in_bibliography_order_with_citation_counts(sample_session):
    rows = source_rows(sample_session)
    assert [(r["short"], r["citations"]) for r in rows] == [
        ("Central State Archive of Albania 1949", 1), ("Duka 2007", 3), ("Hoxha 1980", 1), ("Hoxha 1980a", 1),
        ("Lala 2014", 7), ("Smirnova 2003", 1)]
    assert {"key", "kind", "author", "title", "year", "publisher", "url", "short"} <= set(rows[0])


def test_source_profile_lists_direct_and_reported_citations(sample_session):
    profile = source_profile(sample_session, "Lala 2014")
    assert profile["key"] == "lala-2014" and profile["doi"] == "10.5901/ajis.2014.v3n3p340"
    cites = list(profile["citations"])
    assert [(c["event"]["slug"], c["as"]) for c in cites] == [
        ("1949-archive-report", "cited_in"), ("1954-1956-aid", "cited_in"), ("1957-04-credit-agreement", "cited_in"),
        ("1959-khrushchev-visits-albania", "cited_in"), ("1959-khrushchev-visits-albania", "source"),
        ("1960-06-bucharest-conference", "source"), ("1961-12-03-soviet-union-breaks-relations", "cited_in")]
    assert cites[0]["quote"] == "The reports of 1949 praise the Soviet advisers."
    assert cites[0]["cited_as"] == "(Albanian Central Archive, 1949)"
