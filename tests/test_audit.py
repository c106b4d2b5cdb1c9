"""`relations-db check`: each rule finds its broken record, a clean chronology yields nothing, and on the
seed data the paper's own citation inconsistencies are listed — and nothing false."""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlalchemy import text

from relations_db.domain.vocab import AUDIT_RULES
from relations_db.formats.seed.apply import load_seed_text
from relations_db.store import db

# A small chronology with nothing wrong in it, written to tempt the checks into false alarms: in-text
# citations printed as the paper prints them ("Viti 1961", asterisks, "Document" for "Documents",
# "Albanian Central Archive" for "Central State Archive of Albania"), works written long after the events,
# an interval event, a season, two events on one day with different titles.
CLEAN = textwrap.dedent("""\
    format: relations-db/seed 1
    sources:
      - {key: lala-2014, kind: article, author: "Lala, Brisejda", title: Disruption of Albanian-Soviet Relations,
         year: 2014}
      - {key: duka-2007, kind: book, author: "Duka, V.", title: Albanian History 1912-2000, year: 2007}
      - {key: fbi-1962, kind: report, author: FBI Documents, title: Soviet-Albanian Relations, year: 1962}
      - {key: foreign-office-1962, kind: web, title: Foreign Office Documents, year: 1962}
      - {key: csa-1961, kind: archive, author: Central State Archive of Albania, title: "Fund.14, File.4",
         year: 1961, fund: "14", file: "4"}
      - {key: fma-1961, kind: archive, author: Foreign Ministry Archive of Albania, title: "File. 434/3", year: 1961,
         file: 434/3}
      - {key: zeri-1953, kind: newspaper, title: Zëri i Popullit, year: 1953}
      - {key: history-2007, kind: book, title: History of Albanian People, year: 2007}
    actors:
      - {name: Soviet Union, kind: state, aliases: [USSR, SU]}
      - {name: Albania, kind: state}
      - {name: Nikita Khrushchev, kind: person, aliases: [Hrushov]}
      - {name: Enver Hoxha, kind: person}
    places:
      - {name: Tirana, aliases: [Tiranë]}
      - {name: Vlorë, aliases: [Vlora]}
    events:
      - slug: 1948-1961-relations
        date: 1948/1961
        title: Albanian-Soviet relations, from close unity to break
        type: process
        tone: 2
        participants: [{actor: Albania, role: party}, {actor: Soviet Union, role: party}]
        citations:
          - {source: lala-2014, quote: "In the 1948-1961 Albanian - Soviet relations were intensive", locator: p. 340}
      - slug: 1953-embassies
        date: "1953"
        title: First embassies opened
        type: diplomatic
        tone: 7
        participants: [{actor: Albania, role: party}, {actor: Soviet Union, role: party}]
        citations:
          - {source: zeri-1953, quote: "relations between two countries became very close",
             cited_as: '("Zëri i Popullit", Newspaper, 1953)', cited_in: lala-2014}
      - slug: 1955-belgrade
        date: "1955"
        title: Khrushchev visits Belgrade
        type: visit
        tone: -3
        participants: [{actor: Nikita Khrushchev, role: guest}]
        citations:
          - {source: history-2007, quote: "In 1955 Khrushchev visited Belgrade",
             cited_as: "(*History of Albanian People*, 2007)", cited_in: lala-2014}
      - slug: 1959-khrushchev-visits-albania
        kind: meeting
        date: 1959-05
        title: Khrushchev visits Albania
        type: visit
        tone: 5
        place: Tirana
        meeting: {format: visit}
        participants: [{actor: Nikita Khrushchev, role: guest}, {actor: Enver Hoxha, role: host}]
        citations:
          - {source: fbi-1962, quote: "to wipe away the residue of friction",
             cited_as: "(FBI Documents. *Soviet-Albanian Relations*, 1962)", cited_in: lala-2014}
      - slug: 1960-summer-pressure
        date: 1960-22
        title: Soviet pressure after Bucharest
        type: diplomatic
        tone: -6
        participants: [{actor: Soviet Union, role: initiator}, {actor: Albania, role: target}]
        citations:
          - {source: csa-1961, quote: "they began an open attack against the party",
             cited_as: "(Albanian Central Archive, 1961)", cited_in: lala-2014}
      - slug: 1960-11-moscow-meeting
        date: 1960-11
        title: Moscow meeting of the 81 parties
        type: congress
        tone: -9
        participants: [{actor: Enver Hoxha, role: speaker}, {actor: Nikita Khrushchev, role: target}]
        citations:
          - {source: foreign-office-1962, quote: "The conflict culminated in the meeting of the 81",
             cited_as: "(Foreign Office Document, 1962)", cited_in: lala-2014}
      - slug: 1961-vlora-base
        date: "1961"
        title: Dispute over the Vlora base
        type: military
        tone: -8
        place: Vlora
        participants: [{actor: Soviet Union, role: party}, {actor: Albania, role: party}]
        citations:
          - {source: fma-1961, quote: "the only such base of the socialist camp",
             cited_as: "(Foreign Ministry Archive of Albania, Viti 1961)", cited_in: lala-2014}
      - slug: 1961-12-03-break
        date: 1961-12-03
        title: The Soviet Union breaks off relations
        type: break
        tone: -10
        participants: [{actor: Soviet Union, role: initiator}, {actor: Albania, role: target}]
        citations:
          - {source: duka-2007, quote: "on 3 December 1961, the Soviet Union has ended the relations",
             cited_as: "(Duka, 2007)", cited_in: lala-2014, cited_in_locator: p. 343}
      - slug: 1961-12-03-albanian-statement
        date: 1961-12-03
        title: Albania answers with a statement of its own
        type: statement
        tone: -9
        participants: [{actor: Albania, role: author}]
        citations:
          - {source: lala-2014, quote: "Discontinuities of these relations would have its consequences"}
""")


