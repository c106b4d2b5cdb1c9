"""The write commands: add event|actor|source|citation, edit event, remove event — through the command line."""

from __future__ import annotations

import json

import pytest
from write_sample import counts, load

from relations_db.cli import write as write_cli
from relations_db.store import db


@pytest.fixture
def url(engine, db_url):
    """A migrated database holding the write sample."""
    load(engine)
    return db_url


def _events(cli, url, *filters) -> dict[str, dict]:
    result = cli(url, "events", "--format", "json", *filters)
    assert result.exit_code == 0, result.stderr
    return {e["slug"]: e for e in json.loads(result.stdout)}


def _refused(result, *expected: str) -> None:
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    for text in expected:
        assert text in result.stderr


ADD = ["add", "event", "--date", "1960-06", "--title", "Bucharest meeting", "--type", "meeting",
       "--source", "lala-2014", "--locator", "p. 342", "--quote", "In June 1960, in Bucharest"]


# --- add event ------------------------------------------------------------------------------------------------


def test_add_event_in_one_command_prints_the_slug(cli, url):
    result = cli(url, *ADD, "--actor", "Hrushov:speaker", "--actor", "Albania", "--place", "valona",
                 "--tone", "-4", "--summary", "Khrushchev attacks China.", "--cited-as", "(Lala, 2014)",
                 "--confidence", "3", "--note", "as printed")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1960-06-bucharest-meeting\n"
    assert "Added event 1960-06-bucharest-meeting, citing Lala 2014." in result.stderr
    event = _events(cli, url, "--year", "1960")["1960-06-bucharest-meeting"]
    assert (event["date"], event["title"], event["type"], event["place"], event["tone"], event["summary"]) == \
        ("1960-06", "Bucharest meeting", "meeting", "Vlorë", -4, "Khrushchev attacks China.")
    assert [(a["name"], a["role"]) for a in event["actors"]] == [("Nikita Khrushchev", "speaker"), ("Albania", None)]
    (c,) = event["citations"]
    assert (c["source"], c["locator"], c["quote"], c["cited_as"], c["confidence"], c["note"]) == \
        ("lala-2014", "p. 342", "In June 1960, in Bucharest", "(Lala, 2014)", 3, "as printed")


def test_add_meeting_with_details(cli, url):
    result = cli(url, *ADD, "--kind", "meeting", "--meeting-format", "multilateral", "--outcome", "a split")
    assert result.exit_code == 0, result.stderr
    event = _events(cli, url)[result.stdout.strip()]
    assert event["kind"] == "meeting" and event["meeting"] == {"format": "multilateral", "outcome": "a split"}


def test_add_event_without_a_source_is_refused_and_writes_nothing(cli, url, engine):
    before = counts(engine)
    result = cli(url, *[a for a in ADD if a not in ("--source", "lala-2014")])
    _refused(result, "missing --source")
    result = cli(url, *ADD[:-6], "--source", "")
    _refused(result, "missing --source")
    assert counts(engine) == before


def test_missing_values_without_a_terminal_are_errors_naming_each_option(cli, url, engine):
    before = counts(engine)
    _refused(cli(url, "add", "event", "--type", "visit"), "missing --date, --title and --source: give them")
    assert counts(engine) == before


def test_missing_values_are_asked_for_in_a_terminal(cli, url, monkeypatch):
    monkeypatch.setattr(write_cli, "_interactive", lambda: True)
    result = cli(url, "add", "event", "--quote", "Hoxha went to Moscow", input="1957-04\nHoxha visits Moscow\n"
                                                                               "Duka 2007\n")
    assert result.exit_code == 0, result.stderr
    # (the test runner echoes the typed answers to stdout, as a terminal would show them)
    assert result.stdout.splitlines()[-1] == "1957-04-hoxha-visits-moscow"
    assert "Date (EDTF, e.g. 1961-06-04):" in result.stderr and "Source (key or short form):" in result.stderr
    event = _events(cli, url, "--year", "1957")["1957-04-hoxha-visits-moscow"]
    # (the type is not asked for: without --type the event is unclassified)
    assert (event["date"], event["type"], event["citations"][0]["source"]) == ("1957-04", None, "duka-2007")


