"""Relative dating (issue 16, item 3): before, after and during claims, the bounds they derive, and the
contradictions `check` finds. The pure rule first, then every scenario on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from write_sample import counts

from relations_db.domain import relative as rel
from relations_db.domain.edtf_calendar import day_number
from relations_db.errors import UserError
from relations_db.store import db

BREAK = "1961-12-03-soviet-union-breaks-relations"
VISIT = "1959-khrushchev-visits-albania"
LEAVE = "1961-06-04-soviet-submarines-leave-vlore"
DISPUTE = "1961-dispute-over-vlore-submarines"
FIXTURE_QUOTE = "Khrushchev came to Albania after the break of relations"
DUKA_WORDS = "the Soviet Union has ended the relations with Albania"


# --- the rule, without a database --------------------------------------------------------------------------------


def _bounds(first: str, last: str | None = None, claim: int = 0) -> rel.Bounds:
    """Bounds from ISO days ('1961-06-04'); a missing end is open."""
    def day(iso: str | None) -> int | None:
        if iso is None:
            return None
        sign = -1 if iso.startswith("-") else 1
        y, m, d = iso.lstrip("-").split("-")
        return day_number(sign * int(y), int(m), int(d))
    return rel.Bounds(day(first), day(last or first) if last != "" else None, claim, claim)


def test_durations_convert_conservatively_28_or_31_days_a_month():
    assert rel.least_days("3M") == 84 and rel.most_days("3M") == 93
    assert rel.least_days("1Y") == 365 and rel.most_days("1Y") == 366
    assert rel.least_days("10D") == rel.most_days("10d") == 10 and rel.least_days("2W") == 14
    assert rel.normal_duration("3m") == "3M" and rel.duration_label("1Y") == "1 year"
    for bad in ("3", "M", "3 months", "-1M", "1.5Y", ""):
        with pytest.raises(UserError, match="not a duration"):
            rel.duration(bad)


def test_before_allows_the_same_day_and_after_is_the_reverse():
    bounds = {1: _bounds("1961-06-04", claim=11), 2: _bounds("1961-06-04", claim=12)}
    assert rel.conflicts([rel.Relative(5, 1, "before", 2)], bounds) == []
    assert rel.conflicts([rel.Relative(5, 1, "after", 2)], bounds) == []
    bounds[2] = _bounds("1961-06-03", claim=12)
    assert rel.conflicts([rel.Relative(5, 1, "before", 2)], bounds) == [[5, 11, 12]]
    assert rel.conflicts([rel.Relative(5, 1, "after", 2)], bounds) == []


def test_gaps_use_the_conservative_conversion():
    bounds = {1: _bounds("1961-01-01", claim=11), 2: _bounds("1961-03-31", claim=12)}  # 89 days apart
    assert rel.conflicts([rel.Relative(5, 1, "before", 2, at_least="3M")], bounds) == []  # 84 ≤ 89
    assert rel.conflicts([rel.Relative(5, 1, "before", 2, at_least="13W")], bounds) == [[5, 11, 12]]  # 91 > 89
    assert rel.conflicts([rel.Relative(5, 2, "after", 1, at_most="2M")], bounds) == [[5, 11, 12]]  # 62 < 89
    assert rel.conflicts([rel.Relative(5, 2, "after", 1, at_most="3M")], bounds) == []  # 93 ≥ 89


def test_during_keeps_the_event_within_the_other():
    bounds = {1: _bounds("1961-06-04", claim=11), 2: _bounds("1961-01-01", "1961-12-31", claim=12)}
    assert rel.conflicts([rel.Relative(5, 1, "during", 2)], bounds) == []
    bounds[1] = _bounds("1962-01-01", claim=11)
    assert rel.conflicts([rel.Relative(5, 1, "during", 2)], bounds) == [[5, 11, 12]]


def test_open_ends_impose_no_bound_and_an_undated_event_takes_the_derived_bounds():
    bounds = {1: _bounds("1959-01-01", "", claim=11), 2: _bounds("1961-12-03", claim=12)}  # 1959/..
    assert rel.conflicts([rel.Relative(5, 1, "after", 2)], bounds) == []
    derived = rel.derived([rel.Relative(5, 3, "after", 2, at_least="1M"), rel.Relative(6, 3, "before", 1)],
                          {2: bounds[2], 1: _bounds("1962-06-01", claim=11)})
    assert derived is not None
    assert (derived[3].not_before, derived[3].not_after) == (_bounds("1961-12-31").start_day,
                                                             _bounds("1962-06-01").end_day)


def test_bc_dates_work_on_negative_day_numbers():
    caesar = {1: _bounds("-0043-03-15", claim=11), 2: _bounds("-0030-08-12", claim=12)}
    assert _bounds("-0043-03-15").start_day < 0
    assert rel.conflicts([rel.Relative(5, 1, "before", 2, at_least="10Y")], caesar) == []
    assert rel.conflicts([rel.Relative(5, 1, "before", 2, at_least="14Y")], caesar) == [[5, 11, 12]]
    assert rel.conflicts([rel.Relative(5, 1, "after", 2)], caesar) == [[5, 11, 12]]


def test_a_contradiction_is_reported_as_a_minimal_set_of_claims():
    # A before B before C, C before A: the cycle of three relative claims, not the date of D also linked
    claims = [rel.Relative(1, 10, "before", 20, at_least="1D"), rel.Relative(2, 20, "before", 30),
              rel.Relative(3, 30, "before", 10), rel.Relative(4, 40, "during", 10)]
    assert rel.conflicts(claims, {40: _bounds("1961-01-01", claim=9)}) == [[1, 2, 3]]
    # two independent contradictions in one component are both found
    bounds = {1: _bounds("1961-06-04", claim=11), 2: _bounds("1959-01-01", claim=12),
              3: _bounds("1958-01-01", claim=13)}
    found = rel.conflicts([rel.Relative(5, 2, "after", 1), rel.Relative(6, 3, "after", 1)], bounds)
    assert found == [[5, 11, 12], [6, 11, 13]]
    # a redundant claim on the cycle is left out: only an irreducible set is named
    found = rel.conflicts([rel.Relative(5, 2, "after", 1), rel.Relative(7, 2, "during", 1)], bounds)
    assert all(len(c) == 3 for c in found) and [5, 11, 12] in found


def test_the_rule_scales_to_50000_claims_one_component_at_a_time():
    import random
    import time

    rng = random.Random(16)
    bounds = {i: rel.Bounds(700_000 + 3 * i, 700_000 + 3 * i + rng.randrange(30), i, i) for i in range(100_000)}
    claims = []
    for n in range(50_000):
        a, b = rng.randrange(100_000), rng.randrange(100_000)
        if a != b:
            claims.append(rel.Relative(1_000_000 + n, max(a, b), "after", min(a, b)))
    started = time.perf_counter()
    assert rel.conflicts(claims, bounds) == []
    assert time.perf_counter() - started < 30


# --- on both backends ---------------------------------------------------------------------------------------------


def _add_fixture_source(cli, url: str) -> None:
    added = cli(url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author", "Fixture, A.",
                "--year", "2022", "--title", "A second paper on Albanian-Soviet relations")
    assert added.exit_code == 0, added.stderr


def _cite(*args: str) -> list[str]:
    return [*args, "--source", "second-paper-2022", "--locator", "p. 7"]


def test_the_seeds_own_relative_claims_are_information_not_an_error(cli, tmp_path):
    """The paper dates the Vlorë dispute "after breaking relations" (3 December 1961) and before the submarines
    left (4 June 1961): recorded with the June date and the `before` claim preferred, `check` reports it as
    information naming the three events, and finds no error in the seed."""
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    assert cli(url, "db", "seed").exit_code == 0
    checked = cli(url, "check", "-f", "json")
    assert checked.exit_code == 0, checked.stderr
    findings = json.loads(checked.stdout)
    (ranked,) = [f for f in findings if f["rule"] == "relative-conflict-ranked"]
    assert [r["key"] for r in ranked["records"]] == [DISPUTE, LEAVE, BREAK]
    assert not [f for f in findings if f["severity"] == "error"]


def _findings(cli, url: str, rule: str) -> list[dict]:
    checked = cli(url, "check", "--rule", rule, "-f", "json")
    return json.loads(checked.stdout)


def test_a_visit_after_the_break_contradicts_the_dates_until_the_claim_goes(cli, bare_url):
    _add_fixture_source(cli, bare_url)
    assert _findings(cli, bare_url, "relative-conflict") == []
    added = cli(bare_url, "add", "claim", VISIT, *_cite("--after", BREAK, "--quote", FIXTURE_QUOTE))
    assert added.exit_code == 0, added.stderr
    claim = added.stdout.strip()
    checked = cli(bare_url, "check", "-f", "json")
    assert checked.exit_code == 1
    (found,) = [f for f in json.loads(checked.stdout) if f["rule"] == "relative-conflict"]
    assert found["severity"] == "error"
    assert found["records"] == [{"type": "event", "key": VISIT}, {"type": "event", "key": BREAK}]
    message = " ".join(found["message"].split())
    assert f"{claim} of {VISIT}: after {BREAK}" in message and FIXTURE_QUOTE in message
    assert DUKA_WORDS in message and "1959 (normal)" in message and "3 December 1961 (normal)" in message
    assert claim in found["fix"]

    # show says the relative claims contradict, on the event that has them
    shown = json.loads(cli(bare_url, "show", VISIT, "-f", "json").stdout)
    assert shown["derived"] == {"not_before": None, "not_after": None, "contradiction": True}

    removed = cli(bare_url, "remove", "claim", claim, "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert f"after claim {BREAK}" in removed.stderr
    assert _findings(cli, bare_url, "relative-conflict") == []
    assert "derived" not in json.loads(cli(bare_url, "show", VISIT, "-f", "json").stdout)


def test_ranking_a_side_preferred_makes_the_finding_information(cli, bare_url):
    _add_fixture_source(cli, bare_url)
    claim = cli(bare_url, "add", "claim", VISIT, *_cite("--after", BREAK)).stdout.strip()
    assert cli(bare_url, "rank", claim, "preferred").exit_code == 0
    assert _findings(cli, bare_url, "relative-conflict") == []
    (found,) = _findings(cli, bare_url, "relative-conflict-ranked")
    assert found["severity"] == "info"
    assert cli(bare_url, "rank", claim, "deprecated").exit_code == 0
    assert _findings(cli, bare_url, "relative-conflict-ranked") == []


def test_the_vlora_dispute_after_the_submarines_left_shows_derived_bounds(cli, bare_url):
    added = cli(bare_url, "add", "claim", DISPUTE, "--after", LEAVE, "--at-least", "1M", "--source", "lala-2014",
                "--locator", "p. 344", "--quote", "after breaking relations")
    assert added.exit_code == 0, added.stderr
    shown = json.loads(cli(bare_url, "show", DISPUTE, "-f", "json").stdout)
    assert shown["derived"] == {"not_before": "1961-07-02", "not_after": None, "contradiction": False}
    (claim,) = [c for c in shown["claims"] if c["kind"] == "after"]
    assert claim["value"] == f"after {LEAVE} (at least 1 month)"
    assert (claim["other_event"], claim["at_least"], claim["at_most"]) == (LEAVE, "1M", None)
    for width in ("80", "120"):
        text = cli(bare_url, "show", DISPUTE, env={"COLUMNS": width}).stdout
        assert "Derived from relative claims: not before 2 July 1961" in " ".join(text.split())
        assert f"{added.stdout.strip()} after {LEAVE} (at least 1 month) · normal" in " ".join(text.split())
        assert all(len(line) <= int(width) for line in text.splitlines())
    # the same citation again adds no second claim
    again = cli(bare_url, "add", "claim", DISPUTE, "--after", LEAVE, "--at-least", "1m", "--source", "lala-2014",
                "--locator", "p. 344", "--quote", "after breaking relations")
    assert again.exit_code == 0 and again.stdout == added.stdout and "Cited claim" in again.stderr
    # edit: other gaps, then clear them
    edited = cli(bare_url, "edit", "claim", added.stdout.strip(), "--at-least", "2M", "--at-most", "6M")
    assert edited.exit_code == 0, edited.stderr
    shown = json.loads(cli(bare_url, "show", DISPUTE, "-f", "json").stdout)
    assert shown["derived"]["not_before"] == "1961-07-30"
    assert cli(bare_url, "edit", "claim", added.stdout.strip(), "--at-least", "", "--at-most", "").exit_code == 0
    shown = json.loads(cli(bare_url, "show", DISPUTE, "-f", "json").stdout)
    assert shown["derived"]["not_before"] == "1961-06-04"


def test_an_event_whose_dates_are_all_deprecated_takes_the_derived_interval(cli, bare_url):
    for args in (("--after", LEAVE), ("--before", BREAK)):
        assert cli(bare_url, "add", "claim", DISPUTE, *args, "--source", "lala-2014", "--locator", "p. 344"
                   ).exit_code == 0
    (dated,) = [c for c in json.loads(cli(bare_url, "claims", DISPUTE, "-f", "json").stdout)
                if c["kind"] == "date"]
    ranked = cli(bare_url, "rank", f"k{dated['id']}", "deprecated", "--reason", "the year is a guess")
    assert ranked.exit_code == 0, ranked.stderr
    shown = json.loads(cli(bare_url, "show", DISPUTE, "-f", "json").stdout)
    assert (shown["date"], shown["start"], shown["end"]) == ("1961-06-04/1961-12-03", "1961-06-04", "1961-12-03")


def test_show_reads_the_same_on_both_read_paths(cli, monkeypatch, bare_url):
    if not bare_url.startswith("sqlite"):
        pytest.skip("the fast path is SQLite's")
    from test_sqlite_fast import _both_ways

    assert cli(bare_url, "add", "claim", DISPUTE, "--after", LEAVE, "--at-least", "1M", "--source",
               "lala-2014").exit_code == 0
    for args in (["show", DISPUTE], ["show", DISPUTE, "-f", "json"], ["show", LEAVE, "-f", "json"]):
        fast, slow, reached = _both_ways(cli, monkeypatch, bare_url, args)
        assert not reached and fast.stdout_bytes == slow.stdout_bytes and fast.exit_code == 0, args


@pytest.mark.parametrize("args, words", [
    (("--after", DISPUTE), "itself"),
    (("--after", "1961-12-03-soviet-union-breaks-relation"), "did you mean"),
    (("--at-least", "3M"), "before or after"),
    (("--during", BREAK, "--at-most", "3M"), "before or after"),
    (("--after", BREAK, "--at-least", "3 months"), "not a duration"),
    (("--after", BREAK, "--at-least", "1Y", "--at-most", "3M"), "at least 1 year and at most 3 months"),
    (("--after", BREAK, "--before", LEAVE), "exactly one"),
    (("--after", BREAK, "--date", "1961"), "exactly one"),
])
def test_a_bad_relative_claim_is_refused_with_one_line_and_nothing_is_written(cli, bare_url, args, words):
    engine = db.make_engine(bare_url)
    before = counts(engine)
    result = cli(bare_url, "add", "claim", DISPUTE, *args, "--source", "lala-2014", "--locator", "p. 1")
    assert result.exit_code == 1 and words in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert counts(engine) == before
    engine.dispose()


def test_a_bad_relative_edit_is_refused_and_nothing_is_written(cli, bare_url):
    claim = cli(bare_url, "add", "claim", DISPUTE, "--after", LEAVE, "--source", "lala-2014").stdout.strip()
    engine = db.make_engine(bare_url)
    before = counts(engine)
    for args, words in ((("--after", DISPUTE), "itself"), (("--before", BREAK), "after claim"),
                        (("--date", "1961"), "an after claim"), (("--at-least", "x"), "not a duration")):
        result = cli(bare_url, "edit", "claim", claim, *args)
        assert result.exit_code == 1 and words in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert counts(engine) == before
    engine.dispose()
    edited = cli(bare_url, "edit", "claim", claim, "--after", BREAK)
    assert edited.exit_code == 0 and "Changed" in edited.stderr
    (found,) = [c for c in json.loads(cli(bare_url, "claims", DISPUTE, "-f", "json").stdout)
                if c["kind"] == "after"]
    assert found["other_event"] == BREAK


def test_removing_an_event_removes_the_relative_claims_that_name_it_and_says_so(cli, bare_url):
    for event in (DISPUTE, VISIT):
        assert cli(bare_url, "add", "claim", event, "--before", BREAK, "--source", "lala-2014").exit_code == 0
    removed = cli(bare_url, "remove", "event", BREAK, "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert "and 2 relative claims that named it." in removed.stderr
    for event in (DISPUTE, VISIT):
        kinds = [c["kind"] for c in json.loads(cli(bare_url, "claims", event, "-f", "json").stdout)]
        assert "before" not in kinds


def test_merging_an_event_repoints_the_relative_claims_that_name_it(cli, bare_url):
    assert cli(bare_url, "add", "claim", DISPUTE, "--after", LEAVE, "--source", "lala-2014").exit_code == 0
    assert cli(bare_url, "add", "claim", VISIT, "--before", LEAVE, "--source", "lala-2014").exit_code == 0
    merged = cli(bare_url, "merge", "event", DISPUTE, LEAVE, "--yes")
    assert merged.exit_code == 0, merged.stderr
    assert "1 relative claim" in merged.stderr and "1 dropped relative claim" in merged.stderr
    (kept,) = [c for c in json.loads(cli(bare_url, "claims", VISIT, "-f", "json").stdout) if c["kind"] == "before"]
    assert kept["other_event"] == DISPUTE
    kinds = [c["kind"] for c in json.loads(cli(bare_url, "claims", DISPUTE, "-f", "json").stdout)]
    assert "after" not in kinds  # it would have named its own event


def test_a_gap_in_weeks_goes_out_in_yaml_and_comes_back(cli, bare_url, tmp_path):
    """Whatever gap `add claim` accepts, a YAML export writes and an import reads back (the seed format checks
    durations by the same rule)."""
    assert cli(bare_url, "add", "claim", DISPUTE, "--after", LEAVE, "--at-least", "2w", "--source", "lala-2014",
               "--locator", "p. 344", "--quote", "after breaking relations").exit_code == 0
    exported = tmp_path / "all.yaml"
    assert cli(bare_url, "export", "--format", "yaml", "-o", str(exported)).exit_code == 0
    assert "at_least: 2W" in exported.read_text(encoding="utf-8")
    again = f"sqlite:///{tmp_path / 'again.db'}"
    assert cli(again, "db", "upgrade").exit_code == 0
    imported = cli(again, "import", str(exported))
    assert imported.exit_code == 0, imported.stderr
    claims = json.loads(cli(again, "claims", DISPUTE, "-f", "json").stdout)
    assert [(c["other_event"], c["at_least"]) for c in claims if c["kind"] == "after"] == [(LEAVE, "2W")]
