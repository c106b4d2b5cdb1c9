"""Issue 14 items 4 and 5: output a person reads fits the width (80 and 120 columns) without splitting a word
or a key, and a year selection says what it holds ("Continuing from earlier years", --within, titles)."""

from __future__ import annotations

import json
import re

import pytest

WIDTHS = ("80", "120")


def _out(cli, url, *args, columns="80"):
    result = cli(url, *args, env={"COLUMNS": columns})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _words(text: str) -> list[str]:
    return text.split()


# --- item 4: widths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_chronology_wraps_at_the_width_with_hanging_indents_and_never_splits_a_word(cli, seeded_url, columns):
    wide = _out(cli, seeded_url, "chronology", "--year", "1960", columns="10000")
    narrow = _out(cli, seeded_url, "chronology", "--year", "1960", columns=columns)
    assert max(len(line) for line in narrow.splitlines()) <= int(columns)
    assert _words(narrow) == _words(wide)  # the same words in the same order: none split, none lost
    lines = narrow.splitlines()
    entries = [line for line in lines if re.match(r"  \S", line)]
    goes_on = [line for line in lines if line.startswith("    ")]
    assert entries and goes_on  # at these widths some entries take two lines, the later ones indented
    assert all(not line.startswith("     ") for line in goes_on)  # by four spaces, under the entry's text


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_and_source_wrap_at_the_width(cli, seeded_url, columns):
    for args in (("show", "1960-06-bucharest-meeting-of-communist-parties"), ("source", "duka-2007")):
        wide = _out(cli, seeded_url, *args, columns="10000")
        text = _out(cli, seeded_url, *args, columns=columns)
        assert max(len(line) for line in text.splitlines()) <= int(columns), args
        assert _words(text) == _words(wide), args


@pytest.mark.parametrize("columns", WIDTHS)
def test_sources_keep_every_key_whole_on_one_line(cli, seeded_url, columns):
    keys = [s["key"] for s in json.loads(_out(cli, seeded_url, "sources", "-f", "json"))]
    table = _out(cli, seeded_url, "sources", columns=columns)
    assert max(len(line) for line in table.splitlines()) <= int(columns)
    found = set(re.findall(r"[a-z0-9][a-z0-9-]*[a-z0-9]", table))
    assert set(keys) <= found, set(keys) - found
    # the longest key, wider than its column at 80, on a line of its own rather than split
    assert any(line.strip() == "facts-about-soviet-albanian-relations-1964" or
               line.startswith("facts-about-soviet-albanian-relations-1964 ") for line in table.splitlines())


@pytest.mark.parametrize("columns", WIDTHS)
def test_relations_keep_every_slug_whole(cli, seeded_url, columns):
    pairs = json.loads(_out(cli, seeded_url, "relations", "-f", "json"))
    table = _out(cli, seeded_url, "relations", columns=columns)
    assert max(len(line) for line in table.splitlines()) <= int(columns)
    for pair in pairs:
        assert re.search(rf"(^|\s){re.escape(pair['slugs'][0])}(,|$)", table, re.M), pair["slugs"][0]


@pytest.mark.parametrize("columns", WIDTHS)
def test_agreements_take_a_few_lines_a_row(cli, seeded_url, columns):
    table = _out(cli, seeded_url, "agreements", columns=columns)
    lines = table.splitlines()[2:]
    rows = [i for i, line in enumerate(lines) if re.match(r"\s*[0-9]+\s", line)]
    heights = [b - a for a, b in zip(rows, [*rows[1:], len(lines)], strict=True)]
    assert rows and max(heights) <= 6, heights  # was ~17 at 80 columns
    assert max(len(line) for line in table.splitlines()) <= int(columns)


@pytest.mark.parametrize("columns", WIDTHS)
def test_timeline_never_cuts_a_title(cli, seeded_url, columns):
    table = _out(cli, seeded_url, "timeline", columns=columns)
    assert "…" not in table
    assert max(len(line) for line in table.splitlines()) <= int(columns)
    spanning = table.split("Spanning several years")[1]
    for period in json.loads(_out(cli, seeded_url, "timeline", "-f", "json")):
        if period["key_events"]:  # the strongest, whole
            assert period["key_events"][0] in " ".join(table.split()), period["key_events"][0]
    for title in ("Under Stalin, Albania copies Soviet policy and receives Soviet support",
                  "Admiral Kasatonov at the Vlorë base, dealing with the evacuation of Soviet naval forces"):
        assert title in " ".join(spanning.split())


@pytest.mark.parametrize("columns", WIDTHS)
def test_events_table_fits_and_keeps_words(cli, seeded_url, columns):
    table = _out(cli, seeded_url, "events", "--year", "1961", columns=columns)
    titles = [e["title"] for e in json.loads(_out(cli, seeded_url, "events", "--year", "1961", "-f", "json"))]
    words = set(_words(table))
    for title in titles:
        assert set(title.split()) <= words, title  # every word of every title whole somewhere


