"""`relations-db timeline`: events counted per year or month with their mean tone, bars readable without
colour, the same filters as `events`, and on the seed the arc from alliance (1953) to rupture (1961)."""

from __future__ import annotations

import csv
import io
import json
import textwrap

import pytest

from relations_db.analysis.timeline import count_bar, period_of, tone_bar
from relations_db.formats.seed.apply import load_seed_text
from relations_db.store import db

DATA = textwrap.dedent("""\
    format: relations-db/seed 1
    sources:
      - {key: lala-2014, kind: article, author: "Lala, Brisejda", title: Disruption of Albanian-Soviet Relations,
         year: 2014}
    actors:
      - {name: Soviet Union, kind: state}
      - {name: Albania, kind: state}
      - {name: Enver Hoxha, kind: person, aliases: [Hoxha]}
    events:
      - {slug: a-1953-embassies, date: "1953", title: Embassies opened, type: diplomatic, tone: 7,
         participants: [{actor: Albania, role: party}], citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1953-06-hoxha-in-moscow, date: 1953-06, title: Hoxha in Moscow, type: visit, tone: 5,
         participants: [{actor: Enver Hoxha, role: guest}], citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1956-congress, date: "1956", title: XX Congress, type: congress,
         citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1957-spring-summer-talks, date: 1957-04/1957-09, title: Talks over the summer, type: diplomatic,
         tone: 2, citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1960-summer-pressure, date: 1960-22, title: Pressure after Bucharest, type: diplomatic, tone: -6,
         participants: [{actor: Enver Hoxha, role: target}], citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1960-winter-quarrel, date: 1960-24, title: Winter quarrel, type: diplomatic, tone: -8,
         citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1961-06-submarines, date: 1961-06, title: Submarines leave Vlora, type: military, tone: -8,
         citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1961-12-03-break, date: 1961-12-03, title: The break, type: break, tone: -10,
         participants: [{actor: Enver Hoxha, role: target}], citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1948-1961-alliance, date: 1948/1961, title: The alliance, type: process, tone: 2,
         citations: [{source: lala-2014, quote: q}]}
      - {slug: a-1955-open-destalinisation, date: 1955/.., title: Destalinisation, type: process, tone: -2,
         citations: [{source: lala-2014, quote: q}]}
""")


@pytest.fixture
def url(db_url, engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, DATA)
    return db_url


