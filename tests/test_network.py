"""`relations-db relations`: who met whom — actor pairs from shared events, how often, over which years —
as a table, CSV, JSON, DOT and GraphML."""

from __future__ import annotations

import csv
import io
import json
import textwrap
import xml.etree.ElementTree as ET

import pytest

from relations_db.formats.seed.apply import load_seed_text
from relations_db.store import db

DATA = textwrap.dedent("""\
    format: relations-db/seed 1
    sources:
      - {key: lala-2014, kind: article, author: "Lala, Brisejda", title: Disruption, year: 2014}
    actors:
      - {name: Enver Hoxha, kind: person, aliases: [Hoxha]}
      - {name: Nikita Khrushchev, kind: person, aliases: [Hrushov]}
      - {name: Mehmet Shehu, kind: person}
      - {name: Party "of Labour" <PLA> & co, kind: party}
      - {name: Tuk Jakova, kind: person}
    events:
      - slug: e1957-moscow
        date: "1957"
        title: Official visit to Moscow
        type: visit
        participants:
          - {actor: Enver Hoxha, role: guest}
          - {actor: Mehmet Shehu, role: guest}
          - {actor: Nikita Khrushchev, role: host}
        citations: [{source: lala-2014, quote: q}]
      - slug: e1959-visit
        date: 1959-05
        title: Khrushchev visits Albania
        type: visit
        participants: [{actor: Nikita Khrushchev, role: guest}, {actor: Enver Hoxha, role: host}]
        citations: [{source: lala-2014, quote: q}]
      - slug: e1960-11-moscow
        date: 1960-11
        title: Moscow meeting
        type: congress
        participants:
          - {actor: Enver Hoxha, role: speaker}
          - {actor: Enver Hoxha, role: delegate}
          - {actor: Nikita Khrushchev, role: target}
        citations: [{source: lala-2014, quote: q}]
      - slug: e1948-1961-party
        date: 1948/1961
        title: The party's line
        type: process
        participants: [{actor: Enver Hoxha, role: party}, {actor: Party "of Labour" <PLA> & co, role: party}]
        citations: [{source: lala-2014, quote: q}]
      - slug: e1956-alone
        date: "1956"
        title: Jakova criticises
        type: statement
        participants: [{actor: Tuk Jakova, role: speaker}]
        citations: [{source: lala-2014, quote: q}]
""")
PLA = 'Party "of Labour" <PLA> & co'


@pytest.fixture
def url(db_url, engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, DATA)
    return db_url


def pairs(cli, url, *args):
    result = cli(url, "relations", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return {(p["actor_a"], p["actor_b"]): p for p in json.loads(result.stdout)}


def test_pairs_from_shared_events_with_counts_and_years(cli, url):
    found = pairs(cli, url)
    assert list(found)[0] == ("Enver Hoxha", "Nikita Khrushchev")  # most frequent first
    assert found[("Enver Hoxha", "Nikita Khrushchev")] == {
        "actor_a": "Enver Hoxha", "actor_b": "Nikita Khrushchev", "events": 3, "first_year": 1957,
        "last_year": 1960, "slugs": ["e1957-moscow", "e1959-visit", "e1960-11-moscow"]}
    assert found[("Enver Hoxha", "Mehmet Shehu")]["events"] == 1
    assert found[("Mehmet Shehu", "Nikita Khrushchev")]["events"] == 1
    # An interval spans its years.
    assert (found[("Enver Hoxha", PLA)]["first_year"], found[("Enver Hoxha", PLA)]["last_year"]) == (1948, 1961)
    # No pair of an actor with itself (two roles), none for an actor alone in its events.
    assert all(a != b for a, b in found) and not any("Tuk Jakova" in p for p in found)
    assert len(found) == 4


def test_one_actors_pairs_by_any_alias(cli, url):
    found = pairs(cli, url, "--actor", "hrushov")
    assert set(found) == {("Enver Hoxha", "Nikita Khrushchev"), ("Mehmet Shehu", "Nikita Khrushchev")}
    alone = cli(url, "relations", "--actor", "Tuk Jakova")
    assert alone.exit_code == 0 and "Tuk Jakova shares no event with another actor" in alone.stderr
    unknown = cli(url, "relations", "--actor", "Kasatonov")
    assert unknown.exit_code != 0 and "no actor named 'Kasatonov'" in unknown.stderr and unknown.stdout == ""


def test_the_event_filters_choose_which_events_count(cli, url):
    found = pairs(cli, url, "--year", "1959")
    assert {k: v["events"] for k, v in found.items()} == {("Enver Hoxha", "Nikita Khrushchev"): 1,
                                                          ("Enver Hoxha", PLA): 1}
    found = pairs(cli, url, "--type", "visit", "--actor", "Hoxha")
    assert found[("Enver Hoxha", "Nikita Khrushchev")]["slugs"] == ["e1957-moscow", "e1959-visit"]


def test_table_and_csv(cli, url):
    table = cli(url, "relations")
    assert table.exit_code == 0
    first = table.stdout.splitlines()[2]
    assert first.split()[:5] == ["Enver", "Hoxha", "Nikita", "Khrushchev", "3"] and "1957–1960" in first
    assert "e1957-moscow, +2 more" in table.stdout
    rows = list(csv.reader(io.StringIO(cli(url, "relations", "--format", "csv").stdout)))
    assert rows[0] == ["actor_a", "actor_b", "events", "first_year", "last_year", "slugs"]
    assert rows[1] == ["Enver Hoxha", "Nikita Khrushchev", "3", "1957", "1960",
                       "e1957-moscow; e1959-visit; e1960-11-moscow"]


def test_dot_is_a_graph_with_escaped_names(cli, url):
    result = cli(url, "relations", "--format", "dot")
    assert result.exit_code == 0
    dot = result.stdout
    assert dot.startswith("graph relations {") and dot.rstrip().endswith("}")
    assert '"Enver Hoxha" -- "Nikita Khrushchev" [weight=3, label="3 (1957–1960)"];' in dot
    assert '"Party \\"of Labour\\" <PLA> & co" [kind="party", events=1];' in dot
    assert "Tuk Jakova" not in dot


def test_graphml_is_valid_xml_with_weights(cli, url):
    result = cli(url, "relations", "--format", "graphml")
    assert result.exit_code == 0
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(result.stdout)
    graph = root.find("g:graph", ns)
    nodes = {n.get("id"): n for n in graph.findall("g:node", ns)}
    assert set(nodes) == {"Enver Hoxha", "Nikita Khrushchev", "Mehmet Shehu", PLA}
    edges = {(e.get("source"), e.get("target")): {d.get("key"): d.text for d in e.findall("g:data", ns)}
             for e in graph.findall("g:edge", ns)}
    assert edges[("Enver Hoxha", "Nikita Khrushchev")] == {
        "weight": "3", "first_year": "1957", "last_year": "1960",
        "slugs": "e1957-moscow e1959-visit e1960-11-moscow"}
    assert edges[("Enver Hoxha", PLA)]["first_year"] == "1948"


def test_on_the_seed_albania_and_the_soviet_union_share_the_most_events(cli, seeded_url):
    found = pairs(cli, seeded_url)
    top = next(iter(found.values()))
    assert {top["actor_a"], top["actor_b"]} == {"Albania", "Soviet Union"}
    hoxha = pairs(cli, seeded_url, "--actor", "Hoxha")
    meetings = hoxha[("Enver Hoxha", "Nikita Khrushchev")]
    assert meetings["first_year"] <= 1954 and meetings["last_year"] >= 1960
    assert "1959-khrushchev-visits-albania" in meetings["slugs"]