@pytest.mark.parametrize("args,expected", [
    (["--actor", "Hrushchov:guest"], ["no actor named 'Hrushchov'; did you mean 'Nikita Khrushchev' (as 'Hrushov')?",
                                      "Error: --new-actor: ", "give the kind of new actors"]),
    (["--place", "Vlorra"], ["no place named 'Vlorra'; did you mean 'Vlorë' (as 'Vlora')?", "Error: --new-place: ",
                             "allow new places"]),
    (["--date", "1961-13-45"], ["'1961-13-45' is not a valid date", "Accepted forms (EDTF): 1961-06-04 (day)"]),
    (["--date", "June"], ["'June' is not a valid date", "1954/1956 (interval)"]),
    (["--tone", "12"], ["tone must be a whole number from -10 to 10"]),
    (["--confidence", "high"], ["confidence must be a whole number from 0 to 4"]),
    (["--source", "Dukka 2007"], ["no source named 'Dukka 2007'; did you mean 'Duka 2007'"]),
    (["--outcome", "x"], ["Error: --kind: the outcome describes a meeting: set the kind to meeting"]),
])
def test_bad_input_is_refused_with_a_message_and_writes_nothing(cli, url, engine, args, expected):
    before = counts(engine)
    _refused(cli(url, *ADD, *args), *expected)
    assert counts(engine) == before


def test_bad_choice_is_a_usage_error(cli, url):
    result = cli(url, *ADD, "--kind", "battle")
    assert result.exit_code == 2 and "battle" in result.stderr


def test_new_actor_and_new_place(cli, url):
    result = cli(url, *ADD, "--actor", "Mao Zedong:guest", "--new-actor", "person", "--place", "Bucharest",
                 "--new-place")
    assert result.exit_code == 0, result.stderr
    event = _events(cli, url)[result.stdout.strip()]
    assert event["place"] == "Bucharest" and event["actors"] == [{"name": "Mao Zedong", "kind": "person",
                                                                  "role": "guest"}]


def test_a_likely_duplicate_is_refused_unless_forced(cli, url, engine):
    args = ["add", "event", "--date", "1961-12-03", "--title", "Soviet Union breaks off relations", "--type",
            "break", "--source", "duka-2007"]
    before = counts(engine)
    _refused(cli(url, *args), "1961-12-03-break", "a similar title on overlapping dates", "Error: --force: ")
    assert counts(engine) == before
    result = cli(url, *args, "--force")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "1961-12-03-soviet-union-breaks-off-relations"


# --- add source, actor, citation --------------------------------------------------------------------------------


