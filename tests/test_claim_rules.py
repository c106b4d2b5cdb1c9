"""`check`'s rules on the evidence behind claims (issue 16 item 4): a disputed participant or place, an event on a
single citation or known only second-hand, stored values its claims no longer give. On SQLite and PostgreSQL.

The source from outside the paper is a test fixture (`second-paper-2022`), never seed data.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from relations_db.store import db

BUCHAREST = "1960-06-bucharest-meeting-of-communist-parties"
BREAK = "1961-12-03-soviet-union-breaks-relations"
ONE_CITATION = "1961-06-04-soviet-submarines-leave-vlore"
SECOND_HAND = "1961-05-29-balluku-meets-andrejev"
DENIAL = "Kapo did not go to Bucharest at all"


def _fixture_source(cli, url: str) -> None:
    added = cli(url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author", "Fixture, A.",
                "--year", "2022", "--title", "A second paper on Albanian-Soviet relations")
    assert added.exit_code == 0, added.stderr


def _check(cli, url: str, *args: str) -> tuple[int, list[dict]]:
    result = cli(url, "check", "-f", "json", *args)
    assert result.exit_code in (0, 1) and result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def _sql(url: str, statement: str, **params) -> None:
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement), params)
    engine.dispose()


def _claims(cli, url: str, slug: str) -> list[dict]:
    result = cli(url, "claims", slug, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_disputed_participant_is_a_warning_until_a_rank_settles_it(cli, bare_url):
    _fixture_source(cli, bare_url)
    (kapo,) = [c for c in _claims(cli, bare_url, BUCHAREST) if c["kind"] == "participant" and "Kapo" in c["value"]]
    added = cli(bare_url, "add", "claim", BUCHAREST, "--actor", f"{kapo['actor']}:{kapo['role']}", "--stance",
                "disputes", "--source", "second-paper-2022", "--locator", "p. 7", "--quote", DENIAL)
    assert added.exit_code == 0, added.stderr
    code, findings = _check(cli, bare_url, "--rule", "claim-disputed")
    assert code == 0  # a warning: the run does not fail
    (finding,) = findings
    assert finding["severity"] == "warning" and finding["records"] == [{"type": "event", "key": BUCHAREST}]
    # the claim with its support, side by side with the citation that disputes it, each with page and quotation
    message = finding["message"]
    assert f"k{kapo['id']} {kapo['value']} (normal), per " in message
    assert f"disputed by Fixture 2022, p. 7: “{DENIAL}”" in message
    assert f"relations-db rank k{kapo['id']} preferred" in finding["fix"]
    text_ = " ".join(cli(bare_url, "check", "--rule", "claim-disputed").stdout.split())
    assert f"WARNING claim-disputed: event {BUCHAREST}" in text_ and DENIAL in text_

    for rank in ("preferred", "deprecated"):  # either rank is the historian's decision: no finding
        assert cli(bare_url, "rank", f"k{kapo['id']}", rank).exit_code == 0
        assert _check(cli, bare_url, "--rule", "claim-disputed")[1] == []


def test_a_place_disputed_is_settled_by_another_place_ranked_preferred(cli, bare_url):
    _fixture_source(cli, bare_url)
    (place,) = [c for c in _claims(cli, bare_url, BUCHAREST) if c["kind"] == "place"]
    assert cli(bare_url, "add", "claim", BUCHAREST, "--place", place["place"], "--stance", "disputes",
               "--source", "second-paper-2022", "--locator", "p. 8", "--quote", "not in Bucharest").exit_code == 0
    (finding,) = _check(cli, bare_url, "--rule", "claim-disputed")[1]
    assert "a source disputes its place" in finding["message"] and "“not in Bucharest”" in finding["message"]
    other = cli(bare_url, "add", "claim", BUCHAREST, "--place", "Moscow", "--rank", "preferred",
                "--source", "second-paper-2022", "--locator", "p. 8", "--quote", "in Moscow")
    assert other.exit_code == 0, other.stderr
    assert _check(cli, bare_url, "--rule", "claim-disputed")[1] == []


def test_single_citation_and_second_hand_are_information_on_the_seed(cli, bare_url):
    code, findings = _check(cli, bare_url, "--rule", "single-citation", "--rule", "second-hand")
    assert code == 0 and {f["severity"] for f in findings} == {"info"}
    single = {f["records"][0]["key"]: f for f in findings if f["rule"] == "single-citation"}
    second = {f["records"][0]["key"]: f for f in findings if f["rule"] == "second-hand"}
    assert "rests on a single citation: Lala 2014, p. 343." in single[ONE_CITATION]["message"]
    assert BREAK not in single and BREAK not in second  # Duka, and the paper itself
    assert "every citation is of a work quoted in Lala 2014." in second[SECOND_HAND]["message"]
    assert SECOND_HAND in single  # (one archive file, quoted in the paper: both)
    # a second citation, first-hand, clears both
    _fixture_source(cli, bare_url)
    assert cli(bare_url, "add", "citation", SECOND_HAND, "--source", "second-paper-2022", "--locator", "p. 9",
               "--quote", "Andrejev announced the evacuation").exit_code == 0
    findings = _check(cli, bare_url, "--rule", "single-citation", "--rule", "second-hand")[1]
    assert SECOND_HAND not in {f["records"][0]["key"] for f in findings}


@pytest.mark.parametrize("width", [80, 120])
def test_many_information_findings_of_a_rule_print_as_one_block(cli, bare_url, width):
    result = cli(bare_url, "check", env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    blocks = [b for b in result.stdout.split("\n\n") if b.startswith("INFO    single-citation")]
    assert all(len(line) <= width for b in blocks for line in b.splitlines())
    assert len(blocks) == 1 and blocks[0].splitlines()[0].startswith("INFO    single-citation: ")
    assert ONE_CITATION in blocks[0].replace("\n", " ").replace("        ", "")
    assert "relations-db check --rule single-citation" in " ".join(blocks[0].split())
    # asked for by name, each finding is printed in full
    alone = cli(bare_url, "check", "--rule", "single-citation", env={"COLUMNS": str(width)})
    assert alone.stdout.count("INFO    single-citation: event ") > 20


def test_stored_values_out_of_step_with_the_claims_are_an_error(cli, bare_url):
    assert _check(cli, bare_url, "--rule", "claims-out-of-step") == (0, [])
    _sql(bare_url, "UPDATE events SET disputed = :yes WHERE slug = :slug", yes=True, slug=ONE_CITATION)
    _sql(bare_url, "UPDATE events SET place_id = NULL WHERE slug = :slug", slug=BUCHAREST)
    code, findings = _check(cli, bare_url, "--rule", "claims-out-of-step")
    assert code == 1
    by_event = {f["records"][0]["key"]: f for f in findings}
    assert set(by_event) == {ONE_CITATION, BUCHAREST}
    assert "marked disputed with one date claim" in by_event[ONE_CITATION]["message"]
    assert "its place is stored as no place, its place claims show Bucharest" in by_event[BUCHAREST]["message"]
    assert by_event[BUCHAREST]["severity"] == "error" and "relations-db rank k" in by_event[BUCHAREST]["fix"]
    # the fix it names writes the event again from its claims
    fixed = cli(bare_url, *by_event[BUCHAREST]["fix"].split(": ", 1)[1].split(" (")[0].split()[1:])
    assert fixed.exit_code == 0, fixed.stderr
    assert {f["records"][0]["key"] for f in _check(cli, bare_url, "--rule", "claims-out-of-step")[1]} == {
        ONE_CITATION}


def test_a_disputed_event_whose_stored_date_is_not_its_claims_is_an_error(cli, bare_url):
    _fixture_source(cli, bare_url)
    assert cli(bare_url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022").exit_code == 0
    assert _check(cli, bare_url, "--rule", "claims-out-of-step") == (0, [])
    _sql(bare_url, "UPDATE events SET disputed = :no, date = '1959' WHERE slug = :slug", no=False, slug=BREAK)
    (finding,) = _check(cli, bare_url, "--rule", "claims-out-of-step")[1]
    assert "its date is stored as '1959', its claims show '1961-12-03'" in finding["message"]
    assert "its best-ranked date claims disagree, but it is not marked disputed" in finding["message"]
