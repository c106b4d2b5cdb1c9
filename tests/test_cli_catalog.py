"""`actors`, `actor`, `meetings`, `agreements`, `sources`, `source` through the command line, on both backends."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from query_sample import load_sample, needs_seed

SOURCE_KEYS = {"key", "kind", "author", "title", "year", "publisher", "url", "short"}


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def rows(result):
    return list(csv.reader(io.StringIO(ok(result).stdout)))


# --- actors ---------------------------------------------------------------------------------------------------


def test_actors_table_lists_names_kinds_aliases_and_event_counts(cli, sample_url):
    out = ok(cli(sample_url, "actors", env={"COLUMNS": "80"})).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["Name", "Kind", "Aliases", "Events"]
    assert max(len(line) for line in lines) <= 80 and "\x1b[" not in out
    khrushchev = next(line for line in lines if line.startswith("Nikita Khrushchev"))
    assert khrushchev.split()[2:4] == ["person", "Hrushov,"] and khrushchev.rstrip().endswith("3")


def test_actors_by_kind_and_by_part_of_a_name(cli, sample_url):
    people = as_json(cli(sample_url, "actors", "--kind", "person", "--format", "json"))
    assert [a["name"] for a in people] == ["Andrei Grechko", "Enver Hoxha", "Nikita Khrushchev"]
    assert set(people[0]) == {"name", "kind", "description", "aliases", "events"}
    found = as_json(cli(sample_url, "actors", "--search", "grec", "-f", "json"))  # matches the alias Grečko
    assert found == [{"name": "Andrei Grechko", "kind": "person", "description": None, "aliases": ["Grečko"],
                      "events": 1}]
    states = rows(cli(sample_url, "actors", "--kind", "state", "-f", "csv"))
    assert states == [["name", "kind", "aliases", "description", "events"],
                      ["Albania", "state", "", "", "4"], ["Soviet Union", "state", "USSR", "", "4"]]


def test_actors_errors_and_empty(cli, sample_url):
    result = cli(sample_url, "actors", "--kind", "king")
    assert result.exit_code == 1 and "--kind: the kind of actor must be one of person, state" in result.stderr
    result = ok(cli(sample_url, "actors", "--search", "Zog"))
    assert result.stdout == "" and result.stderr == "No actors match.\n"
    assert as_json(cli(sample_url, "actors", "--search", "Zog", "-f", "json")) == []


# --- actor ----------------------------------------------------------------------------------------------------


def test_actor_profile_shows_aliases_and_own_chronology_with_roles(cli, sample_url):
    out = ok(cli(sample_url, "actor", "hrushov")).stdout
    assert out == (
        "Nikita Khrushchev (person)\n"
        "First Secretary of the Communist Party of the Soviet Union\n"
        "Also written: Hrushov, Hrusshov, N. Khrushchev\n"
        "\n"
        "Events\n"
        "1956\n"
        "  February 1956: Twentieth Congress of the CPSU (Moscow) — as speaker [#3]\n"
        "1959\n"
        "  25 May 1959 – 4 June 1959: Khrushchev visits Albania (Tirana) — as guest [#5]\n"
        "1960\n"
        "  June 1960: Bucharest conference (Bucharest) — as speaker [#7]\n"
    )


def test_actor_json(cli, sample_url):
    profile = as_json(cli(sample_url, "actor", "Grecko", "--format", "json"))
    assert (profile["name"], profile["kind"], profile["aliases"]) == ("Andrei Grechko", "person", ["Grečko"])
    (event,) = profile["events"]
    assert event["slug"] == "1959-10-grechko-in-vlora" and event["roles"] == ["guest"]
    assert event["citations"][0]["source"] == "hoxha-1980-b"


def test_actor_unknown_or_ambiguous(cli, sample_url, engine):
    result = cli(sample_url, "actor", "Khruschev")  # a read command takes the one clear best match, and says so
    assert result.exit_code == 0 and result.stdout.startswith("Nikita Khrushchev (person)")
    assert result.stderr == "No actor is called 'Khruschev': taking 'Nikita Khrushchev'.\n"
    result = cli(sample_url, "actor", "Khrushchenko")
    assert result.exit_code == 1 and "did you mean 'Nikita Khrushchev'?" in result.stderr
    from relations_db.store import db
    from relations_db.store.models import Actor, ActorAlias

    load_sample(engine, extra="format: relations-db/seed 1\nactors: [{name: Nexhmije Hoxha, kind: person}]\n")
    with db.session_scope(engine, write=True) as session:
        nexhmije = session.query(Actor).filter_by(name="Nexhmije Hoxha").one()
        nexhmije.aliases.append(ActorAlias(name="Hoxha", folded="hoxha"))
    result = cli(engine.url.render_as_string(hide_password=False), "actor", "hoxha")
    assert result.exit_code == 1
    assert "matches several actors: Enver Hoxha (person); Nexhmije Hoxha (person)" in result.stderr


def test_an_actor_without_events(cli, engine):
    load_sample(engine, extra="format: relations-db/seed 1\nactors: [{name: Ahmet Zogu, kind: person}]\n")
    out = ok(cli(engine.url.render_as_string(hide_password=False), "actor", "ahmet zogu")).stdout
    assert out == "Ahmet Zogu (person)\n\nNo events recorded.\n"
    profile = as_json(cli(engine.url.render_as_string(hide_password=False), "actor", "Ahmet Zogu", "-f", "json"))
    assert profile["events"] == []


# --- meetings and agreements ----------------------------------------------------------------------------------


def test_meetings_list_format_participants_and_outcome(cli, sample_url):
    meetings = as_json(cli(sample_url, "meetings", "--format", "json"))
    assert [(m["slug"], m["meeting"]["format"]) for m in meetings] == [
        ("1956-twentieth-congress", "congress"), ("1959-khrushchev-visits-albania", "visit"),
        ("1960-06-bucharest-conference", "multilateral")]
    table = ok(cli(sample_url, "meetings", "--place", "bucuresti", env={"COLUMNS": "100"})).stdout
    assert table.splitlines()[0].split() == ["ID", "Date", "Title", "Format", "Participants"]
    assert "Bucharest conference" in table and "multilateral" in table and "Twentieth" not in table
    lines = rows(cli(sample_url, "meetings", "--year", "1956", "-f", "csv"))
    assert lines[0][-2:] == ["format", "outcome"]
    assert lines[1][-2:] == ["congress", "De-Stalinisation begins"]


def test_agreements_list_parties_status_subject_and_invoking_events(cli, sample_url):
    (agreement,) = as_json(cli(sample_url, "agreements", "-f", "json"))
    assert agreement["agreement"] == {"status": "signed", "subject": "Credits for industry"}
    assert [a["role"] for a in agreement["actors"]] == ["signatory", "signatory"]
    assert [u["slug"] for u in agreement["invoked_by"]] == ["1959-10-grechko-in-vlora",
                                                            "1961-12-03-soviet-union-breaks-relations"]
    table = ok(cli(sample_url, "agreements", env={"COLUMNS": "100"})).stdout
    assert "signed" in table.split()  # (the subject is left to show, csv and json: it made rows 17 lines long)
    assert f"#{6}, #{8}" in table  # the ids of the invoking events, to `show`
    (header, row) = rows(cli(sample_url, "agreements", "-f", "csv"))
    assert header[-3:] == ["status", "subject", "invoked_by"]
    assert row[-1] == "1959-10-grechko-in-vlora; 1961-12-03-soviet-union-breaks-relations"


def test_empty_meetings_and_agreements(cli, sample_url):
    result = ok(cli(sample_url, "agreements", "--year", "1949"))
    assert result.stdout == "" and result.stderr == "No agreements match.\n"
    assert as_json(cli(sample_url, "meetings", "--actor", "Grecko", "-f", "json")) == []


# --- sources and source ---------------------------------------------------------------------------------------


def test_sources_in_bibliography_order(cli, sample_url):
    sources = as_json(cli(sample_url, "sources", "--format", "json"))
    assert [s["short"] for s in sources] == ["Central State Archive of Albania 1949", "Duka 2007", "Hoxha 1980",
                                             "Hoxha 1980a", "Lala 2014", "Smirnova 2003"]
    duka = sources[1]
    assert SOURCE_KEYS <= set(duka)
    assert {k: duka[k] for k in SOURCE_KEYS} == {
        "key": "duka-2007", "kind": "book", "author": "Duka, V.", "title": "Albanian History 1912-2000",
        "year": 2007, "publisher": "Shblu", "url": None, "short": "Duka 2007"}
    header, *body = rows(cli(sample_url, "sources", "-f", "csv"))
    assert header == ["key", "kind", "author", "title", "year", "publisher", "url", "short", "citations"]
    assert body[1] == ["duka-2007", "book", "Duka, V.", "Albanian History 1912-2000", "2007", "Shblu", "", "Duka 2007",
                       "3"]
    table = ok(cli(sample_url, "sources", env={"COLUMNS": "80"})).stdout
    assert "Hoxha 1980a" in table and "hoxha-1980-b" in table


def test_source_by_short_form_lists_every_event_and_quote(cli, sample_url):
    out = ok(cli(sample_url, "source", "Duka 2007")).stdout
    assert out.startswith("Duka 2007  [duka-2007, book]\nDuka, V. (2007). Albanian History 1912-2000. Tirana: "
                          "Shblu.\n\nCited for\n")
    # (each citation ends with its id, `[c12]`, which `edit citation` and `remove citation` take)
    assert re.search(r"  April 1957: Soviet credit agreement \[#4 1957-04-credit-agreement\]\n"
                     r"    \[1\] Duka 2007, p\. 250, quoted in Lala 2014, p\. 342 \[c[0-9]+\]\n"
                     r"        “In April 1957 a credit was agreed\.”\n", out)
    assert out.count("    [") == 3


def test_source_includes_the_citations_it_reports(cli, sample_url):
    profile = as_json(cli(sample_url, "source", "lala-2014", "--format", "json"))
    assert SOURCE_KEYS <= set(profile)
    cites = profile["citations"]
    assert len(cites) == 7
    archive = cites[0]
    assert archive["as"] == "cited_in" and archive["source"] == "csa-1949"
    assert archive["event"]["slug"] == "1949-archive-report"
    assert (archive["quote"], archive["cited_as"], archive["cited_in_locator"]) == (
        "The reports of 1949 praise the Soviet advisers.", "(Albanian Central Archive, 1949)", "p. 341")
    out = ok(cli(sample_url, "source", "lala-2014", env={"COLUMNS": "80"})).stdout
    assert "[1] Central State Archive of Albania 1949, Fund 14, File 19, quoted in Lala\n        2014, p. 341" in out


def test_unknown_source(cli, sample_url):
    result = cli(sample_url, "source", "Duka 2008")
    assert result.exit_code == 1 and result.stdout == ""
    assert "no source named 'Duka 2008'; did you mean 'Duka 2007'" in result.stderr


def test_a_source_nothing_cites(cli, engine):
    load_sample(engine, extra="format: relations-db/seed 1\nsources: [{key: unused-2020, kind: web, title: Page, "
                              "url: 'https://example.org'}]\n")
    url = engine.url.render_as_string(hide_password=False)
    out = ok(cli(url, "source", "unused-2020")).stdout
    assert out == "Page n.d.  [unused-2020, web]\nPage. https://example.org\n\nNo event cites it yet.\n"
    assert as_json(cli(url, "source", "unused-2020", "-f", "json"))["citations"] == []


# --- help and the seed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["actors", "actor", "meetings", "agreements", "sources", "source"])
def test_help_has_an_example(cli, command):
    assert "Example: relations-db " in ok(cli(None, command, "--help")).stdout


@needs_seed
def test_the_seed_lists_and_profiles(cli, seeded_url):
    assert as_json(cli(seeded_url, "actors", "-f", "json"))
    assert as_json(cli(seeded_url, "sources", "-f", "json"))
    khrushchev = as_json(cli(seeded_url, "actor", "hrushov", "-f", "json"))
    assert khrushchev["events"] and all(e["roles"] for e in khrushchev["events"])
    lala = as_json(cli(seeded_url, "source", "lala-2014", "-f", "json"))
    assert lala["citations"]
