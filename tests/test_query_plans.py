"""The read path at scale: the statements use the indexes meant for them (EXPLAIN on SQLite and PostgreSQL),
and the rewrites that make them cheap — a date filter asked once per span class, an actor or word filter
driven from whichever side is smaller — return exactly what the plain filters mean.

The plans are read on small databases, so on PostgreSQL sequential scans (and bitmap scans, which lose the
order) are switched off, as a planner facing a million rows would rule them out: what is checked is that the
indexes *can* serve each statement — that the conditions are spelled as the indexes expect — and, where the
point is to avoid a sort, that none is needed.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import insert, select

from relations_db.domain.edtf_calendar import iso_day
from relations_db.read import shapes
from relations_db.read.events import count_events, event_rows, events_statement
from relations_db.read.filters import Filters, resolve
from relations_db.read.search import search_rows
from relations_db.store import db
from relations_db.store.schema import actors, claims, event_search, events, participations

SPAN_INDEXES = ("ix_events_span_31", "ix_events_span_366", "ix_events_span_3660", "ix_events_span_long")


def plan(conn, stmt, *, bitmaps: bool = False) -> list[tuple[int, int, str]]:
    """(id, parent id, what) for each step of the plan: SQLite's EXPLAIN QUERY PLAN rows, or PostgreSQL's
    EXPLAIN lines with their parent found by indentation. `bitmaps` allows PostgreSQL's bitmap scans (the
    only kind a GIN index has)."""
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "sqlite":
        return [(row[0], row[1], row[3]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conn.exec_driver_sql(f"SET LOCAL enable_bitmapscan = {'on' if bitmaps else 'off'}")
    steps, stack = [], []  # stack: (indent, id) of the open ancestors
    for number, line in enumerate(conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + sql.replace("%", "%%")).scalars()):
        what = line.lstrip()
        if what.startswith("->"):
            what = what[2:].lstrip()
        elif number:  # a detail of the step above (Sort Key, Index Cond…)
            steps[-1] = (steps[-1][0], steps[-1][1], steps[-1][2] + " | " + what)
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        steps.append((number, stack[-1][1] if stack else -1, what))
        stack.append((indent, number))
    return steps


def statement(conn, filters: Filters):
    return events_statement(conn, resolve(conn, filters), filters.limit)


def parent_of(steps, step):
    return next((s for s in steps if s[0] == step[1]), None)


def steps_using(steps, index: str):
    found = [s for s in steps if index in s[2]]
    assert found, f"{index} unused:\n" + "\n".join(s[2] for s in steps)
    return found


def no_sort_for(steps, step, dialect: str) -> bool:
    """True when the rows `step` reads need no sort at its level: SQLite puts a TEMP B-TREE beside the scan,
    PostgreSQL a Sort node above it."""
    if dialect == "sqlite":
        return not any("TEMP B-TREE" in s[2] for s in steps if s[1] == step[1])
    parent = parent_of(steps, step)
    return parent is None or not parent[2].startswith(("Sort", "Incremental Sort"))


# --- a database with events of every span -------------------------------------------------------------------

SPANS = [0, 0, 0, 5, 30, 31, 32, 90, 365, 366, 367, 1000, 3660, 3661, 20000]


@pytest.fixture
def spans_engine(engine):
    """400 events with spans of every class (a day … decades), open ends, unknown starts and a few before
    Christ, two actors (one in every event, one in two) and search texts (one word in every event, another in
    three)."""
    rng = random.Random(6)
    rows, parts, texts = [], [], []
    for i in range(1, 401):
        start = dt.date(1900, 1, 1).toordinal() + rng.randrange(0, 100 * 365)
        if i % 97 == 0:  # 44 BC or so: day numbers below 0
            start = -16000 + i
        end: int | None = start + rng.choice(SPANS)
        start_kind = end_kind = None
        if i % 50 == 0:
            end, end_kind = None, "open"
        elif i % 70 == 0:
            start, start_kind = None, "unknown"
        rows.append({"id": i, "slug": f"e{i}", "kind": "event", "date": "x", "start_day": start, "end_day": end,
                     "start_kind": start_kind, "end_kind": end_kind,
                     "start_iso": iso_day(start) if start is not None else None,
                     "end_iso": iso_day(end) if end is not None else None,
                     "precision": "day", "approximate": False, "uncertain": False, "title": f"Event {i}",
                     "summary": None, "type": "t", "tone": None, "place_id": None})
        parts.append({"event_id": i, "actor_id": 1, "role": None})
        if i % 150 == 0:
            parts.append({"event_id": i, "actor_id": 2, "role": None})
        texts.append({"event_id": i, "body": f"Event {i} common" + (" rarity" if i % 150 == 0 else ""),
                      "title_terms": f"event {i} common" + (" rariti" if i % 150 == 0 else ""),
                      "summary_terms": "", "quote_terms": ""})
    with engine.begin() as conn:
        conn.execute(insert(actors), [{"id": 1, "name": "Busy", "name_folded": "busy", "kind": "person"},
                                      {"id": 2, "name": "Rare", "name_folded": "rare", "kind": "person"}])
        conn.execute(insert(events), rows)
        conn.execute(insert(participations), parts)
        conn.execute(insert(event_search), texts)
    if engine.dialect.name == "postgresql":  # statistics, as autovacuum would gather them after a load
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE events, participations, event_search")
    return engine


def naive(rows: list[dict], first: dt.date | None, last: dt.date | None) -> list[int]:
    """What a date filter means: the events overlapping [first, last], by (start, end, id), a missing end
    reaching any day and sorting first (a start) or last (an end)."""
    low, high = (first.toordinal() if first else None), (last.toordinal() if last else None)
    hits = [r for r in rows if (low is None or r["end_day"] is None or r["end_day"] >= low)
            and (high is None or r["start_day"] is None or r["start_day"] <= high)]
    return [r["id"] for r in sorted(hits, key=lambda r: (r["start_day"] is not None, r["start_day"] or 0,
                                                         r["end_day"] is None, r["end_day"] or 0, r["id"]))]


# --- plans ----------------------------------------------------------------------------------------------------


def test_a_year_reads_each_span_class_from_its_index_in_order(spans_engine):
    with db.connection_scope(spans_engine) as conn:
        steps = plan(conn, statement(conn, Filters(year=1960, limit=100)))
        for index in SPAN_INDEXES:
            for step in steps_using(steps, index):
                assert no_sort_for(steps, step, conn.dialect.name), (index, steps)
        assert not [s for s in steps if s[2].startswith(("SCAN events", "Seq Scan on events"))], steps


def test_open_and_unknown_ends_are_read_through_their_own_indexes(spans_engine):
    """An event without an end (or a start) reaches any day: its own leg seeks an index on the missing end, and
    reads it in date order. (SQLite sorts the rows of one start day that have no end — it cannot see that
    `end_day IS NULL` is constant there — but streams the start days in order; PostgreSQL seeks `start_day IS
    NULL` in the date-order index itself.)"""
    with db.connection_scope(spans_engine) as conn:
        dialect = conn.dialect.name
        steps = plan(conn, statement(conn, Filters(year=1960, limit=100)))
        no_end = steps_using(steps, "ix_events_no_end")
        no_start = [s for s in steps if "ix_events_no_start" in s[2] or "(start_day IS NULL)" in s[2]]
        assert no_start, steps
        for step in no_end + no_start:
            if dialect == "sqlite":
                assert not [s for s in steps if s[1] == step[1] and s[2] == "USE TEMP B-TREE FOR ORDER BY"], steps
            else:
                assert no_sort_for(steps, step, dialect), steps


def test_a_range_open_at_the_end_uses_the_span_classes_too(spans_engine):
    with db.connection_scope(spans_engine) as conn:
        steps = plan(conn, statement(conn, Filters(from_year=1990, limit=10)))
        for index in SPAN_INDEXES:
            steps_using(steps, index)


def test_the_chronology_in_date_order_needs_no_sort(spans_engine):
    """No filter, or only `--to` (every event that began by then): the date-order index, read in order."""
    with db.connection_scope(spans_engine) as conn:
        for filters in (Filters(limit=100), Filters(to_year=1950, limit=100)):
            steps = plan(conn, statement(conn, filters))
            for step in steps_using(steps, "ix_events_start_day_end_day_id"):
                assert no_sort_for(steps, step, conn.dialect.name), steps


def test_an_actors_events_come_from_the_participations_index(spans_engine):
    with db.connection_scope(spans_engine) as conn:
        steps = plan(conn, statement(conn, Filters(actors=["Rare"])))
        steps_using(steps, "ix_participations_actor_id_event_id")


def test_sqlite_checks_a_busy_actor_in_date_order_and_reads_a_rare_one_whole(spans_engine):
    """SQLite keeps the form it is given: for the first 10 events of an actor in every event, reading events
    in date order and checking each stops after 10; for an actor in 2 events, reading its 2 is cheaper."""
    if spans_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses between the two plans itself")
    with db.connection_scope(spans_engine) as conn:
        busy = plan(conn, statement(conn, Filters(actors=["Busy"], limit=10)))
        rare = plan(conn, statement(conn, Filters(actors=["Rare"], limit=10)))
    for step in steps_using(busy, "SCAN events USING COVERING INDEX ix_events_start_day_end_day_id"):
        assert no_sort_for(busy, step, "sqlite"), busy
    steps_using(rare, "ix_participations_actor_id_event_id (actor_id=?)")


def test_words_are_found_through_the_full_text_index(spans_engine):
    with db.connection_scope(spans_engine) as conn:
        if conn.dialect.name == "postgresql":  # 400 rows: reading them by primary key looks as cheap
            conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
        steps = plan(conn, statement(conn, Filters(search="rarity")), bitmaps=True)
        steps_using(steps, "events_fts VIRTUAL TABLE" if conn.dialect.name == "sqlite" else "ix_event_search_fts")


# --- the rewrites return what the filters mean ------------------------------------------------------------------


def test_span_classes_return_and_count_exactly_the_overlapping_events(spans_engine):
    with spans_engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(events.select())]
    rng = random.Random(60)
    cases = [(year, year) for year in (1899, 1900, 1955, 1999, 2000, 2100)]
    cases += [(rng.randint(1890, 2010), None) for _ in range(6)] + [(None, rng.randint(1890, 2010)) for _ in range(6)]
    for _ in range(12):
        a, b = sorted(rng.randint(1890, 2010) for _ in range(2))
        cases.append((a, b))
    with db.connection_scope(spans_engine) as conn:
        for from_year, to_year in cases:
            first = dt.date(from_year, 1, 1) if from_year else None
            last = dt.date(to_year, 12, 31) if to_year else None
            expected = naive(rows, first, last)
            assert count_events(conn, Filters(from_year=from_year, to_year=to_year)) == len(expected)
            for limit in (None, 1, 7, 100):
                filters = Filters(from_year=from_year, to_year=to_year, limit=limit)
                got = [e["id"] for e in event_rows(conn, filters)]
                assert got == expected[:limit], (from_year, to_year, limit)


def test_both_forms_of_an_actor_filter_agree(spans_engine):
    with spans_engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(events.select())]
    with db.connection_scope(spans_engine) as conn:
        for limit in (None, 3, 10, 1000):
            busy = [e["id"] for e in event_rows(conn, Filters(actors=["Busy"], limit=limit))]
            assert busy == naive(rows, None, None)[:limit]
            both = [e["id"] for e in event_rows(conn, Filters(actors=["Busy", "Rare"], limit=limit))]
            assert both == [i for i in naive(rows, None, None) if i % 150 == 0][:limit]
            in_1950s = [e["id"] for e in event_rows(conn, Filters(actors=["Busy"], from_year=1950, to_year=1959,
                                                                   limit=limit))]
            assert in_1950s == naive(rows, dt.date(1950, 1, 1), dt.date(1959, 12, 31))[:limit]


def test_a_search_with_too_many_matches_to_rank_lists_them_in_date_order(spans_engine, monkeypatch):
    with spans_engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(events.select())]
    in_order = naive(rows, None, None)
    with db.connection_scope(spans_engine) as conn:
        found = search_rows(conn, "rarity")  # 2 matches: ranked
        assert found.ranked and sorted(e["id"] for e in found) == [150, 300]
        if conn.dialect.name == "sqlite":  # PostgreSQL estimates the matches: exact on SQLite only
            monkeypatch.setattr(shapes, "RANK_AT_MOST", 1)
            found = search_rows(conn, "rarity")
            assert not found.ranked and [e["id"] for e in found] == [i for i in in_order if i % 150 == 0]
        monkeypatch.setattr(shapes, "RANK_AT_MOST", 50)
        found = search_rows(conn, "common", Filters(limit=20))  # in all 400
        assert not found.ranked
        assert [e["id"] for e in found] == in_order[:20]
        assert all("[common]" in e["snippet"] for e in found)


def test_a_low_estimate_of_the_matches_still_lists_many_in_date_order(spans_engine, monkeypatch):
    """PostgreSQL decides to rank on the planner's estimate; when it is low, the search reads one candidate more
    than may be ranked, and lists them in date order as SQLite's exact count would: the same answer on both
    backends, and never more than RANK_AT_MOST + 1 candidates read."""
    from relations_db.read import search as searching

    with spans_engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(events.select())]
    monkeypatch.setattr(shapes, "RANK_AT_MOST", 50)
    monkeypatch.setattr(searching, "_few_matches", lambda conn, terms: True)  # (an estimate of "few")
    with db.connection_scope(spans_engine) as conn:
        found = search_rows(conn, "common", Filters(limit=20))  # in all 400
        assert not found.ranked and [e["id"] for e in found] == naive(rows, None, None)[:20]
        rare = search_rows(conn, "rarity")
        assert rare.ranked and sorted(e["id"] for e in rare) == [150, 300]


def test_a_search_decides_to_rank_right_after_a_load(engine, monkeypatch):
    """Before any ANALYZE (a bulk import has just filled the tables), PostgreSQL's estimate of the matches is a
    fixed guess: the matches are counted instead."""
    with engine.begin() as conn:
        conn.execute(insert(events), [
            {"id": i, "slug": f"e{i}", "kind": "event", "date": "x",
             "start_day": dt.date(1950, 1, 1).toordinal() + i, "end_day": dt.date(1950, 1, 1).toordinal() + i,
             "start_iso": iso_day(dt.date(1950, 1, 1).toordinal() + i),
             "end_iso": iso_day(dt.date(1950, 1, 1).toordinal() + i),
             "precision": "day", "approximate": False,
             "uncertain": False, "title": f"Event {i}", "summary": None, "type": "t", "tone": None, "place_id": None}
            for i in range(1, 61)])
        conn.execute(insert(event_search), [{"event_id": i, "body": "common" + (" rarity" if i == 7 else ""),
                                             "title_terms": "common" + (" rariti" if i == 7 else ""),
                                             "summary_terms": "", "quote_terms": ""} for i in range(1, 61)])
    monkeypatch.setattr(shapes, "RANK_AT_MOST", 50)
    with db.connection_scope(engine) as conn:
        common = search_rows(conn, "common", Filters(limit=5))
        assert not common.ranked and [e["id"] for e in common] == [1, 2, 3, 4, 5]
        rare = search_rows(conn, "rarity")
        assert rare.ranked and [e["id"] for e in rare] == [7]


def test_the_cli_says_when_a_search_is_in_date_order(spans_engine, cli, monkeypatch):
    monkeypatch.setattr(shapes, "RANK_AT_MOST", 50)
    url = spans_engine.url.render_as_string(hide_password=False)
    result = cli(url, "search", "common", "--limit", "3", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert "listed in date order" in result.stderr
    assert "date order" not in cli(url, "search", "rarity").stderr


def test_postgresql_plans_streamed_listings_for_every_row(db_url):
    """A listing streams through a server-side cursor, which PostgreSQL would plan for its first tenth (an
    ordered index scan that checks each event): every connection asks it to plan for all rows, and keeps the
    settings the URL gives."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting")
    for url, work_mem in ((db_url, None), (db_url + "?options=-c%20work_mem%3D7MB", "7MB")):
        engine = db.make_engine(url)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW cursor_tuple_fraction").scalar() == "1"
            if work_mem:
                assert conn.exec_driver_sql("SHOW work_mem").scalar() == work_mem
        engine.dispose()


