"""Claims (issue 16, first phase): sources that disagree on a date, each with its evidence and rank.

The source from outside the paper is a test fixture here, never seed data: a second paper that dates the break
of relations to 1959. Every scenario runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
import json

import pytest
from sqlalchemy import exists, func, select, text
from write_sample import counts, without_the_seeds_claims

from relations_db.domain.claims import DateClaim, date_outcome, disjoint_pairs
from relations_db.store import db
from relations_db.store.own_claims import all_claims
from relations_db.store.schema import participations

BREAK = "1961-12-03-soviet-union-breaks-relations"
ONE_DATE = "1961-05-29-balluku-meets-andrejev"
DUKA_WORDS = "the Soviet Union has ended the relations with Albania"
FIXTURE_QUOTE = "the diplomatic relations between Moscow and Tirana ended in 1959"
MIGRATION = importlib.import_module("relations_db.migrations.versions.0009_claims")
PREDECESSOR = MIGRATION.down_revision  # (the lead re-chains the migrations at merge: never spelled here)


# --- the rule, without a database --------------------------------------------------------------------------------


def _claim(id_: int, text_: str, rank: str = "normal") -> DateClaim:
    from relations_db.domain import dates

    parsed = dates.parse(text_)
    return DateClaim(id_, text_, parsed.start_day, parsed.end_day, rank)


def test_disjoint_best_ranked_dates_are_a_dispute_whose_hull_reaches_both():
    outcome = date_outcome([_claim(1, "1961-12-03"), _claim(2, "1959")])
    assert outcome is not None and outcome.disputed
    assert outcome.shown.date == "1961-12-03"  # the lowest id of the best rank
    assert (outcome.start_from.date, outcome.end_from.date) == ("1959", "1961-12-03")


def test_nested_dates_are_no_dispute_and_the_narrowest_is_shown():
    outcome = date_outcome([_claim(1, "1961"), _claim(2, "1961-12-03")])
    assert outcome is not None and not outcome.disputed
    assert outcome.shown.date == "1961-12-03"
    assert (outcome.start_day, outcome.end_day) == (_claim(0, "1961").start_day, _claim(0, "1961").end_day)


def test_a_preferred_claim_wins_and_a_deprecated_one_is_never_shown():
    outcome = date_outcome([_claim(1, "1959"), _claim(2, "1961", "preferred")])
    assert outcome is not None and not outcome.disputed and outcome.shown.date == "1961"
    outcome = date_outcome([_claim(1, "1959", "deprecated"), _claim(2, "1961")])
    assert outcome is not None and outcome.shown.date == "1961" and outcome.start_day == _claim(0, "1961").start_day
    assert date_outcome([_claim(1, "1959", "deprecated")]) is None


def test_an_open_end_reaches_every_day_on_its_side():
    assert disjoint_pairs([_claim(1, "1957/.."), _claim(2, "1961")]) == []
    assert [(a.id, b.id) for a, b in disjoint_pairs([_claim(1, "../1948"), _claim(2, "1961")])] == [(1, 2)]


# --- the first "done when", on both backends ----------------------------------------------------------


def _add_fixture_source(cli, url: str) -> None:
    added = cli(url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author", "Fixture, A.",
                "--year", "2022", "--title", "A second paper on Albanian-Soviet relations")
    assert added.exit_code == 0, added.stderr


def _slugs(cli, url: str, *filters: str) -> set[str]:
    result = cli(url, "events", *filters, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return {e["slug"] for e in json.loads(result.stdout)}


def _claims(cli, url: str) -> list[dict]:
    result = cli(url, "claims", BREAK, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_1959_claim_from_a_second_paper_makes_the_break_disputed_until_1961_is_preferred(cli, seeded_url):
    assert BREAK in _slugs(cli, seeded_url, "--year", "1961")
    assert BREAK not in _slugs(cli, seeded_url, "--year", "1959")
    _add_fixture_source(cli, seeded_url)
    added = cli(seeded_url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022",
                "--locator", "p. 12", "--quote", FIXTURE_QUOTE)
    assert added.exit_code == 0, added.stderr
    assert "disagree" in added.stderr

    # check: the conflict, an error, with both quotations side by side
    checked = cli(seeded_url, "check", "-f", "json")
    assert checked.exit_code == 1
    (conflict,) = [f for f in json.loads(checked.stdout) if f["rule"] == "date-conflict"]
    assert conflict["severity"] == "error" and conflict["records"] == [{"type": "event", "key": BREAK}]
    assert DUKA_WORDS in conflict["message"] and FIXTURE_QUOTE in conflict["message"]

    # show: both claims, the disputed dates, the text saying so
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert shown["disputed"] is True and shown["dates"] == ["1961-12-03", "1959"]
    dated = [c for c in shown["claims"] if c["kind"] == "date"]
    assert [(c["date"], c["shown"]) for c in dated] == [("1961-12-03", True), ("1959", True)]
    assert [e["quote"] for e in dated[1]["evidence"]] == [FIXTURE_QUOTE]
    assert any(DUKA_WORDS in (e["quote"] or "") for e in dated[0]["evidence"])
    text_ = cli(seeded_url, "show", BREAK).stdout
    assert "3 December 1961 or 1959 — sources disagree" in text_
    assert FIXTURE_QUOTE in " ".join(text_.split())

    # the date filters: either year lists it, the year between does not
    assert BREAK in _slugs(cli, seeded_url, "--year", "1959")
    assert BREAK in _slugs(cli, seeded_url, "--year", "1961")
    assert BREAK not in _slugs(cli, seeded_url, "--from", "1960", "--to", "1960")
    assert BREAK not in _slugs(cli, seeded_url, "--year", "1960")
    assert BREAK in _slugs(cli, seeded_url, "--from", "1955", "--to", "1959")
    # a list says so too: JSON with `disputed` and `dates`, the chronology with both dates
    (listed,) = [e for e in json.loads(cli(seeded_url, "events", "--year", "1959", "-f", "json").stdout)
                 if e["slug"] == BREAK]
    assert (listed["disputed"], listed["dates"]) == (True, ["1961-12-03", "1959"])
    chronology = " ".join(cli(seeded_url, "chronology", "--year", "1959").stdout.split())
    assert "3 December 1961 or 1959 — sources disagree: The Soviet Union breaks off relations" in chronology

    # ranking the 1961 claim preferred: 1961 shown, 1959 a note, the finding information
    own = next(c for c in dated if c["date"] == "1961-12-03")
    ranked = cli(seeded_url, "rank", f"k{own['id']}", "preferred", "--reason", "Duka quotes the note of the day")
    assert ranked.exit_code == 0, ranked.stderr
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert "disputed" not in shown and (shown["date"], shown["start"], shown["end"]) == (
        "1961-12-03", "1961-12-03", "1961-12-03")
    text_ = cli(seeded_url, "show", BREAK).stdout
    assert "sources disagree" not in text_ and "Note: Fixture 2022 gives 1959 (normal)." in text_
    assert BREAK not in _slugs(cli, seeded_url, "--year", "1959")
    (listed,) = [e for e in json.loads(cli(seeded_url, "events", "--year", "1961", "-f", "json").stdout)
                 if e["slug"] == BREAK]
    assert "disputed" not in listed and "dates" not in listed
    checked = cli(seeded_url, "check", "-f", "json")
    rules = {f["rule"]: f["severity"] for f in json.loads(checked.stdout)}
    assert "date-conflict" not in rules and rules["date-conflict-ranked"] == "info"


def test_the_same_value_adds_its_citation_to_the_claim_that_has_it(cli, seeded_url):
    _add_fixture_source(cli, seeded_url)
    before = [c for c in _claims(cli, seeded_url) if c["kind"] == "date"]
    added = cli(seeded_url, "add", "claim", BREAK, "--date", "1961-12-03", "--source", "second-paper-2022",
                "--locator", "p. 3", "--quote", "on 3 December 1961")
    assert added.exit_code == 0, added.stderr
    after = [c for c in _claims(cli, seeded_url) if c["kind"] == "date"]
    assert [c["id"] for c in after] == [c["id"] for c in before]
    # (the seed links the abstract to the date explicitly: it speaks to the participants' roles too)
    linked = [e["quote"] for e in after[0]["evidence"] if not e["implicit"]]
    assert linked[-1] == "on 3 December 1961" and len(linked) == 2 and "they decided to disconnect" in linked[0]
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert "disputed" not in shown and len(shown["citations"]) == len(before[0]["evidence"]) + 1


def test_a_disputing_citation_never_hides_a_claim(cli, seeded_url):
    _add_fixture_source(cli, seeded_url)
    added = cli(seeded_url, "add", "claim", BREAK, "--date", "1961-12-03", "--stance", "disputes",
                "--source", "second-paper-2022", "--locator", "p. 4", "--quote", "not in December")
    assert added.exit_code == 0, added.stderr
    (dated,) = [c for c in _claims(cli, seeded_url) if c["kind"] == "date"]
    # (the seed links the abstract in support: it speaks to the participants' roles too)
    assert dated["shown"] and [e["stance"] for e in dated["evidence"] if not e["implicit"]] == ["supports",
                                                                                                "disputes"]


@pytest.mark.parametrize("args, words", [
    (("--date", "1959", "--place", "Moscow"), "exactly one"),
    ((), "exactly one"),
    (("--date", "19x9"), "EDTF"),
    (("--date", "1959", "--rank", "best"), "--rank"),
    (("--place", "Atlantis"), "Atlantis"),
])
def test_a_bad_claim_is_refused_with_one_line_and_nothing_is_written(cli, seeded_url, args, words):
    _add_fixture_source(cli, seeded_url)
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    result = cli(seeded_url, "add", "claim", BREAK, *args, "--source", "second-paper-2022", "--locator", "p. 1")
    assert result.exit_code != 0 and words in result.stderr and "Traceback" not in result.stderr
    assert counts(engine) == before
    engine.dispose()


def test_edit_event_date_edits_the_one_claim_and_is_refused_when_sources_disagree(cli, seeded_url):
    edited = cli(seeded_url, "edit", "event", BREAK, "--date", "1961-12")
    assert edited.exit_code == 0, edited.stderr
    (dated,) = [c for c in _claims(cli, seeded_url) if c["kind"] == "date"]
    assert dated["date"] == "1961-12"
    _add_fixture_source(cli, seeded_url)
    assert cli(seeded_url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022").exit_code == 0
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    refused = cli(seeded_url, "edit", "event", BREAK, "--date", "1961-12-03")
    assert refused.exit_code == 1 and "edit claim" in refused.stderr and "Traceback" not in refused.stderr
    assert counts(engine) == before
    engine.dispose()


def test_add_event_writes_its_own_claims_supported_by_its_citation(cli, seeded_url):
    with db.make_engine(seeded_url).connect() as conn:
        links = conn.execute(text("SELECT count(*) FROM claim_citations")).scalar_one()
    added = cli(seeded_url, "add", "event", "--date", "1962-01", "--title", "A test event of claims", "--type",
                "note", "--actor", "Albania:sender", "--place", "Tirana", "--source", "lala-2014", "--locator",
                "p. 1", "--quote", "a test")
    assert added.exit_code == 0, added.stderr
    slug = added.stdout.strip()
    found = json.loads(cli(seeded_url, "claims", slug, "-f", "json").stdout)
    assert [(c["kind"], c["value"], c["rank"]) for c in found] == [
        ("date", "1962-01", "normal"), ("place", "Tirana", "normal"), ("participant", "Albania (sender)", "normal")]
    assert all([e["implicit"] for e in c["evidence"]] == [True] for c in found)
    with db.make_engine(seeded_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claim_citations")).scalar_one() == links


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl"])
def test_claims_lists_in_every_format(cli, seeded_url, fmt):
    result = cli(seeded_url, "claims", BREAK, "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert "1961-12-03" in result.stdout and "Soviet Union" in result.stdout


# --- the migration ----------------------------------------------------------------------------------------------


def test_the_migration_gives_every_event_its_own_claims_and_comes_back_losslessly(cli, seeded_url):
    engine = db.make_engine(seeded_url)
    without_the_seeds_claims(engine)
    before = cli(seeded_url, "export", "--format", "json").stdout
    shown = cli(seeded_url, "show", BREAK, "-f", "json").stdout
    assert db.downgrade_losses(engine, PREDECESSOR) == []
    db.downgrade(engine, PREDECESSOR)
    db.upgrade(engine, MIGRATION.revision)
    with engine.connect() as conn:
        events, placed, parts, claims, own_dates = (conn.execute(text(sql)).scalar_one() for sql in (
            "SELECT count(*) FROM events", "SELECT count(*) FROM events WHERE place_id IS NOT NULL",
            "SELECT count(*) FROM participations", "SELECT count(*) FROM claims",
            "SELECT count(*) FROM claims c JOIN events e ON e.id = c.event_id WHERE c.kind = 'date' "
            "AND c.date = e.date AND c.start_day = e.start_day AND c.own"))
    assert claims == events + placed + parts and own_dates == events
    db.upgrade(engine)
    assert cli(seeded_url, "export", "--format", "json").stdout == before
    assert cli(seeded_url, "show", BREAK, "-f", "json").stdout == shown
    engine.dispose()


def test_the_downgrade_says_what_it_would_drop_and_refuses_without_yes(cli, seeded_url):
    stripping = db.make_engine(seeded_url)
    without_the_seeds_claims(stripping)
    stripping.dispose()
    _add_fixture_source(cli, seeded_url)
    assert cli(seeded_url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022").exit_code == 0
    engine = db.make_engine(seeded_url)
    assert db.downgrade_losses(engine, PREDECESSOR) == [
        # (both sides of the disagreement: the event's own 1961 claim is no longer all it says of its date)
        "2 claims beyond the events' own date, place and participants (other sources' values, ranks, reasons)",
        "1 link of a citation to the claim it supports or disputes",
        "the disagreement of 1 disputed event (each would keep the date it shows)"]
    refused = cli(seeded_url, "db", "downgrade", PREDECESSOR)
    assert refused.exit_code != 0 and "--yes" in refused.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims c JOIN events e ON e.id = c.event_id WHERE e.slug = :s "
                                 "AND c.kind = 'date'"), {"s": BREAK}).scalar() == 2
    # with --yes: the event keeps the date it shows, with that date's own days (`check` finds nothing amiss)
    assert cli(seeded_url, "db", "downgrade", PREDECESSOR, "--yes").exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT date, start_iso, end_iso FROM events WHERE slug = :s"), {"s": BREAK}).one() \
            == ("1961-12-03", "1961-12-03", "1961-12-03")
    db.upgrade(engine)
    checked = json.loads(cli(seeded_url, "check", "-f", "json").stdout)
    assert not [f for f in checked if f["rule"] in ("date-out-of-step", "date-conflict")]
    engine.dispose()


# --- correcting and removing claims ------------------------------------------------------------------------------


def _dispute(cli, url: str) -> int:
    _add_fixture_source(cli, url)
    added = cli(url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022", "--locator", "p. 12",
                "--quote", FIXTURE_QUOTE)
    assert added.exit_code == 0, added.stderr
    return int(added.stdout.strip().lstrip("k"))


def test_edit_claim_corrects_its_value_and_the_event_follows(cli, seeded_url):
    claim = _dispute(cli, seeded_url)
    edited = cli(seeded_url, "edit", "claim", f"k{claim}", "--date", "1961", "--reason", "the paper's year")
    assert edited.exit_code == 0, edited.stderr
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    # 1961 and 1961-12-03 are nested: no dispute, the narrowest shown, the days the hull of both
    assert "disputed" not in shown and (shown["date"], shown["start"], shown["end"]) == (
        "1961-12-03", "1961-01-01", "1961-12-31")
    assert [(c["date"], c["reason"]) for c in shown["claims"] if c["kind"] == "date"] == [
        ("1961-12-03", None), ("1961", "the paper's year")]
    checked = json.loads(cli(seeded_url, "check", "-f", "json").stdout)
    assert not [f for f in checked if f["rule"] in ("date-out-of-step", "date-conflict")]


@pytest.mark.parametrize("args, words", [
    (("--place", "Tirana"), "is a date claim"),
    (("--date", "1961-12-03"), "already says that"),
    (("--date", "19x9"), "EDTF"),
])
def test_a_bad_claim_edit_is_refused_and_nothing_is_written(cli, seeded_url, args, words):
    claim = _dispute(cli, seeded_url)
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    result = cli(seeded_url, "edit", "claim", f"k{claim}", *args)
    assert result.exit_code == 1 and words in result.stderr and "Traceback" not in result.stderr
    assert counts(engine) == before
    assert json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)["disputed"] is True
    engine.dispose()


def test_remove_claim_ends_the_dispute_and_an_events_only_date_cannot_go(cli, seeded_url):
    claim = _dispute(cli, seeded_url)
    assert cli(seeded_url, "remove", "claim", f"k{claim}").exit_code == 1  # (no terminal: --yes is required)
    removed = cli(seeded_url, "remove", "claim", f"k{claim}", "--yes")
    assert removed.exit_code == 0, removed.stderr
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert "disputed" not in shown and shown["start"] == "1961-12-03"
    assert BREAK not in _slugs(cli, seeded_url, "--year", "1959")
    (own,) = [c for c in shown["claims"] if c["kind"] == "date"]
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    refused = cli(seeded_url, "remove", "claim", f"k{own['id']}", "--yes")
    assert refused.exit_code == 1 and "only date" in refused.stderr
    assert counts(engine) == before
    engine.dispose()


def test_merging_events_keeps_every_participant_claimed(cli, seeded_url):
    merged = cli(seeded_url, "merge", "event", BREAK, "1960-relations-become-irreparable", "--yes")
    assert merged.exit_code == 0, merged.stderr
    with db.make_engine(seeded_url).connect() as conn:
        every, p = all_claims(), participations  # (an own claim may have no row)
        unclaimed = conn.execute(select(func.count()).select_from(p).where(~exists().where(
            every.c.participation_id == p.c.id, every.c.event_id == p.c.event_id))).scalar_one()
    assert unclaimed == 0
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert {a["name"] for a in shown["actors"]} == {c["actor"] for c in shown["claims"] if c["kind"] == "participant"}


def test_a_csv_import_gives_its_new_events_their_own_claims(cli, seeded_url, tmp_path):
    exported = tmp_path / "break.csv"
    assert cli(seeded_url, "export", "--year", "1961", "--format", "csv", "-o", str(exported)).exit_code == 0
    assert cli(seeded_url, "remove", "event", BREAK, "--yes").exit_code == 0
    imported = cli(seeded_url, "import", str(exported))  # (the other events of 1961 match and stay as they are)
    assert imported.exit_code == 0, imported.stderr
    (slug,) = [e["slug"] for e in json.loads(cli(seeded_url, "events", "--year", "1961", "-f", "json").stdout)
               if e["title"] == "The Soviet Union breaks off relations with Albania"]
    found = json.loads(cli(seeded_url, "claims", slug, "-f", "json").stdout)
    assert [c["kind"] for c in found][0] == "date" and found[0]["date"] == "1961-12-03"
    assert {c["kind"] for c in found} >= {"date", "participant"}


def test_an_import_does_not_choose_between_disagreeing_sources(cli, seeded_url, tmp_path):
    _dispute(cli, seeded_url)
    exported = tmp_path / "1961.yaml"
    assert cli(seeded_url, "export", "--year", "1961", "--format", "yaml", "-o", str(exported)).exit_code == 0
    # exported as it is, the disputed event's shown date imports back unchanged: its claims and hull stay
    assert cli(seeded_url, "import", str(exported)).exit_code == 0
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert shown["disputed"] is True and shown["dates"] == ["1961-12-03", "1959"] and shown["date"] == "1961-12-03"
    yaml = exported.read_text(encoding="utf-8")
    one = f"- slug: {ONE_DATE}\n  kind: meeting\n  date: '1961-05-29'\n"
    assert one in yaml
    yaml = yaml.replace(one, one[:-7] + "05-30'\n")  # (the day and month: "05-29'\n")
    exported.write_text(yaml, encoding="utf-8")
    # an event with one date claim takes the imported date, in its claim too
    assert cli(seeded_url, "import", str(exported)).exit_code == 0
    (dated,) = [c for c in json.loads(cli(seeded_url, "claims", ONE_DATE, "-f", "json").stdout) if c["kind"] == "date"]
    assert dated["date"] == "1961-05-30"
    # a file that would change the disputed event's date is refused in one line, and nothing is written
    moved = f"- slug: {BREAK}\n  date: '1961-12-03'\n"
    assert moved in yaml
    exported.write_text(yaml.replace(moved, moved[:-7] + "12-04'\n").replace("05-30'", "05-31'"), encoding="utf-8")
    refused = cli(seeded_url, "import", str(exported))
    assert refused.exit_code != 0 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert BREAK in refused.stderr and "edit claim" in refused.stderr and "nothing was written" in refused.stderr
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert shown["dates"] == ["1961-12-03", "1959"] and shown["start"] == "1959-01-01"
    assert json.loads(cli(seeded_url, "show", ONE_DATE, "-f", "json").stdout)["date"] == "1961-05-30"


def test_a_csv_import_does_not_change_a_disputed_date(cli, seeded_url, tmp_path):
    _dispute(cli, seeded_url)
    exported = tmp_path / "1961.csv"
    assert cli(seeded_url, "export", "--year", "1961", "--format", "csv", "-o", str(exported)).exit_code == 0
    # exported as it is, the file matches every event and changes nothing
    assert cli(seeded_url, "import", str(exported)).exit_code == 0
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert shown["disputed"] is True and shown["dates"] == ["1961-12-03", "1959"]
    lines = exported.read_text(encoding="utf-8").splitlines()
    (at,) = [i for i, line in enumerate(lines) if BREAK in line]
    lines[at] = lines[at].replace("1961-12-03", "1961-12-04", 1)
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = cli(seeded_url, "import", str(exported))
    assert refused.exit_code != 0 and "Traceback" not in refused.stderr
    assert BREAK in refused.stderr and "edit claim" in refused.stderr
    shown = json.loads(cli(seeded_url, "show", BREAK, "-f", "json").stdout)
    assert shown["dates"] == ["1961-12-03", "1959"] and shown["date"] == "1961-12-03"


def test_own_claims_have_no_rows_until_touched_and_new_claims_are_numbered_above_them(cli, seeded_url):
    """`add event` writes no claim row; its claims carry the ids made from it (date k-4·id), which `rank` takes,
    writing the rows of all its own claims under those ids. A claim added then is numbered from 1 up even where
    every row has a negative id (SQLite would number it one above the largest), also several in one flush."""
    from relations_db.domain.vocab import own_claim_id
    from relations_db.store.models import Claim, Event

    engine = db.make_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM claims"))  # (the seed's rows: every claim reads from its event now)
    added = cli(seeded_url, "add", "event", "--date", "1962-01", "--title", "A test event of claims", "--type",
                "note", "--actor", "Albania:sender", "--place", "Tirana", "--source", "lala-2014", "--quote", "a")
    slug = added.stdout.strip()
    with engine.connect() as conn:
        event_id = conn.execute(text("SELECT id FROM events WHERE slug = :s"), {"s": slug}).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM claims")).scalar_one() == 0
    date_id = own_claim_id("date", event_id)
    assert json.loads(cli(seeded_url, "claims", slug, "-f", "json").stdout)[0]["id"] == date_id
    assert cli(seeded_url, "rank", f"k{date_id}", "preferred").exit_code == 0
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT id < 0, kind FROM claims")).all()) == [
            (True, "date"), (True, "participant"), (True, "place")]
    with db.session_scope(engine, write=True) as session:
        event = session.get(Event, event_id)
        event.claims += [Claim(kind="occurred", own=False, rank="normal"),
                         Claim(kind="date", own=False, rank="normal", date="1962")]
        session.flush()
        first, second = sorted(c.id for c in event.claims if not c.own)
    assert 0 < first and second == first + 1  # (SQLite: 1 and 2; PostgreSQL: its sequence's next two)
    assert cli(seeded_url, "rank", f"k{second}", "deprecated").exit_code == 0
    engine.dispose()
