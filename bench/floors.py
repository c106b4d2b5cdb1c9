"""Floors: the same work done with nothing but Python's sqlite3 module, beside which relations-db is measured.

    python bench/floors.py actor-narrow DB NAME   # one actor's events, 6 columns, one JSON array a line
    python bench/floors.py actor-full DB NAME     # the same events in the shape `events --format jsonl` prints
    python bench/floors.py export DB OUT          # csv.writer over a streamed cursor of the events table
    python bench/floors.py insert FILLED EMPTY    # the rows of FILLED inserted into EMPTY (same schema)

The narrow floor is the issue's reference ("Python sqlite3"); the full floor writes every key relations-db
writes (participants, citations with their sources, invoked agreements), so the ratio to it is the cost of
the layers, not of the shape. The insert floor is what SQLite itself costs for a bulk load of those rows into
this schema (executemany, secondary indexes dropped and made again, the full-text index rebuilt once), before
any reading, checking or slug-making.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import time

from relations_db.domain.citing import citation_text  # (pure Python: how a citation reads, as the tool writes it)

_ACTOR_EVENTS = ("FROM events e JOIN participations p ON p.event_id = e.id JOIN actors a ON a.id = p.actor_id "
                 "WHERE a.name = ? ORDER BY e.start_day, e.end_day IS NULL, e.end_day, e.id")


def actor_narrow(path: str, name: str) -> None:
    conn = sqlite3.connect(path)
    write = sys.stdout.write
    for row in conn.execute(f"SELECT e.id, e.slug, e.date, e.start_iso, e.end_iso, e.title {_ACTOR_EVENTS}",
                            (name,)):
        write(json.dumps(row) + "\n")


def actor_full(path: str, name: str) -> None:
    conn = sqlite3.connect(path)
    write = sys.stdout.write
    places = dict(conn.execute("SELECT id, name FROM places"))
    sources = {i: (k, s) for i, k, s in conn.execute("SELECT id, key, short FROM sources")}
    cursor = conn.execute("SELECT e.id, e.slug, e.kind, e.date, e.start_iso, e.end_iso, e.start_kind, e.end_kind, "
                          "e.precision, e.title, e.summary, e.type, e.tone, e.tone_note, e.place_id "
                          f"{_ACTOR_EVENTS}", (name,))
    while batch := cursor.fetchmany(500):
        events = {}
        for (i, slug, kind, date, start, end, start_kind, end_kind, precision, title, summary, type_, tone,
             tone_note, place) in batch:
            kinds = {**({"start_kind": start_kind} if start_kind else {}),
                     **({"end_kind": end_kind} if end_kind else {})}
            events[i] = {"id": i, "slug": slug, "kind": kind, "date": date, "start": start, "end": end, **kinds,
                         "precision": precision, "title": title, "summary": summary, "type": type_,
                         "tone": tone, "tone_note": tone_note, "place": places.get(place), "actors": [],
                         "citations": [], "invokes": []}
        ids = list(events)
        marks = ",".join("?" * len(ids))
        for event_id, actor, kind, role in conn.execute(
                "SELECT p.event_id, a.name, a.kind, p.role FROM participations p JOIN actors a ON a.id = p.actor_id "
                f"WHERE p.event_id IN ({marks}) ORDER BY p.event_id, p.id", ids):
            events[event_id]["actors"].append({"name": actor, "kind": kind, "role": role})
        for event_id, id_, source, locator, quote, cited_as, cited_in, in_locator, confidence, note in conn.execute(
                "SELECT event_id, id, source_id, locator, quote, cited_as, cited_in_id, cited_in_locator, "
                f"confidence, note FROM citations WHERE event_id IN ({marks}) ORDER BY event_id, id", ids):
            key, short = sources[source]
            in_key, in_short = sources[cited_in] if cited_in is not None else (None, None)
            events[event_id]["citations"].append({
                "id": id_, "source": key, "short": short, "locator": locator, "quote": quote, "cited_as": cited_as,
                "cited_in": in_key, "cited_in_short": in_short, "cited_in_locator": in_locator,
                "confidence": confidence, "note": note,
                "text": citation_text(short, locator, in_short, in_locator)})
        for event_id, slug in conn.execute(
                "SELECT i.event_id, e.slug FROM agreement_invocations i JOIN events e ON e.id = i.agreement_id "
                f"WHERE i.event_id IN ({marks})", ids):
            events[event_id]["invokes"].append(slug)
        write("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events.values()))


def export(path: str, out: str) -> None:
    conn = sqlite3.connect(path)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        cursor = conn.execute("SELECT date, start_iso, end_iso, title, type, summary FROM events "
                              "ORDER BY start_day, end_day IS NULL, end_day, id")
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)


_LOADED = ("events", "participations", "citations", "event_search")


def insert(filled: str, empty: str) -> None:
    """Prints the seconds of the load itself (reading FILLED into memory first is not counted)."""
    source = sqlite3.connect(filled)
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in _LOADED}
    source.close()
    conn = sqlite3.connect(empty, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "cache_size = -65536"):
        conn.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    marks = ",".join("?" * len(_LOADED))
    indexes = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
                           "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'", _LOADED).fetchall()
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'event_search_ai'").fetchone()[0]
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("DROP TRIGGER event_search_ai")
    for table in _LOADED:
        if rows[table]:
            conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[table][0]))})", rows[table])
    conn.execute("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")
    conn.execute(trigger)
    for _, create in indexes:
        conn.execute(create)
    conn.execute("COMMIT")
    print(f"{time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    {"actor-narrow": actor_narrow, "actor-full": actor_full, "export": export, "insert": insert}[sys.argv[1]](
        *sys.argv[2:])