@pytest.mark.parametrize(("column", "sqlite_index", "postgresql_index"), [
    ("place_id", "ix_claims_place_id", "ix_claims_place_id"),
    ("other_event_id", "ix_claims_other_event_id", "ix_claims_other_event_id"),
    ("participation_id", "sqlite_autoindex_claims_1", "uq_claims_participation_id")])
def test_a_claim_is_found_by_what_it_names_through_the_partial_indexes(engine, column, sqlite_index,
                                                                       postgresql_index):
    """Migration 0011 made the indexes of the claim columns that are mostly NULL partial (`… IS NOT NULL`): an
    equality still reaches them, as the look-ups and the cascades of a removed place, event or participation
    need (SQLite keeps its unique constraint on `participation_id` whole)."""
    with engine.connect() as conn:
        index = sqlite_index if conn.dialect.name == "sqlite" else postgresql_index
        steps_using(plan(conn, select(claims.c.id).where(claims.c[column] == 7)), index)


@pytest.mark.parametrize("statement_of", ["one event's claims", "the date claims of a component"])
def test_own_claims_without_rows_are_read_by_event_through_indexes(engine, statement_of):
    """An event's plain own claims have no row and are read from the event (`store.own_claims`): each arm of the
    union is reached by event through an index — `show` of one event and the dates of a component of relative
    claims never read every event, participation or claim of a million."""
    from relations_db.read.claims import claims_statement
    from relations_db.read.relative import dates_statement

    with engine.connect() as conn:
        stmt = (claims_statement(7) if statement_of == "one event's claims"
                else dates_statement(conn.dialect.name, [7, 8]))
        steps = plan(conn, stmt)
    whole = [s[2] for s in steps if s[2].startswith(("SCAN events", "SCAN participations", "Seq Scan"))]
    assert not whole, "\n".join(s[2] for s in steps)
    steps_using(steps, "ix_claims_event_id")