# --- item 5: year selections --------------------------------------------------------------------------------


def _began_before(event, year: int) -> bool:
    return event["start"] is None or int(event["start"][:4]) < year


def test_events_that_began_earlier_come_first_under_one_heading(cli, seeded_url):
    events = json.loads(_out(cli, seeded_url, "events", "--year", "1960", "-f", "json"))
    earlier = [e for e in events if _began_before(e, 1960)]
    assert earlier  # the seed has long events reaching into 1960
    text = _out(cli, seeded_url, "chronology", "--year", "1960", columns="10000")
    headings = [line for line in text.splitlines() if line and not line.startswith((" ", "[")) and line != "Notes"]
    assert headings == ["Continuing from earlier years", "1960"]
    block = text.split("\n\n")[0]
    assert all(e["title"] in block for e in earlier)
    assert len([line for line in block.splitlines() if line.startswith("  ")]) == len(earlier)
    ranged = _out(cli, seeded_url, "chronology", "--from", "1959", "--to", "1960", columns="10000")
    assert [line for line in ranged.splitlines() if line and not line[0].isspace() and not line.startswith("[")
            and line != "Notes"] == ["Continuing from earlier years", "1959", "1960"]
    # without a selection of years there is nothing earlier
    assert "Continuing from earlier years" not in _out(cli, seeded_url, "chronology", "--actor", "Hoxha")


def test_within_keeps_only_the_events_wholly_inside(cli, seeded_url):
    every = json.loads(_out(cli, seeded_url, "events", "--year", "1960", "-f", "json"))
    inside = json.loads(_out(cli, seeded_url, "events", "--year", "1960", "--within", "-f", "json"))
    assert inside and len(inside) < len(every)
    assert all(e["start"] and e["end"] and e["start"] >= "1960-01-01" and e["end"] <= "1960-12-31" for e in inside)
    assert [e["slug"] for e in inside] == [e["slug"] for e in every
                                           if e["start"] and e["end"] and e["start"] >= "1960-01-01"
                                           and e["end"] <= "1960-12-31"]
    ranged = json.loads(_out(cli, seeded_url, "events", "--from", "1959", "--to", "1961", "--within", "-f", "json"))
    assert all("1959-01-01" <= e["start"] and e["end"] <= "1961-12-31" for e in ranged)
    text = _out(cli, seeded_url, "chronology", "--year", "1960", "--within")
    assert "Continuing from earlier years" not in text and text.startswith("1960\n")
    csv_rows = _out(cli, seeded_url, "export", "--year", "1960", "--within", "-f", "csv").splitlines()
    assert len(csv_rows) == len(inside) + 1  # the same selection through the CSV writer's own statement


def test_within_without_years_is_a_message(cli, seeded_url):
    result = cli(seeded_url, "events", "--within")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --within: ") and "give a year" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args, title, about", [
    (("--year", "1960"), "Chronology, 1960", "Events overlapping 1960, from a corpus of 59 events and 20 sources"),
    (("--from", "1959", "--to", "1961", "--within"), "Chronology, 1959–1961", "Events wholly within 1959–1961"),
    (("--actor", "Enver Hoxha"), "Chronology, Enver Hoxha", "Events, involving Enver Hoxha, from a corpus"),
    ((), "Chronology", "All events, from a corpus of 59 events and 20 sources (most cited: Lala 2014)."),
])
def test_markdown_and_html_name_the_selection_and_the_corpus(cli, seeded_url, args, title, about):
    markdown = _out(cli, seeded_url, "export", *args, "-f", "markdown")
    assert markdown.startswith(f"# {title}\n\n{about}")
    assert _out(cli, seeded_url, "chronology", *args, "-f", "markdown") == markdown
    html = _out(cli, seeded_url, "export", *args, "-f", "html")
    assert f"<title>{title}</title>" in html and f"<h1>{title}</h1>" in html
    assert about in html
    if "--year" in args:
        assert '<h2>Continuing from earlier years</h2>' in html and "## Continuing from earlier years" in markdown


@pytest.mark.parametrize("fields, text", [
    ({"year": 1960}, "Events overlapping 1960"),
    ({"year": 1960, "within": True}, "Events wholly within 1960"),
    ({"from_year": 1959}, "Events reaching into or after 1959"),
    ({"from_year": 1959, "within": True}, "Events begun in or after 1959"),
    ({"to_year": 1950}, "Events begun by the end of 1950"),
    ({"to_year": 1950, "within": True}, "Events ended by the end of 1950"),
    ({"year": -43, "type": "visit"}, "Events overlapping 44 BC, of type visit"),
    ({"place": "Vlorë", "search": "base"}, "Events, at Vlorë, containing “base”"),
])
def test_the_selection_in_words(fields, text):
    from relations_db.formats.chronology import selection_text
    from relations_db.read.filters import Filters

    assert selection_text(Filters(**fields)) == text