def rows(cli, url, *args):
    result = cli(url, "timeline", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return {r["period"]: r for r in json.loads(result.stdout)}, result


def test_events_counted_per_year_with_tone_numbers(cli, url):
    by_year, result = rows(cli, url)
    # Every year from the first to the last, the quiet ones empty.
    assert list(by_year) == [str(y) for y in range(1953, 1962)]
    assert by_year["1953"] == {"period": "1953", "events": 2, "mean_tone": 6.0, "min_tone": 5, "max_tone": 7,
                               "key_events": ["Embassies opened", "Hoxha in Moscow"]}
    assert by_year["1955"]["events"] == 0 and by_year["1955"]["mean_tone"] is None
    # An event without a tone counts as an event but not in the tone.
    assert by_year["1956"]["events"] == 1 and by_year["1956"]["mean_tone"] is None
    # An interval inside one year counts in that year; winter 1960–61 counts in the year it starts.
    assert by_year["1957"]["events"] == 1
    assert by_year["1960"]["events"] == 2 and by_year["1960"]["mean_tone"] == -7.0
    # Key events: the strongest |tone| first.
    assert by_year["1961"]["key_events"] == ["The break", "Submarines leave Vlora"]
    # Events spanning years are in no row and no mean, and are named on stderr.
    assert sum(r["events"] for r in by_year.values()) == 8
    assert "a-1948-1961-alliance" in result.stderr and "a-1955-open-destalinisation" in result.stderr


def test_by_month_puts_year_only_events_in_a_row_of_their_own(cli, url):
    by_month, _ = rows(cli, url, "--by", "month")
    assert list(by_month) == ["1953", "1953-06", "1956", "1957", "1960", "1961-06", "1961-12"]
    assert by_month["1953"]["key_events"] == ["Embassies opened"]
    assert by_month["1953-06"]["key_events"] == ["Hoxha in Moscow"]
    assert by_month["1960"]["events"] == 2  # two seasons: no month


def test_the_same_filters_as_events(cli, url):
    by_year, _ = rows(cli, url, "--actor", "hoxha", "--from", "1953", "--to", "1960")
    assert {p: r["events"] for p, r in by_year.items() if r["events"]} == {"1953": 1, "1960": 1}
    events = json.loads(cli(url, "events", "--actor", "hoxha", "--from", "1953", "--to", "1960",
                            "--format", "json").stdout)
    assert sum(r["events"] for r in by_year.values()) == len(events)
    bad = cli(url, "timeline", "--actor", "Kasatonov")
    assert bad.exit_code != 0 and "no actor named 'Kasatonov'" in bad.stderr and bad.stdout == ""
    bad = cli(url, "timeline", "--from", "1961", "--to", "1953")
    assert bad.exit_code != 0 and "Error:" in bad.stderr
    bad = cli(url, "timeline", "--by", "week")
    assert bad.exit_code != 0 and "week" in bad.stderr
    none = cli(url, "timeline", "--year", "1900")
    assert none.exit_code == 0 and none.stdout == "" and "No events match" in none.stderr


def test_csv_gives_the_numbers(cli, url):
    result = cli(url, "timeline", "--format", "csv")
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == ["period", "events", "mean_tone", "min_tone", "max_tone", "key_events"]
    row = {r["period"]: r for r in table}["1961"]
    assert row == {"period": "1961", "events": "2", "mean_tone": "-9.0", "min_tone": "-10", "max_tone": "-8",
                   "key_events": "The break; Submarines leave Vlora"}


def test_the_table_draws_bars_readable_without_colour(cli, url):
    result = cli(url, "timeline")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "hostile|cooperative" in lines[0]
    row = {line[:4]: line for line in lines[1:10]}
    assert "\x1b[" not in result.stdout  # no escape codes when not a terminal / NO_COLOR
    # 1960: mean −7.0 → six '-' left of the centre line; 1953: +6.0 → five '+' right of it.
    assert "------|" in row["1960"] and "-7.0 hostile" in row["1960"]
    assert "|+++++ " in row["1953"] and "+6.0 close" in row["1953"]
    assert "█" in row["1953"] and "The break" in row["1961"]
    assert row["1955"].split()[1] == "0"
    tail = result.stdout.split("Spanning several years")[1]
    assert "1948–1961: The alliance (tone +2)" in tail and "from 1955: Destalinisation" in tail
    assert all(len(line) <= 100 for line in lines)  # fits the terminal (COLUMNS=100 in the tests)


def test_periods_and_bars():
    def event(date_text):
        from relations_db.domain import dates

        parsed = dates.parse(date_text)
        return {"start": parsed.start.isoformat(), "end": parsed.end.isoformat(), "precision": parsed.precision}

    assert period_of(event("1961-12-03")) == "1961"
    assert period_of(event("1961-12-03"), "month") == "1961-12"
    assert period_of(event("1960-24"), "month") == "1960"  # winter 1960–61
    assert period_of(event("1961?"), "month") == "1961"
    assert period_of(event("1960-06/1961-12-03")) is None
    assert period_of(event("196X")) is None and period_of(event("../1948")) is None
    assert tone_bar(-6, 5) == "  ---|     " and tone_bar(4, 5) == "     |++   "
    assert tone_bar(None, 5) == "     ·     " and tone_bar(-10, 5) == "-----|     "
    assert count_bar(0, 5) == "" and count_bar(5, 5, 4) == "████" and count_bar(1, 100, 4) == "▏"


def test_on_the_seed_the_relationship_cools_from_1953_to_the_break(cli, seeded_url):
    by_year, _ = rows(cli, seeded_url, "--from", "1953", "--to", "1961")
    mean = {int(p): r["mean_tone"] for p, r in by_year.items() if r["mean_tone"] is not None}
    assert mean[1953] > 5  # close after Stalin's death
    assert mean[1960] < -5 and mean[1961] < -5  # Bucharest, Moscow, the break
    assert max(mean[y] for y in (1960, 1961)) < min(mean[y] for y in (1953, 1954))
    assert "The Soviet Union breaks off relations with Albania" in by_year["1961"]["key_events"][0]
    # (at 120 columns: since issue 14 the key events wrap instead of being cut, which takes more lines when narrow)
    table = cli(seeded_url, "timeline", env={"COLUMNS": "120"})
    assert table.exit_code == 0
    assert len(table.stdout.splitlines()) <= 45, "the arc fits in one screen"
    assert "…" not in table.stdout  # no title cut
