"""Issue 16: the long form of the CSV carries the claims — which claim each citation supports or disputes, each
claim's rank and reason, and whether it is the event's own — so that the two CSVs give back every claim."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import text
from test_csv_evidence import _everything, _ok, _without_events
from write_sample import counts, without_the_seeds_claims

from relations_db.formats.csv.header import CITATION_COLUMNS

BREAK = "1961-12-03-soviet-union-breaks-relations"
QUOTE = "Relations ended in 1959."
SUBMARINES = "1961-06-04-soviet-submarines-leave-vlore"


def _disagree(cli, url: str) -> None:
    """A second source dates the break 1959 and denies a participant; the paper's date is ranked preferred."""
    _ok(cli(url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author", "Fixture, A.",
            "--year", "2022", "--title", "A second paper on Albanian-Soviet relations"))
    _ok(cli(url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022", "--locator", "p. 12",
            "--quote", QUOTE, "--reason", "the paper's own year"))
    _ok(cli(url, "add", "claim", BREAK, "--actor", "Enver Hoxha:decision-maker", "--source", "second-paper-2022",
            "--locator", "p. 12", "--quote", QUOTE, "--stance", "disputes"))
    _ok(cli(url, "add", "claim", BREAK, "--after", SUBMARINES, "--at-least", "1M", "--source", "second-paper-2022",
            "--locator", "p. 13", "--quote", "Months after the submarines left.", "--reason", "the gap as printed"))
    own = json.loads(_ok(cli(url, "claims", BREAK, "-f", "json")).stdout)[0]["id"]
    _ok(cli(url, "rank", f"k{own}", "preferred", "--reason", "dated by Duka"))


def _claims(cli, url: str) -> list:
    """The break's claims as `claims` gives them, without ids (an import makes new records)."""
    found = json.loads(_ok(cli(url, "claims", BREAK, "-f", "json")).stdout)
    return sorted((c["kind"], c["value"], c["rank"], c["reason"], c["shown"], c.get("at_least"),
                   sorted((e["source"], e["locator"] or "", e["stance"], e["implicit"]) for e in c["evidence"]))
                  for c in found)


def _claim_blocks(shown: str) -> list[str]:
    """The claims `show` lists, one text each, without ids (nor the line breaks their widths moved)."""
    section = _ids_out(shown[shown.index("\nClaims\n") + 8:])
    return [" ".join(block.split()) for block in re.split(r"\n(?=  kN |Note: )", section)]


def _ids_out(text_: str) -> str:
    """Text output without record ids (#59, c112, k248, k-236): an import makes new records."""
    return re.sub(r"(#|\bc|\bk-?)[0-9]+\b", lambda m: m.group(1).rstrip("-") + "N", text_)


def _without_ids(text_: str) -> list[tuple]:
    return sorted(tuple(v for k, v in row.items() if k != "claim_id") for row in csv.DictReader(io.StringIO(text_)))


def test_the_long_form_has_a_row_per_claim_a_citation_speaks_to(cli, seeded):
    url, _ = seeded
    _disagree(cli, url)
    rows = [r for r in csv.DictReader(io.StringIO(_ok(cli(url, "export", "--per-citation")).stdout))
            if r["slug"] == BREAK]
    linked = [r for r in rows if r["source"] == "second-paper-2022"]
    assert [(r["claim_kind"], r["claim_value"], r["stance"], r["own"], r["quote"], r["at_least"]) for r in linked] \
        == [("date", "1959", "supports", "", QUOTE, ""),
            ("participant", "Enver Hoxha:decision-maker", "disputes", "", QUOTE, ""),
            ("after", SUBMARINES, "supports", "", "Months after the submarines left.", "1M")]
    assert linked[0]["reason"] == "the paper's own year"
    # the own date, ranked, has a row of its own without a citation
    ranked = [(r["claim_value"], r["rank"], r["reason"], r["own"]) for r in rows if r["claim_kind"] and not r["source"]]
    assert ("1961-12-03", "preferred", "dated by Duka", "yes") in ranked
    # a citation linked to no claim supports the own claims implicitly: one row, its claim cells empty
    bare = [r for r in rows if r["source"] and not r["claim_kind"]]
    assert bare and all(not r["stance"] and not r["own"] for r in bare)
    assert len({r["quote"] for r in bare}) == len(bare)


def test_both_csvs_give_back_every_claim_with_its_evidence(cli, seeded, tmp_path):
    url, _ = seeded
    _disagree(cli, url)
    chronology, citations = tmp_path / "chronology.csv", tmp_path / "citations.csv"
    _ok(cli(url, "export", "-o", str(chronology)))
    _ok(cli(url, "export", "--per-citation", "-o", str(citations)))
    expected, shown = _claims(cli, url), _ok(cli(url, "show", BREAK)).stdout
    _without_events(url)
    _ok(cli(url, "import", str(chronology)))
    _ok(cli(url, "import", str(citations)))
    # the disputed participant and the other source's date are not the event's own again, ranks and reasons kept
    assert _claims(cli, url) == expected
    # (`show` lists the same claims, by id: the chronology import gives the participant an earlier one)
    assert sorted(_claim_blocks(_ok(cli(url, "show", BREAK)).stdout)) == sorted(_claim_blocks(shown))
    assert _without_ids(_ok(cli(url, "export", "--per-citation")).stdout) == _without_ids(citations.read_text())
    # and importing the long form again changes nothing
    assert "0 added, 0 updated, 59 unchanged;" in _ok(cli(url, "import", str(citations))).stderr
    assert _claims(cli, url) == expected