def load(engine, *texts: str) -> None:
    with db.session_scope(engine, write=True) as session:
        for yaml_text in texts:
            load_seed_text(session, yaml_text)


def sql(engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def check(cli, url, *args):
    result = cli(url, "check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    return result, json.loads(result.stdout)


RULE_IDS = [rule_id for rule_id, _, _ in AUDIT_RULES]


def of_rule(findings, rule):
    return [f for f in findings if f["rule"] == rule]


def keys(finding, kind):
    return [r["key"] for r in finding["records"] if r["type"] == kind]


def events_yaml(body: str) -> str:
    """A seed file with only an events section (sources and actors come from CLEAN, loaded first)."""
    return "format: relations-db/seed 1\nevents:\n" + textwrap.indent(textwrap.dedent(body), "  ")


# --- the clean case ------------------------------------------------------------------------------------------


def test_a_clean_chronology_has_no_findings(cli, db_url, engine):
    load(engine, CLEAN)
    result, findings = check(cli, db_url)
    # Only how firm the evidence is: each event here rests on one citation, most of them quoted in the paper
    # (information, never a problem of the data).
    assert {(f["rule"], f["severity"]) for f in findings} == {("single-citation", "info"), ("second-hand", "info")}
    assert result.exit_code == 0
    assert "0 errors, 0 warnings" in result.stderr
    rest = [r for r in RULE_IDS if r not in ("single-citation", "second-hand")]
    result, findings = check(cli, db_url, *[a for r in rest for a in ("--rule", r)])
    assert findings == [] and "No findings" in result.stderr
    table = cli(db_url, "check", *[a for r in rest for a in ("--rule", r)])
    assert table.exit_code == 0 and table.stdout == ""


# --- errors: exit 1 -------------------------------------------------------------------------------------------


def test_an_event_without_citation_is_an_error_and_fails_the_run(cli, db_url, engine):
    load(engine, CLEAN)
    # The write path refuses an uncited event, so make one the way another loader could: delete its citation.
    sql(engine, "DELETE FROM citations WHERE event_id = (SELECT id FROM events WHERE slug = '1955-belgrade')")
    result, findings = check(cli, db_url)
    assert result.exit_code == 1
    (finding,) = of_rule(findings, "event-uncited")
    assert finding["severity"] == "error"
    assert keys(finding, "event") == ["1955-belgrade"]
    assert "add citation 1955-belgrade" in finding["fix"]
    # The table names the rule, the record and the fix, and the summary counts the error.
    table = cli(db_url, "check")
    assert table.exit_code == 1
    assert "ERROR   event-uncited: event 1955-belgrade" in table.stdout
    assert "fix: add the source" in table.stdout
    assert "1 error" in table.stderr


def test_an_interval_that_ends_before_it_starts_is_an_error(cli, db_url, engine, backend):
    load(engine, CLEAN)
    # The schema's check constraint forbids it; a database loaded by other means may not have it.
    if backend == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
            conn.exec_driver_sql("UPDATE events SET start_day = 716240, end_day = 711127, start_iso = '1961-12-31', "
                                 "end_iso = '1948-01-01' "
                                 "WHERE slug = '1948-1961-relations'")
            conn.exec_driver_sql("PRAGMA ignore_check_constraints=OFF")
    else:
        sql(engine, "ALTER TABLE events DROP CONSTRAINT ck_events_start_before_end")
        sql(engine, "UPDATE events SET start_day = 716240, end_day = 711127, start_iso = '1961-12-31', "
                    "end_iso = '1948-01-01' "
                    "WHERE slug = '1948-1961-relations'")
    result, findings = check(cli, db_url)
    assert result.exit_code == 1
    (finding,) = of_rule(findings, "interval-reversed")
    assert keys(finding, "event") == ["1948-1961-relations"]
    assert "1948-01-01" in finding["message"] and "1961-12-31" in finding["message"]
    assert of_rule(findings, "date-out-of-step") == []  # one problem, reported once


def test_stored_days_that_do_not_follow_from_the_date_are_an_error(cli, db_url, engine):
    load(engine, CLEAN)
    sql(engine, "UPDATE events SET start_day = 713013, start_iso = '1953-03-01' WHERE slug = '1953-embassies'")
    sql(engine, "UPDATE events SET date = 'June 1955' WHERE slug = '1955-belgrade'")
    result, findings = check(cli, db_url)
    assert result.exit_code == 1
    found = {keys(f, "event")[0]: f for f in of_rule(findings, "date-out-of-step")}
    assert set(found) == {"1953-embassies", "1955-belgrade"}
    assert "1953-01-01" in found["1953-embassies"]["message"]
    assert "not a valid EDTF date" in found["1955-belgrade"]["message"]


def test_an_alias_shared_by_two_actors_is_an_error(cli, db_url, engine):
    load(engine, CLEAN)
    # The seed loader refuses it; a direct insert does not. "Hrushov" now names Khrushchev and Hoxha.
    sql(engine, "INSERT INTO actor_aliases (actor_id, name, folded) "
                "SELECT id, 'HRUSHOV', 'hrushov' FROM actors WHERE name = 'Enver Hoxha'")
    # And a place alias that is another place's name.
    sql(engine, "INSERT INTO place_aliases (place_id, name, folded) "
                "SELECT id, 'Tirana', 'tirana' FROM places WHERE name = 'Vlorë'")
    result, findings = check(cli, db_url)
    assert result.exit_code == 1
    shared = of_rule(findings, "alias-shared")
    assert sorted(tuple(keys(f, "actor")) for f in shared if keys(f, "actor")) == [
        ("Enver Hoxha", "Nikita Khrushchev")]
    assert sorted(tuple(keys(f, "place")) for f in shared if keys(f, "place")) == [("Tirana", "Vlorë")]
    assert all(f["severity"] == "error" for f in shared)


# --- warnings: reported, exit 0 -------------------------------------------------------------------------------


def test_likely_duplicate_events_are_a_warning(cli, db_url, engine):
    load(engine, CLEAN, events_yaml("""\
        - slug: 1959-05-khrushchev-visit-to-albania
          date: 1959-05
          title: Khrushchev's visit to Albania
          type: visit
          participants: [{actor: Nikita Khrushchev, role: guest}]
          citations: [{source: lala-2014, quote: "In 1959 the communist leader, Khrushchev, visited Albania"}]
        - slug: 1959-05-soviet-credit-talks
          date: 1959-05
          title: Talks on a new Soviet credit
          type: economic
          participants: [{actor: Nikita Khrushchev, role: guest}]
          citations: [{source: lala-2014, quote: "Hoxha asked to Khrushchev credit"}]
    """))
    result, findings = check(cli, db_url)
    assert result.exit_code == 0
    (finding,) = of_rule(findings, "duplicate-event")
    assert finding["severity"] == "warning"
    assert sorted(keys(finding, "event")) == ["1959-05-khrushchev-visit-to-albania", "1959-khrushchev-visits-albania"]


def test_a_participant_without_role_is_a_warning(cli, db_url, engine):
    load(engine, CLEAN, events_yaml("""\
        - slug: 1957-hoxha-in-moscow
          date: "1957"
          title: Hoxha and Shehu in Moscow
          type: visit
          participants: [{actor: Enver Hoxha}, {actor: Soviet Union, role: host}]
          citations: [{source: lala-2014, quote: "went in Moscow for an official visit"}]
    """))
    result, findings = check(cli, db_url)
    assert result.exit_code == 0
    (finding,) = of_rule(findings, "participant-no-role")
    assert keys(finding, "event") == ["1957-hoxha-in-moscow"] and keys(finding, "actor") == ["Enver Hoxha"]


def test_a_citation_without_quotation_is_a_warning(cli, db_url, engine):
    load(engine, CLEAN)
    sql(engine, "UPDATE citations SET quote = NULL WHERE event_id = "
                "(SELECT id FROM events WHERE slug = '1961-vlora-base')")
    _, findings = check(cli, db_url)
    (finding,) = of_rule(findings, "citation-no-quote")
    assert keys(finding, "event") == ["1961-vlora-base"] and keys(finding, "source") == ["fma-1961"]


def test_an_in_text_citation_with_another_year_than_its_source(cli, db_url, engine):
    load(engine, CLEAN, events_yaml("""\
        - slug: 1956-tito-in-moscow
          date: "1956"
          title: Tito visits Moscow
          type: visit
          citations:
            - {source: history-2007, quote: "a year later Tito visited Moscow",
               cited_as: "(*History of Albanian People*, 2008)", cited_in: lala-2014,
               note: The reference list has 2007.}
    """))
    result, findings = check(cli, db_url)
    assert result.exit_code == 0
    (finding,) = of_rule(findings, "cited-as-mismatch")
    assert finding["severity"] == "warning"
    assert keys(finding, "event") == ["1956-tito-in-moscow"] and keys(finding, "source") == ["history-2007"]
    assert "says 2008" in finding["message"] and "dated 2007" in finding["message"]
    assert "no source in the database is by that name and dated 2008" in finding["message"]
    # The citation's note explains it: still listed, marked noted.
    assert finding["noted"] == "The reference list has 2007."
    assert of_rule(findings, "cited-as-unreferenced") == []  # the name does match a reference


def test_an_in_text_citation_naming_another_source_than_the_linked_one(cli, db_url, engine):
    load(engine, CLEAN, events_yaml("""\
        - slug: 1961-relations-end
          date: 1961-12
          title: Relations end
          type: break
          citations:
            - {source: fbi-1962, quote: "the Soviet Union has ended the relations", cited_as: "(Duka, 2007)"}
    """))
    _, findings = check(cli, db_url)
    (finding,) = of_rule(findings, "cited-as-mismatch")
    assert keys(finding, "source") == ["fbi-1962"]
    assert "duka-2007" in finding["message"]  # says which source the in-text form does name
    assert finding["noted"] is None


def test_an_in_text_citation_that_matches_no_reference(cli, db_url, engine):
    load(engine, CLEAN, events_yaml("""\
        - slug: 1961-02-congress
          date: 1961-02
          title: Congress of the Albanian party
          type: congress
          citations:
            - {source: lala-2014, quote: "The February 1961 Congress", cited_as: "(Griffith, 1963)"}
    """))
    result, findings = check(cli, db_url)
    assert result.exit_code == 0
    (finding,) = of_rule(findings, "cited-as-unreferenced")
    assert "'Griffith, 1963'" in finding["message"]
    assert keys(finding, "event") == ["1961-02-congress"]
    assert of_rule(findings, "cited-as-mismatch") == []  # one problem, reported once


def test_a_source_dated_before_the_event_it_reports(cli, db_url, engine):
    archive = textwrap.dedent("""\
        format: relations-db/seed 1
        sources:
          - {key: csa-1949, kind: archive, author: Central State Archive of Albania, title: "Fund.14, File.19",
             year: 1949, fund: "14", file: "19"}
    """)
    load(engine, CLEAN, archive, events_yaml("""\
        - slug: 1959-credit-refused
          date: "1959"
          title: Khrushchev refuses a credit
          type: economic
          participants: [{actor: Nikita Khrushchev, role: speaker}]
          citations:
            - {source: csa-1949, quote: "there is not much time we gave you a new credit",
               cited_as: "(Albanian Central Archive, 1949)", cited_in: lala-2014}
            - {source: csa-1949, quote: "Why 300 million is a too little for you?",
               cited_as: "(Albanian Central Archive, 1949)", cited_in: lala-2014}
        - slug: 1948-1961-background
          date: 1948/1961
          title: Background of the alliance
          type: process
          participants: [{actor: Albania, role: party}]
          citations:
            - {source: csa-1949, quote: "background", cited_as: "(Albanian Central Archive, 1949)"}
    """))
    result, findings = check(cli, db_url)
    assert result.exit_code == 0
    # Once for the event, though two of its citations quote the file; the interval that began before 1949 is
    # not flagged, and "Albanian Central Archive" is taken as the archive's name (no mismatch).
    (finding,) = of_rule(findings, "source-before-event")
    assert keys(finding, "event") == ["1959-credit-refused"] and keys(finding, "source") == ["csa-1949"]
    assert "dated 1949" in finding["message"] and "(2 times in this event.)" in finding["message"]
    assert of_rule(findings, "cited-as-mismatch") == [] and of_rule(findings, "cited-as-unreferenced") == []


# --- info -----------------------------------------------------------------------------------------------------


def test_sources_never_cited_and_actors_in_no_event_are_info(cli, db_url, engine):
    load(engine, CLEAN, textwrap.dedent("""\
        format: relations-db/seed 1
        sources:
          - {key: mezini-1999, kind: book, author: "Mezini, A.", title: 20th Century Alternatives, year: 1999}
        actors:
          - {name: Tuk Jakova, kind: person}
    """))
    result, findings = check(cli, db_url)
    assert result.exit_code == 0
    assert [keys(f, "source") for f in of_rule(findings, "source-uncited")] == [["mezini-1999"]]
    assert [keys(f, "actor") for f in of_rule(findings, "actor-unused")] == [["Tuk Jakova"]]
    assert {f["severity"] for f in findings} == {"info"}
    # lala-2014 is used only as `cited_in` by most citations: that is a use, not an uncited source.
    assert "lala-2014" not in json.dumps(findings)


def test_findings_are_ordered_errors_first_and_rules_can_be_chosen(cli, db_url, engine):
    load(engine, CLEAN, textwrap.dedent("""\
        format: relations-db/seed 1
        actors:
          - {name: Tuk Jakova, kind: person}
    """))
    sql(engine, "UPDATE participations SET role = NULL WHERE actor_id = "
                "(SELECT id FROM actors WHERE name = 'Enver Hoxha')")
    sql(engine, "DELETE FROM citations WHERE event_id = (SELECT id FROM events WHERE slug = '1955-belgrade')")
    _, findings = check(cli, db_url)
    severities = [f["severity"] for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert {"error", "warning", "info"} <= set(severities)
    result, only = check(cli, db_url, "--rule", "actor-unused")
    assert result.exit_code == 0  # the error's rule was not run
    assert {f["rule"] for f in only} == {"actor-unused"}
    bad = cli(db_url, "check", "--rule", "no-such-rule")
    assert bad.exit_code != 0 and "unknown rule no-such-rule" in bad.stderr and bad.stdout == ""


def test_the_help_lists_every_rule():
    from typer.testing import CliRunner

    from relations_db.analysis.audit import RULES
    from relations_db.cli import app

    result = CliRunner().invoke(app, ["check", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for rule in RULES:
        assert rule.id in result.stdout
    assert "Example:" in result.stdout


# --- the paper ------------------------------------------------------------------------------------------------


def test_on_the_seed_the_papers_citation_problems_and_nothing_false(cli, seeded_url):
    result, findings = check(cli, seeded_url)
    assert result.exit_code == 0, "the seed data has no errors"
    assert not [f for f in findings if f["severity"] == "error"]
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f["rule"], []).append(f)

    # "(*History of Albanian People*, 2008)" for the work the reference list dates 2007. ("(Central State
    # Archive, 1954)", which the reference list lacks, is its own source, csa-1954, whose note says so: name
    # and year agree, so the cited-as rules do not report it; the archive rule below does.)
    mismatches = {(keys(f, "source")[0], f["message"].split("says ")[1][:4]) for f in by_rule["cited-as-mismatch"]}
    assert mismatches == {("history-of-albanian-people-2007", "2008")}
    # "(Albanian Central Archive, 1949)" quoting Khrushchev during his 1959 visit: a 1949 file cannot.
    before = {(keys(f, "event")[0], keys(f, "source")[0]) for f in by_rule["source-before-event"]}
    assert ("1959-khrushchev-refuses-credit", "csa-1949") in before
    assert ("1954-1959-earlier-soviet-credit", "csa-1949") in before  # the same words, for the credit they recall
    assert {source for _, source in before} == {"csa-1949"}
    # The seed explains each of these in the citation's note.
    assert all(f["noted"] for f in by_rule["cited-as-mismatch"] + by_rule["source-before-event"])

    # Nothing false: the paper's other ways of printing a reference are not problems.
    flagged = json.dumps([f["message"] for f in findings if f["rule"].startswith("cited-as")])
    for fine in ("FBI Documents", "Foreign Office Document", "Viti 1961", "Zëri i Popullit", "Duka",
                 "Hoxha, 1980", "Khrushchev, 2007", "Albanian Central Archive"):
        assert fine not in flagged, fine
    assert "cited-as-unreferenced" not in by_rule
    # The 1954 letter's archive is given without fund or file: the reference list has no entry to locate it.
    assert [keys(f, "source") for f in by_rule["archive-unlocated"]] == [["csa-1954"]]
    # The paper's own contradiction over the Vlorë dispute's date, recorded with a side preferred: information.
    assert [keys(f, "event") for f in by_rule["relative-conflict-ranked"]] == [[
        "1961-dispute-over-vlore-submarines", "1961-06-04-soviet-submarines-leave-vlore",
        "1961-12-03-soviet-union-breaks-relations"]]
    # How firm the evidence is (issue 16): the events on one citation, and those known only through the paper.
    assert {"single-citation", "second-hand"} <= set(by_rule)
    assert {f["rule"] for f in findings} <= {"cited-as-mismatch", "source-before-event", "actor-unused",
                                             "source-uncited", "archive-unlocated", "single-citation",
                                             "second-hand", "relative-conflict-ranked"}


def test_an_in_text_citation_names_its_source_meaningfully():
    """Folded words, endings, initials for first names, markup ignored; a different name never matches."""
    from types import SimpleNamespace

    from relations_db.analysis.in_text import in_text_citations, names_source, source_words

    def names(cited_as, author, title, kind="book"):
        source = SimpleNamespace(author=author, title=title, container=None, kind=kind)
        return [names_source(c, source_words(source)) for c in in_text_citations(cited_as)]

    assert names("(Enver Hoxha, 1980)", "Hoxha, E.", "Hrushovianët") == [True]
    assert names("(Evil, 1980)", "Hoxha, E.", "Hrushovianët") == [False]  # an initial alone names nothing
    assert names("(Albanian Central Archive, 1949)", "Central State Archive of Albania", "Fund.14, File.19",
                 "archive") == [True]
    assert names('("Zëri i Popullit", Newspaper, 1953)', None, "Zeri i Popullit", "newspaper") == [True]
    assert names("(Anonymous History, 2001)", None, "A Short History", "book") == [False]
    assert names("(Duka, 2007; Mezini, 1999)", "Duka, V.", "Albanian History 1912-2000") == [True, False]
    cites = in_text_citations("(Foreign Ministry Archive of Albania, Viti 1961)")
    assert [(c.words, c.year) for c in cites] == [(("foreign", "ministry", "archive", "albania"), 1961)]


def test_an_archive_source_without_fund_or_file_is_reported_and_one_with_either_is_not(engine):
    from relations_db.analysis.audit import run_checks
    from relations_db.store import db as store_db

    seed = """
format: relations-db/seed 1
sources:
  - {key: arch-a, kind: archive, author: State Archive, title: Letters, year: 1954}
  - {key: arch-b, kind: archive, author: State Archive, title: Minutes, year: 1955, file: "12"}
  - {key: book-c, kind: book, author: "Writer, W.", title: A Book, year: 2000}
events:
  - slug: 1955-a-letter
    date: "1955"
    title: A letter
    type: letter
    citations:
      - {source: arch-a, quote: the letter}
      - {source: arch-b, quote: the minutes}
      - {source: book-c, quote: the book}
"""
    with store_db.session_scope(engine, write=True) as session:
        load_seed_text(session, seed)
    with store_db.session_scope(engine) as session:
        found = [f for f in run_checks(session, ["archive-unlocated"])]
    assert [dict(f.records)["source"] for f in found] == ["arch-a"]
    assert "neither fund nor file" in found[0].message


def test_a_check_registers_only_for_a_rule_of_the_table_and_once():
    from relations_db.analysis import audit

    with pytest.raises(ValueError, match="not a rule of vocab.AUDIT_RULES"):
        audit.rule("made-up-rule")(lambda session: [])
    with pytest.raises(ValueError, match="has a check already"):
        audit.rule("event-uncited")(lambda session: [])