def test_add_source_then_cite_it(cli, url):
    result = cli(url, "add", "source", "--kind", "memoir", "--author", "Hoxha, Enver", "--year", "1980",
                 "--title", "The Khrushchevites", "--publisher", "8 Nëntori", "--place", "Tirana")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "hoxha-1980\n" and "Added source hoxha-1980 (Hoxha 1980)." in result.stderr
    result = cli(url, "add", "citation", "1961-12-03-break", "--source", "Hoxha 1980", "--locator", "p. 12",
                 "--quote", "We broke with them", "--confidence", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1961-12-03-break\n" and "now 2 citations" in result.stderr
    cites = _events(cli, url)["1961-12-03-break"]["citations"]
    assert [(c["source"], c["locator"], c["quote"], c["confidence"]) for c in cites][1] == \
        ("hoxha-1980", "p. 12", "We broke with them", 1)
    sources = json.loads(cli(url, "sources", "--format", "json").stdout)
    hoxha = next(s for s in sources if s["key"] == "hoxha-1980")
    assert (hoxha["kind"], hoxha["publisher"], hoxha["short"]) == ("memoir", "8 Nëntori", "Hoxha 1980")


def test_add_source_refusals(cli, url, engine):
    before = counts(engine)
    _refused(cli(url, "add", "source", "--key", "duka-2007", "--kind", "book", "--title", "T"),
             "a source with the key 'duka-2007' already exists")
    _refused(cli(url, "add", "source", "--kind", "book"), "missing --title")
    _refused(cli(url, "add", "source", "--kind", "book", "--title", "T", "--year", "MCMLX"),
             "year must be a whole number")
    assert counts(engine) == before


def test_add_actor_with_aliases_and_refusal_of_a_taken_alias(cli, url, engine):
    result = cli(url, "add", "actor", "Mehmet Shehu", "--kind", "person", "--alias", "M. Shehu",
                 "--description", "Prime minister")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Mehmet Shehu\n" and "with 1 alias." in result.stderr
    before = counts(engine)
    _refused(cli(url, "add", "actor", "Nikolai Bulganin", "--kind", "person", "--alias", "m. shehu"),
             "the alias 'm. shehu' already names the actor 'Mehmet Shehu'")
    _refused(cli(url, "add", "actor", "Grečko", "--kind", "person"), "already names the actor 'Andrei Grechko'")
    _refused(cli(url, "add", "actor", "Someone"), "missing --kind")
    assert counts(engine) == before
    # the new actor is found by its alias
    result = cli(url, *ADD, "--actor", "M. SHEHU:speaker")
    assert result.exit_code == 0, result.stderr


def test_add_citation_refusals(cli, url, engine):
    before = counts(engine)
    _refused(cli(url, "add", "citation", "no-such-event", "--source", "lala-2014"), "no event named 'no-such-event'")
    _refused(cli(url, "add", "citation", "1961-12-03-break"), "missing --source")
    _refused(cli(url, "add", "citation", "1961-12-03-break", "--source", "duka-2007", "--quote",
                 "on 3 December 1961, the Soviet Union has ended the relations with Albania"),
             "already cites duka-2007")
    assert counts(engine) == before


# --- edit, remove ---------------------------------------------------------------------------------------------


def test_edit_event_fields_actors_and_citations(cli, url):
    result = cli(url, "edit", "event", "1961-12-03-break", "--date", "1961-12~", "--title", "Relations broken",
                 "--tone", "-9", "--place", "Moscow", "--add-actor", "Hrushov:initiator", "--remove-actor", "Albania")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1961-12-03-break\n"
    assert "Changed 1961-12-03-break: date, title, tone, place, actors." in result.stderr
    event = _events(cli, url)["1961-12-03-break"]
    assert (event["date"], event["precision"], event["title"], event["tone"], event["place"]) == \
        ("1961-12~", "month", "Relations broken", -9, "Moscow")
    assert [a["name"] for a in event["actors"]] == ["Soviet Union", "Nikita Khrushchev"]
    result = cli(url, "edit", "event", "1961-12-03-break", "--place", "", "--tone", "")
    assert result.exit_code == 0, result.stderr
    event = _events(cli, url)["1961-12-03-break"]
    assert (event["place"], event["tone"]) == (None, None)
    result = cli(url, "edit", "event", "1961-12-03-break", "--place", "")
    assert "nothing changed" in result.stderr


def test_edit_event_refusals_leave_it_unchanged(cli, url, engine):
    before = counts(engine)
    _refused(cli(url, "edit", "event", "1961-12-03-break", "--date", "1961-12-32"), "Accepted forms")
    _refused(cli(url, "edit", "event", "1961-12-03-break", "--title", "x", "--tone", "-11"), "tone must be")
    _refused(cli(url, "edit", "event", "1961-12-03-break", "--remove-citation", "duka-2007"),
             "--remove-citation is gone", "remove citation c17")
    _refused(cli(url, "edit", "event", "1961-12-03-break"), "nothing to change")
    _refused(cli(url, "edit", "event", "1961-12-03-brake", "--title", "x"),
             "no event named '1961-12-03-brake'; did you mean '1961-12-03-break'")
    assert counts(engine) == before
    event = _events(cli, url)["1961-12-03-break"]
    assert (event["date"], event["title"], event["tone"]) == ("1961-12-03", "The Soviet Union breaks off relations",
                                                              -10)


def test_remove_event_needs_yes_without_a_terminal(cli, url, engine):
    before = counts(engine)
    _refused(cli(url, "remove", "event", "1961-12-03-break"), "confirm with --yes")
    assert counts(engine) == before
    result = cli(url, "remove", "event", "1961-12-03-break", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "Removed 1961-12-03-break (1961-12-03, 'The Soviet Union breaks off relations') and its 1 citation." \
        in result.stderr
    assert "1961-12-03-break" not in _events(cli, url)
    after = counts(engine)
    assert (after["events"], after["citations"], after["sources"]) == \
        (before["events"] - 1, before["citations"] - 1, before["sources"])


def test_remove_event_asks_in_a_terminal(cli, url, monkeypatch):
    monkeypatch.setattr(write_cli, "_interactive", lambda: True)
    result = cli(url, "remove", "event", "1961-12-03-break", input="n\n")
    assert result.exit_code != 0 and "Remove 1961-12-03-break" in result.stderr
    assert "1961-12-03-break" in _events(cli, url)
    result = cli(url, "remove", "event", "1961-12-03-break", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "1961-12-03-break" not in _events(cli, url)


# --- on the paper's chronology --------------------------------------------------------------------------------


def test_a_historian_adds_fixes_and_removes_an_event_in_the_seeded_database(cli, seeded_url):
    result = cli(seeded_url, "add", "event", "--date", "1962-01~", "--title", "Albania draws closer to China",
                 "--type", "diplomatic", "--actor", "albania:initiator", "--source", "lala-2014", "--locator",
                 "p. 343", "--quote", "Albania turned to China", "--confidence", "2")
    assert result.exit_code == 0, result.stderr
    slug = result.stdout.strip()
    assert cli(seeded_url, "edit", "event", slug, "--tone", "-6").exit_code == 0
    event = _events(cli, seeded_url, "--year", "1962")[slug]
    assert event["tone"] == -6 and event["citations"][0]["quote"] == "Albania turned to China"
    assert cli(seeded_url, "remove", "event", slug, "--yes").exit_code == 0
    assert slug not in _events(cli, seeded_url, "--year", "1962")


def test_the_kinds_offered_are_the_vocabularys():
    """The choices of --kind are spelled out for Typer and mypy; they are domain/vocab's, in its order."""
    from typing import get_args

    from relations_db.domain import vocab

    assert get_args(write_cli.EventKind) == vocab.EVENT_KINDS
    assert get_args(write_cli.ActorKind) == vocab.ACTOR_KINDS
    assert get_args(write_cli.SourceKind) == vocab.SOURCE_KINDS


def test_every_write_command_has_help_with_an_example(cli):
    for command in (["add", "event"], ["add", "actor"], ["add", "source"], ["add", "citation"],
                    ["edit", "event"], ["remove", "event"]):
        result = cli(None, *command, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout, command


def test_a_failed_write_rolls_back_everything_on_the_database(cli, url, engine):
    """Even after the service created a new actor and place, a later refusal leaves no trace of them."""
    before = counts(engine)
    _refused(cli(url, *ADD, "--actor", "Zhou Enlai", "--new-actor", "person", "--place", "Beijing",
                 "--new-place", "--confidence", "9"), "confidence must be")
    assert counts(engine) == before
    with db.session_scope(engine) as s:
        from relations_db.write.resolve import find_actors

        assert find_actors(s, "Zhou Enlai") == []


def test_a_tone_note_is_added_edited_cleared_and_never_without_its_tone(cli, db_url):
    """`--tone-note` keeps the basis of a tone beside it (add and edit); a note with no tone is refused, and
    nothing is written."""
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    load(engine)
    slug_of = {}
    base = ["add", "event", "--date", "1962", "--title", "A note on tone", "--type", "statement",
            "--source", "duka-2007", "--quote", "relations were cold"]
    before = counts(engine)
    refused = cli(db_url, *base, "--tone-note", "no tone given")
    assert refused.exit_code == 1 and "--tone-note:" in refused.stderr and "give the tone too" in refused.stderr
    assert counts(engine) == before
    added = cli(db_url, *base, "--tone", "-4", "--tone-note", 'relations "were cold" (p. 1)')
    assert added.exit_code == 0, added.stderr
    slug_of["event"] = added.stdout.strip()
    shown = json.loads(cli(db_url, "show", slug_of["event"], "--format", "json").stdout)
    assert (shown["tone"], shown["tone_note"]) == (-4, 'relations "were cold" (p. 1)')
    assert cli(db_url, "edit", "event", slug_of["event"], "--tone", "").exit_code == 1  # the note would be orphaned
    cleared = cli(db_url, "edit", "event", slug_of["event"], "--tone", "", "--tone-note", "")
    assert cleared.exit_code == 0, cleared.stderr
    shown = json.loads(cli(db_url, "show", slug_of["event"], "--format", "json").stdout)
    assert (shown["tone"], shown["tone_note"]) == (None, None)
    engine.dispose()