@pytest.mark.parametrize(("cells", "message"), [
    ("k1,year,1959,supports,,,,,", "the claim_kind 'year' is not a kind of claim"),
    ("k1,date,,supports,,,,,", "a date claim needs its claim_value"),
    ("k1,date,1959,agrees,,,,,", "the stance 'agrees' is not one of supports, disputes"),
    ("k1,date,1959,,,,,,", "a claim row with a citation needs its stance"),
    ("k1,date,1959,supports,best,,,,", "the rank 'best' is not one of preferred, normal, deprecated"),
    ("k1,date,1959,supports,,,3M,,", "at_least and at_most bound the gap of a before or after claim"),
    ("k1,participant,Nobody Known:guest,supports,,,,,", "no actor named 'Nobody Known'"),
    ("k1,date,25/11/1961,supports,,,,,", "25/11/1961"),
    ("k1,date,1959,supports,,,,,maybe", "own is 'yes' (the event's own claim) or empty, not 'maybe'"),
    ("k1,after,no-such-event,supports,,,,,", "no-such-event"),
    ("k1,after,1961-06-04-soviet-submarines-leave-vlore,supports,,,3Q,,", "3Q"),
    ("k1,after,1961-06-04-soviet-submarines-leave-vlore,supports,,,,,yes", "never the event's own"),
    ("k1,during,1961-06-04-soviet-submarines-leave-vlore,supports,,,1M,,", "before or after"),
])
def test_bad_claim_cells_are_refused_with_their_line_and_nothing_is_written(cli, seeded, tmp_path, cells, message):
    url, engine = seeded
    before, everything = counts(engine), _everything(engine)
    path = tmp_path / "citations.csv"
    path.write_text(",".join(CITATION_COLUMNS) + "\n" + f"{BREAK},,,lala-2014,,p. 1,q,,,,,,{cells}\n",
                    encoding="utf-8")
    result = cli(url, "import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "line 2: " in result.stderr and message in result.stderr, result.stderr
    assert counts(engine) == before and _everything(engine) == everything


def test_a_row_without_a_citation_states_an_own_claim(cli, seeded, tmp_path):
    url, engine = seeded
    path = tmp_path / "citations.csv"
    path.write_text(",".join(CITATION_COLUMNS) + "\n"
                    f"{BREAK},,,,,,,,,,,,,date,1961,,deprecated,too wide,,,yes\n", encoding="utf-8")
    _ok(cli(url, "import", str(path)))
    claims = {c["value"]: c for c in json.loads(_ok(cli(url, "claims", BREAK, "-f", "json")).stdout)}
    assert (claims["1961"]["rank"], claims["1961"]["reason"]) == ("deprecated", "too wide")
    assert all(e["implicit"] for e in claims["1961"]["evidence"])  # the event's citations support it
    with engine.connect() as connection:
        assert connection.execute(text("SELECT date FROM events WHERE slug = :s"), {"s": BREAK}).scalar() \
            == "1961-12-03"
    # without own = yes, and without a citation, the row says nothing it can be taken for
    path.write_text(",".join(CITATION_COLUMNS) + "\n" f"{BREAK},,,,,,,,,,,,,date,1960,,normal,,,,\n",
                    encoding="utf-8")
    refused = cli(url, "import", str(path))
    assert refused.exit_code == 1 and "own must be 'yes'" in refused.stderr


def test_the_plain_and_the_claims_statement_write_the_same_bytes(cli, seeded):
    """While no claim says more than its event (the common case) the export takes a plainer statement and adds
    the empty claim cells itself; once one does, every other row is written byte for byte as before."""
    url, engine = seeded
    without_the_seeds_claims(engine)
    plain = _ok(cli(url, "export", "--per-citation")).stdout
    own = json.loads(_ok(cli(url, "claims", BREAK, "-f", "json")).stdout)[0]["id"]
    _ok(cli(url, "rank", f"k{own}", "normal", "--reason", "dated by Duka"))
    with_claims = _ok(cli(url, "export", "--per-citation")).stdout.splitlines()
    marked = [line for line in with_claims if re.search(r",k-?[0-9]+,date,", line)]
    assert len(marked) == 1 and marked[0].endswith(",date,1961-12-03,,normal,dated by Duka,,,yes")
    assert [line for line in with_claims if line not in marked] == plain.splitlines()
