"""Correcting evidence through the command line, on both backends: citations by id, sources and actors edited and
removed, merges of actors, places, sources and events, and a YAML import that updates citations in place.

Every refusal is checked the same way: a one-line message, exit 1, nothing on stdout, and the rows of every table
exactly as they were (`write_sample.counts`).
"""

from __future__ import annotations

import json

import pytest
from write_sample import SAMPLE, counts, load

BREAK = "1961-12-03-break"
VISIT = "1959-05-khrushchev-visits-albania"
BASE = "1957-09-12-base-agreement"
SUBS = "1961-06-04-submarines-leave-vlora"


@pytest.fixture
def url(engine, db_url):
    """A migrated database holding the write sample."""
    load(engine)
    return db_url


def _ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _refused(result, *expected: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for text in expected:
        assert text in result.stderr, result.stderr


def _show(cli, url, ref: str) -> dict:
    return json.loads(_ok(cli(url, "show", ref, "--format", "json")))


def _citation(cli, url, ref: str, source: str) -> dict:
    (found,) = [c for c in _show(cli, url, ref)["citations"] if c["source"] == source]
    return found


# --- citations ------------------------------------------------------------------------------------------------


def test_edit_citation_fixes_a_quote_and_a_page_keeping_its_id(cli, url):
    before = _citation(cli, url, BREAK, "duka-2007")
    assert f"[c{before['id']}]" in _ok(cli(url, "show", BREAK))
    result = cli(url, "edit", "citation", f"c{before['id']}", "--quote", "on 3 December 1961 the Soviet Union ended",
                 "--locator", "p. 412", "--cited-in-locator", "p. 344")
    assert _ok(result) == f"c{before['id']}\n"
    assert result.stderr == f"Changed c{before['id']} of {BREAK}: locator, quote, cited_in_locator.\n"
    after = _citation(cli, url, BREAK, "duka-2007")
    assert after == {**before, "quote": "on 3 December 1961 the Soviet Union ended", "locator": "p. 412",
                     "cited_in_locator": "p. 344", "text": "Duka 2007, p. 412, quoted in Lala 2014, p. 344"}
    # the search text follows the new quotation
    found = json.loads(_ok(cli(url, "events", "--search", "ended", "--format", "json")))
    assert [e["slug"] for e in found] == [BREAK]
    # the bare number works too; '' clears an optional field; the same values again change nothing
    _ok(cli(url, "edit", "citation", str(before["id"]), "--cited-as", "", "--confidence", "4"))
    cleared = _citation(cli, url, BREAK, "duka-2007")
    assert (cleared["cited_as"], cleared["confidence"]) == (None, 4)
    result = cli(url, "edit", "citation", str(before["id"]), "--confidence", "4")
    assert "already says that; nothing changed" in result.stderr and result.exit_code == 0


def test_edit_citation_can_move_it_to_another_source(cli, url):
    cid = _citation(cli, url, BREAK, "duka-2007")["id"]
    _ok(cli(url, "edit", "citation", f"c{cid}", "--source", "Lala 2014", "--cited-in", ""))
    moved = _citation(cli, url, BREAK, "lala-2014")
    assert (moved["id"], moved["cited_in"]) == (cid, None)


def test_citation_refusals_write_nothing(cli, url, engine):
    cid = _citation(cli, url, BREAK, "duka-2007")["id"]
    before = counts(engine)
    _refused(cli(url, "edit", "citation", "x17", "--note", "n"), "'x17' is not a citation id")
    _refused(cli(url, "edit", "citation", "c9999", "--note", "n"), "no citation c9999")
    _refused(cli(url, "edit", "citation", f"c{cid}"), "nothing to change")
    _refused(cli(url, "edit", "citation", f"c{cid}", "--confidence", "7"), "confidence must be")
    _refused(cli(url, "edit", "citation", f"c{cid}", "--source", "nobody-2000"), "no source named 'nobody-2000'")
    _refused(cli(url, "edit", "citation", f"c{cid}", "--source", ""), "cannot be removed from a citation")
    _refused(cli(url, "edit", "citation", f"c{cid}", "--cited-in", "duka-2007"), "quoted in its own source")
    _refused(cli(url, "remove", "citation", f"c{cid}", "--yes"), f"c{cid} is the only citation of '{BREAK}'")
    _refused(cli(url, "remove", "citation", f"c{cid}"), "confirm with --yes")
    _refused(cli(url, "remove", "citation", "c9999", "--yes"), "no citation c9999")
    _refused(cli(url, "edit", "event", BREAK, "--remove-citation", "duka-2007"), "remove citation c17")
    assert counts(engine) == before
    # a second citation; making it repeat the first is refused
    _ok(cli(url, "add", "citation", BREAK, "--source", "lala-2014", "--locator", "p. 1", "--quote", "q"))
    second = _citation(cli, url, BREAK, "lala-2014")["id"]
    first = _citation(cli, url, BREAK, "duka-2007")
    before = counts(engine)
    _refused(cli(url, "edit", "citation", f"c{second}", "--source", "duka-2007", "--locator", "",
                 "--quote", first["quote"]), f"would repeat c{first['id']}")
    assert counts(engine) == before


def test_remove_citation_keeps_the_others_and_their_ids(cli, url, engine):
    _ok(cli(url, "add", "citation", BREAK, "--source", "lala-2014", "--locator", "p. 1", "--quote", "q"))
    duka = _citation(cli, url, BREAK, "duka-2007")
    lala = _citation(cli, url, BREAK, "lala-2014")
    result = cli(url, "remove", "citation", str(lala["id"]), "--yes")
    assert _ok(result) == ""
    assert result.stderr == f"Removed c{lala['id']} (lala-2014, p. 1) from {BREAK}; it keeps 1 citation.\n"
    assert _show(cli, url, BREAK)["citations"] == [duka]


def test_remove_citation_asks_in_a_terminal(cli, url, engine, monkeypatch):
    from relations_db.cli import correct

    monkeypatch.setattr(correct, "_interactive", lambda: True)
    _ok(cli(url, "add", "citation", BREAK, "--source", "lala-2014", "--locator", "p. 1", "--quote", "q"))
    lala = _citation(cli, url, BREAK, "lala-2014")["id"]
    before = counts(engine)
    result = cli(url, "remove", "citation", f"c{lala}", input="n\n")
    assert result.exit_code == 1 and f"Remove citation c{lala} (lala-2014, p. 1, of {BREAK})?" in result.stderr
    assert counts(engine) == before
    _ok(cli(url, "remove", "citation", f"c{lala}", input="y\n"))
    assert counts(engine)["citations"] == before["citations"] - 1


# --- sources --------------------------------------------------------------------------------------------------


def test_edit_source_and_its_old_key_keeps_resolving(cli, url):
    result = cli(url, "edit", "source", "duka-2007", "--key", "duka-2007-history", "--publisher", "Toena",
                 "--year", "2008")
    assert _ok(result) == "duka-2007-history\n"
    assert "Changed duka-2007-history: key, year, publisher." in result.stderr
    profile = json.loads(_ok(cli(url, "source", "duka-2007", "--format", "json")))
    assert (profile["key"], profile["publisher"], profile["short"]) == ("duka-2007-history", "Toena", "Duka 2008")
    assert [e["slug"] for e in json.loads(_ok(cli(url, "events", "--source", "duka-2007", "--format", "json")))] \
        == [BREAK]
    _ok(cli(url, "add", "citation", VISIT, "--source", "duka-2007", "--quote", "q"))
    assert _citation(cli, url, VISIT, "duka-2007-history")["quote"] == "q"


def test_source_refusals_write_nothing(cli, url, engine):
    _ok(cli(url, "add", "source", "--key", "other-2000", "--kind", "book", "--title", "Other"))
    _ok(cli(url, "edit", "source", "other-2000", "--key", "other-2001"))
    before = counts(engine)
    _refused(cli(url, "edit", "source", "duka-2007", "--key", "lala-2014"), "already exists")
    _refused(cli(url, "edit", "source", "duka-2007", "--key", "other-2000"), "former key")
    _refused(cli(url, "edit", "source", "duka-2007", "--key", "Bad Key"), "a key is lower-case")
    _refused(cli(url, "edit", "source", "duka-2007", "--year", "20x7"), "year must be")
    _refused(cli(url, "edit", "source", "duka-2007", "--title", ""), "the title is required")
    _refused(cli(url, "edit", "source", "duka-2007"), "nothing to change")
    _refused(cli(url, "add", "source", "--key", "other-2000", "--kind", "book", "--title", "T"), "former key")
    result = cli(url, "remove", "source", "lala-2014", "--yes")
    _refused(result, "'lala-2014' is cited by 4 citations", f"({BREAK})", "merge source OTHER lala-2014")
    _refused(cli(url, "remove", "source", "duka-2007"), "confirm with --yes")
    assert counts(engine) == before
    assert cli(url, "remove", "source", "other-2000", "--yes").stderr == "Removed the source other-2001.\n"
    after = counts(engine)
    assert (after["sources"], after["retired_keys"]) == (before["sources"] - 1, before["retired_keys"] - 1)


# --- actors ---------------------------------------------------------------------------------------------------


def test_edit_actor_name_kind_description_and_aliases(cli, url):
    result = cli(url, "edit", "actor", "grecko", "--name", "Marshal Andrei Grechko", "--kind", "military",
                 "--description", "Soviet defence minister", "--add-alias", "A. Grechko", "--remove-alias", "Grečko",
                 "--add-alias", "Andrei Grechko")
    assert _ok(result) == "Marshal Andrei Grechko\n"
    assert "Changed Marshal Andrei Grechko: name, kind, description, aliases." in result.stderr
    actor = json.loads(_ok(cli(url, "actor", "a. grechko", "--format", "json")))
    assert (actor["name"], actor["kind"], actor["description"]) == \
        ("Marshal Andrei Grechko", "military", "Soviet defence minister")
    assert sorted(actor["aliases"]) == ["A. Grechko", "Andrei Grechko"]  # (the old name, kept once)
    # taking an alias as the name drops it from the aliases; the old name becomes one
    _ok(cli(url, "edit", "actor", "Marshal Andrei Grechko", "--name", "A. Grechko"))
    assert sorted(json.loads(_ok(cli(url, "actor", "marshal andrei grechko", "--format", "json")))["aliases"]) == \
        ["Andrei Grechko", "Marshal Andrei Grechko"]


def test_actor_refusals_write_nothing(cli, url, engine):
    before = counts(engine)
    _refused(cli(url, "edit", "actor", "Grecko", "--name", "Hrushov"), "already names the actor 'Nikita Khrushchev'",
             "merge actor")
    _refused(cli(url, "edit", "actor", "Grecko", "--add-alias", "USSR"), "--add-alias: the alias 'USSR'")
    _refused(cli(url, "edit", "actor", "Grecko", "--remove-alias", "Hrushov"), "--remove-alias: 'Hrushov' is not")
    _refused(cli(url, "edit", "actor", "Grecko", "--name", "--"), "names nothing")
    _refused(cli(url, "edit", "actor", "Grecko"), "nothing to change")
    _refused(cli(url, "edit", "actor", "nobody", "--kind", "person"), "no actor named 'nobody'")
    _refused(cli(url, "remove", "actor", "Albania", "--yes"), "'Albania' takes part in 3 events", BREAK,
             "--remove-actor Albania")
    _refused(cli(url, "remove", "actor", "Grecko"), "confirm with --yes")
    assert counts(engine) == before
    assert cli(url, "remove", "actor", "Grecko", "--yes").stderr == "Removed the actor Andrei Grechko.\n"
    after = counts(engine)
    # (Grečko and Grecko fold to one spelling: one alias row)
    assert (after["actors"], after["actor_aliases"]) == (before["actors"] - 1, before["actor_aliases"] - 1)


# --- merges ---------------------------------------------------------------------------------------------------


def _participations(cli, url) -> set[tuple[str, str, str | None]]:
    events = json.loads(_ok(cli(url, "events", "--format", "json")))
    return {(e["slug"], a["name"], a["role"]) for e in events for a in e["actors"]}


def test_merge_of_two_actors_keeps_every_participation_and_alias(cli, url, engine):
    _ok(cli(url, "add", "actor", "USSR government", "--kind", "government", "--alias", "Soviet government",
            "--description", "The Council of Ministers"))
    _ok(cli(url, "edit", "event", VISIT, "--add-actor", "USSR government:host", "--add-actor", "Soviet Union:guest"))
    _ok(cli(url, "edit", "event", BREAK, "--add-actor", "Soviet government:initiator"))
    before = _participations(cli, url)
    result = cli(url, "merge", "actor", "Soviet Union", "USSR government", "--yes")
    assert _ok(result) == "Soviet Union\n"
    assert "Merged the actor 'USSR government' into 'Soviet Union' (1 participation, 2 aliases)" in result.stderr
    assert "Soviet Union had no description: USSR government's taken" in result.stderr
    assert "kind: kept 'state'; USSR government said 'government'" in result.stderr
    renamed = {(slug, "Soviet Union" if name == "USSR government" else name, role) for slug, name, role in before}
    assert _participations(cli, url) == renamed
    actor = json.loads(_ok(cli(url, "actor", "soviet government", "--format", "json")))
    assert (actor["name"], sorted(actor["aliases"]), actor["description"]) == \
        ("Soviet Union", ["SU", "Soviet government", "USSR", "USSR government"], "The Council of Ministers")
    assert counts(engine)["actors"] == 5


def test_merge_places_sources_and_their_old_names(cli, url, engine):
    result = cli(url, "merge", "place", "Vlorë", "Moscow", "--yes")
    assert "(1 alias)" in result.stderr, result.stderr
    assert {e["place"] for e in json.loads(_ok(cli(url, "events", "--place", "moscow", "--format", "json")))} \
        == {"Vlorë"}
    _ok(cli(url, "add", "source", "--key", "duka-2007b", "--kind", "book", "--title", "Albanian History",
            "--author", "Duka, V.", "--year", "2007", "--doi", "10.1/x"))
    _ok(cli(url, "add", "citation", VISIT, "--source", "duka-2007b", "--locator", "p. 9", "--quote", "q"))
    result = cli(url, "merge", "source", "duka-2007", "duka-2007b", "--yes")
    assert "(1 citation)" in result.stderr and "duka-2007 had no doi: duka-2007b's taken" in result.stderr
    assert "title: kept 'Albanian History 1912-2000'; duka-2007b said 'Albanian History'" in result.stderr
    assert _citation(cli, url, VISIT, "duka-2007")["locator"] == "p. 9"
    assert json.loads(_ok(cli(url, "source", "duka-2007b", "--format", "json")))["key"] == "duka-2007"
    assert counts(engine)["retired_keys"] == 1


def test_merge_event_keeps_a_reports_b_and_the_old_slug_finds_it(cli, url, engine):
    _ok(cli(url, "add", "event", "--date", "1961-12", "--title", "USSR ends relations", "--type", "break",
            "--summary", "Another account.", "--actor", "Hrushov:initiator", "--actor", "Albania:target",
            "--source", "duka-2007", "--locator", "p. 5", "--quote", "ended", "--invokes", BASE, "--slug", "dup"))
    before = counts(engine)
    result = cli(url, "merge", "event", BREAK, "dup", "--yes")
    assert _ok(result) == f"{BREAK}\n"
    assert "(1 participation, 1 citation, 1 invocation)" in result.stderr, result.stderr
    for line in ("date: kept '1961-12-03'; dup said '1961-12'",
                 "title: kept 'The Soviet Union breaks off relations'; dup said 'USSR ends relations'",
                 "summary: kept None; dup said 'Another account.'"):
        assert line in result.stderr
    event = _show(cli, url, "dup")
    assert (event["slug"], event["date"], event["summary"], event["invokes"][0]["slug"]) == \
        (BREAK, "1961-12-03", None, BASE)
    assert [(a["name"], a["role"]) for a in event["actors"]] == [
        ("Soviet Union", "initiator"), ("Albania", "target"), ("Nikita Khrushchev", "initiator")]
    assert [(c["source"], c["locator"]) for c in event["citations"]] == [("duka-2007", None), ("duka-2007", "p. 5")]
    after = counts(engine)
    assert (after["events"], after["citations"], after["retired_slugs"]) == \
        (before["events"] - 1, before["citations"], 1)
    # the old slug works wherever an event is named, and is never given to another event
    _ok(cli(url, "add", "citation", "dup", "--source", "lala-2014", "--quote", "more"))
    _ok(cli(url, "edit", "event", "dup", "--tone", "-8"))
    assert _show(cli, url, BREAK)["tone"] == -8
    _refused(cli(url, "add", "event", "--date", "1961", "--title", "t", "--type", "x", "--source", "lala-2014",
                 "--slug", "dup"), "former slug")


def test_merge_refusals_write_nothing(cli, url, engine):
    _ok(cli(url, "add", "source", "--key", "report-1961", "--kind", "report", "--title", "A report"))
    _ok(cli(url, "add", "citation", BREAK, "--source", "report-1961", "--cited-in", "duka-2007", "--quote", "r"))
    before = counts(engine)
    _refused(cli(url, "merge", "actor", "Albania", "albania", "--yes"), "name the same actor")
    _refused(cli(url, "merge", "actor", "Albania", "nobody", "--yes"), "no actor named 'nobody'")
    _refused(cli(url, "merge", "place", "Vlorë", "Valona", "--yes"), "name the same place")
    _refused(cli(url, "merge", "source", "duka-2007", "report-1961", "--yes"), "quoted in their own source")
    _refused(cli(url, "merge", "event", SUBS, BASE, "--yes"), f"events invoke '{BASE}' as an agreement")
    _refused(cli(url, "merge", "event", BREAK, "1961-12-03-break", "--yes"), "name the same event")
    _refused(cli(url, "merge", "event", BREAK, VISIT), "confirm with --yes")
    assert counts(engine) == before


def test_check_names_the_merge_to_run(cli, url):
    _ok(cli(url, "add", "event", "--date", "1961-12-03", "--title", "The Soviet Union breaks off relations!",
            "--type", "break", "--source", "lala-2014", "--slug", "dup", "--force"))
    findings = json.loads(cli(url, "check", "--format", "json").stdout)
    (duplicate,) = [f for f in findings if f["rule"] == "duplicate-event"]
    assert f"`relations-db merge event {BREAK} dup`" in duplicate["fix"]


# --- YAML import ----------------------------------------------------------------------------------------------


def test_yaml_import_updates_citations_in_place_and_removes_nothing(cli, url, engine, tmp_path):
    before = _show(cli, url, BREAK)
    _ok(cli(url, "add", "citation", BREAK, "--source", "lala-2014", "--quote", "added by hand"))
    _ok(cli(url, "edit", "event", BREAK, "--add-actor", "Enver Hoxha:target"))
    assert SAMPLE.endswith("        confidence: 3\n")  # (the citation of duka-2007, the last entry)
    edited = SAMPLE[:-len("3\n")] + "4\n        note: checked\n"
    edited = edited.replace("      - {actor: Albania, role: target}\n    citations:\n      - source: duka-2007",
                            "    citations:\n      - source: duka-2007")
    assert edited.count("role: target") == SAMPLE.count("role: target") - 1
    path = tmp_path / "edited.yaml"
    path.write_text(edited, encoding="utf-8")
    _ok(cli(url, "import", str(path)))
    after = _show(cli, url, BREAK)
    (duka,) = [c for c in after["citations"] if c["source"] == "duka-2007"]
    assert (duka["id"], duka["confidence"], duka["note"]) == (before["citations"][0]["id"], 4, "checked")
    assert [c["quote"] for c in after["citations"] if c["source"] == "lala-2014"] == ["added by hand"]
    assert [a["name"] for a in after["actors"]] == ["Soviet Union", "Albania", "Enver Hoxha"]


def test_yaml_import_of_merged_slugs_and_keys_joins_the_record_that_absorbed_them(cli, url, engine, tmp_path):
    _ok(cli(url, "merge", "event", BREAK, SUBS, "--yes"))
    _ok(cli(url, "edit", "source", "duka-2007", "--key", "duka-history"))
    before = counts(engine)
    path = tmp_path / "again.yaml"
    path.write_text(SAMPLE, encoding="utf-8")
    _ok(cli(url, "import", str(path)))
    assert counts(engine) == before  # the merged event and the renamed source are not made again
    assert _show(cli, url, BREAK)["title"] == "The Soviet Union breaks off relations"


def test_csv_rows_naming_a_merged_slug_update_the_event_that_absorbed_it(cli, url, engine, tmp_path):
    """A colleague's CSV written before a merge names the merged-away event by its old slug: its row updates the
    event that absorbed it (chronology CSV and long form alike), and no new event takes that slug."""
    _ok(cli(url, "merge", "event", BREAK, SUBS, "--yes"))
    before = counts(engine)
    chronology = tmp_path / "old.csv"
    chronology.write_text(f"slug,date,title,summary\n{SUBS},,,The submarines leave Vlora.\n", encoding="utf-8")
    _ok(cli(url, "import", str(chronology)))
    long_form = tmp_path / "old-citations.csv"
    long_form.write_text(f"slug,source,locator,quote\n{SUBS},lala-2014,p. 344,left the base\n", encoding="utf-8")
    _ok(cli(url, "import", str(long_form)))
    event = _show(cli, url, SUBS)
    assert (event["slug"], event["summary"]) == (BREAK, "The submarines leave Vlora.")
    assert ("lala-2014", "p. 344", "left the base") in [(c["source"], c["locator"], c["quote"])
                                                        for c in event["citations"]]
    after = counts(engine)
    assert (after["events"], after["citations"], after["retired_slugs"]) == \
        (before["events"], before["citations"] + 1, before["retired_slugs"])
    again = tmp_path / "new.csv"  # (a new event whose date and title would give it the old slug)
    again.write_text("date,title,type,sources\n1961-06-04,Submarines leave Vlora,military,Lala 2014\n",
                     encoding="utf-8")
    _ok(cli(url, "import", str(again)))
    assert _show(cli, url, f"{SUBS}-2")["title"] == "Submarines leave Vlora"


# --- migration 0007: the old slugs and keys -----------------------------------------------------------------------


def _migration_0007():
    import importlib.util

    from relations_db.store import db

    path = next(db.migrations_path().glob("versions/0007_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The revision before 0007, as the migration names it (the chain is set when the branches are merged).
PREVIOUS = _migration_0007().down_revision


def test_0007_up_and_down_says_what_it_would_drop(cli, url, engine):
    from sqlalchemy import inspect

    from relations_db.store import db

    assert db.downgrade_losses(engine, PREVIOUS) == []
    db.downgrade(engine, PREVIOUS)
    assert {"retired_slugs", "retired_keys"}.isdisjoint(inspect(engine).get_table_names())
    db.upgrade(engine)
    _ok(cli(url, "edit", "event", BREAK, "--slug", "1961-12-03-the-break"))
    _ok(cli(url, "edit", "source", "duka-2007", "--key", "duka-history"))
    _ok(cli(url, "add", "source", "--key", "duka-2007b", "--kind", "book", "--title", "Albanian History"))
    _ok(cli(url, "merge", "source", "duka-history", "duka-2007b", "--yes"))
    assert db.downgrade_losses(engine, PREVIOUS) == [
        "1 former event slug (of a merge or a new slug; it would stop finding its event)",
        "2 former source keys (of a merge or a new key; they would stop finding their source)"]
    assert cli(url, "db", "downgrade", PREVIOUS).exit_code != 0  # refused without --yes
    assert "retired_slugs" in inspect(engine).get_table_names()
    db.downgrade(engine, PREVIOUS)
    assert {"retired_slugs", "retired_keys"}.isdisjoint(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert counts(engine)["retired_slugs"] == 0
