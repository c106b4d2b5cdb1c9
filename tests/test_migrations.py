"""Migrations: one head, upgrade from empty, down to base and up again, and the models match them — on both
backends. (pytest-alembic's four tests, written out: it does not collect under pytest 9.)"""

from __future__ import annotations

from importlib import import_module

import pytest
from sqlalchemy import inspect, text

from relations_db.domain.vocab import own_claim_id
from relations_db.store import db
from relations_db.store.models import Base

# The revision before the sources-as-CSL migration (0008), read from the migration itself so that a re-chaining
# at merge time needs no change here; the tests of older migrations first step down to it.
BEFORE_CSL: str = import_module("relations_db.migrations.versions.0008_sources_as_csl").down_revision


def test_single_head_and_schema_head_constant():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config(db.make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, "migrations have branched: merge them into one head"
    # Commands compare the database with this constant instead of importing Alembic.
    assert db.SCHEMA_HEAD == script.get_current_head() == db.head_revision()


def test_upgrade_from_empty_creates_every_table(db_url):
    engine = db.make_engine(db_url)
    assert db.schema_revision(engine) is None
    assert db.check_current(engine) == "empty"
    db.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert db.check_current(engine) == "current"
    engine.dispose()


def test_downgrade_to_base_and_up_again(db_url):
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    db.downgrade(engine, "base")
    leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert leftover == set(), f"downgrade left tables behind: {leftover}"
    db.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


# (SQLite's indexes over the date order are on expressions, which SQLAlchemy does not reflect: they are hand-written,
# left out of the comparison like the other per-backend indexes, `db.HAND_WRITTEN_INDEXES`)
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_models_match_migrations(db_url):
    """Alembic's autogenerate comparison finds no difference between the models and the migrated schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": db.include_object,
                        "render_as_batch": engine.dialect.name == "sqlite"})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_fulltext_index_follows_writes(db_url):
    """The hand-written full-text index (FTS5 on SQLite, GIN on PostgreSQL) exists after upgrade."""
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
            assert {"events_fts", "event_search_ai", "event_search_ad", "event_search_au"} <= names
        else:
            names = {r[0] for r in conn.execute(text("SELECT indexname FROM pg_indexes"))}
            assert "ix_event_search_fts" in names
    engine.dispose()


def test_wheel_ships_migrations_and_seed():
    """The migrations and the seed are package resources, so a non-editable install finds them."""
    from importlib.resources import files

    assert files("relations_db.migrations").joinpath("env.py").is_file()
    assert any(p.name.startswith("0001_") for p in files("relations_db.migrations.versions").iterdir())
    assert files("relations_db.data").joinpath("seed.yaml").is_file()


def test_tone_notes_survive_up_and_down_and_the_downgrade_says_it_drops_them(seeded_url):
    """0003 adds `events.tone_note`; going down to 0002 cannot keep the notes, so `downgrade_losses` counts them
    (what `db downgrade` shows before it asks), and nothing else changes on the way down and up again."""
    engine = db.make_engine(seeded_url)
    db.downgrade(engine, BEFORE_CSL)
    with engine.connect() as conn:
        noted = conn.execute(text("SELECT count(*) FROM events WHERE tone_note IS NOT NULL")).scalar_one()
        before = conn.execute(text("SELECT slug, date, title, tone FROM events ORDER BY slug")).all()
    assert noted > 0
    assert db.downgrade_losses(engine, "-1") == []  # 0004 → 0003: the seed's days all fit the old date columns
    assert db.downgrade_losses(engine, "0002") == [f"the tone notes of {noted} events"]
    assert db.downgrade_losses(engine, "0003") == []
    db.downgrade(engine, "0002")
    assert "tone_note" not in {c["name"] for c in inspect(engine).get_columns("events")}
    assert db.downgrade_losses(engine, "-1") == []  # 0002 → 0001 loses nothing
    db.upgrade(engine)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT slug, date, title, tone FROM events ORDER BY slug")).all()
        assert conn.execute(text("SELECT count(*) FROM events WHERE tone_note IS NOT NULL")).scalar_one() == 0
    assert after == before
    engine.dispose()


# --- 0004: the days as integers ---------------------------------------------------------------------------------

READ_COMMANDS = [("export", "--format", "json"), ("events", "--year", "1960", "-f", "json"), ("actors", "-f", "json"),
                 ("actor", "hoxha", "-f", "json"), ("meetings", "-f", "json"), ("search", "vlora", "-f", "json"),
                 ("show", "54", "-f", "json"), ("source", "duka-2007", "-f", "json"), ("sources", "-f", "json"),
                 ("timeline", "-f", "json"), ("check", "-f", "json"), ("agreements", "-f", "json")]


def _read_all(cli, url: str) -> dict[tuple[str, ...], str]:
    found = {}
    for args in READ_COMMANDS:
        result = cli(url, *args)
        assert result.exit_code in (0, 1), (args, result.stderr)  # (`check` exits 1 on findings)
        found[args] = result.stdout
    return found


def _old_columns(engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {slug: (str(start), str(end)) for slug, start, end in
                conn.execute(text("SELECT slug, start_date, end_date FROM events"))}


def test_0004_converts_every_event_and_comes_back(cli, seeded_url):
    """Down to 0003 and up again: the old columns hold exactly the days (the sentinels 0001-01-01 / 9999-12-31
    for open and unknown ends), and the upgrade restores every read command's JSON byte for byte, the kinds of
    the open and unknown ends read back from the EDTF text."""
    import json

    engine = db.make_engine(seeded_url)
    db.downgrade(engine, BEFORE_CSL)
    db.upgrade(engine)  # (the sources as 0008 makes them from 0004's columns: what comes back below)
    before = _read_all(cli, seeded_url)
    events = {e["slug"]: e for e in json.loads(before[("export", "--format", "json")])}
    assert db.downgrade_losses(engine, "0003") == []
    db.downgrade(engine, "0003")
    assert {"start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso"}.isdisjoint(
        c["name"] for c in inspect(engine).get_columns("events"))
    old = _old_columns(engine)
    # What 0003 holds is what the old code stored: only the open or unknown ends differ from the JSON's days.
    assert old == {slug: (e["start"] or "0001-01-01", e["end"] or "9999-12-31") for slug, e in events.items()}
    assert any(e.get("end_kind") == "open" for e in events.values())
    db.upgrade(engine)
    assert _read_all(cli, seeded_url) == before
    engine.dispose()


def test_0004_downgrade_counts_the_dates_the_old_columns_cannot_hold(cli, seeded_url):
    """An event before Christ (or beyond 9999) has no DATE of the old schema: `losses` counts it, so that
    `db downgrade` refuses without --yes; the rest come back unchanged."""
    import json

    engine = db.make_engine(seeded_url)
    added = cli(seeded_url, "add", "event", "--date", "-0043-03-15", "--title", "Caesar is murdered",
                "--type", "assassination", "--source", "lala-2014", "--locator", "p. 1", "--quote", "Ides of March")
    assert added.exit_code == 0, added.stderr
    (found,) = json.loads(cli(seeded_url, "events", "--year", "-43", "-f", "json").stdout)
    assert (found["start"], found["end"]) == ("-0043-03-15", "-0043-03-15")
    db.downgrade(engine, BEFORE_CSL)
    assert db.downgrade_losses(engine, "0003") == [
        "the dates of 1 event outside the years 1–9999 (they would become 0001-01-01 or 9999-12-31)"]
    # (how `db downgrade` shows the losses is issue 19's; here: it refuses without --yes)
    assert cli(seeded_url, "db", "downgrade", "0003").exit_code != 0
    db.downgrade(engine, "0003")
    with engine.connect() as conn:
        assert str(conn.execute(text("SELECT start_date FROM events WHERE title = 'Caesar is murdered'"))
                   .scalar_one()) == "0001-01-01"
    db.upgrade(engine)
    engine.dispose()


# The revision before relative dating (0010), read from the migration itself.
BEFORE_RELATIVE: str = import_module("relations_db.migrations.versions.0010_relative_claims").down_revision


_SAID = ("event_id", "kind", "date", "start_day", "end_day", "participation_id", "place_id", "rank", "reason", "own")


def _what_they_say(rows) -> list[tuple]:
    return sorted((r.event_id, r.kind, r.date or "", r.start_day or 0, r.end_day or 0, r.participation_id or 0,
                   r.place_id or 0, r.rank, r.reason or "", bool(r.own)) for r in rows)


def _every_claim(conn) -> list[tuple]:
    from relations_db.store.own_claims import all_claims

    every = all_claims()
    return sorted(conn.execute(every.select()).all(), key=lambda r: (r.event_id, r.kind, r.id))


def test_0010_keeps_every_link_and_drops_only_the_relative_claims_it_names(seeded_url):
    """0010 adds the event a relative claim names. Neither way may cascade into other rows (a copy of `claims` on
    SQLite would have emptied `claim_citations`); the downgrade names the relative claims it drops, and drops
    only them; a relative claim without the event it names is refused by the schema."""
    engine = db.make_engine(seeded_url)
    with engine.begin() as conn:
        event, other = conn.execute(text("SELECT id FROM events ORDER BY id LIMIT 2")).scalars().all()
        citation = conn.execute(text("SELECT id FROM citations WHERE event_id = :e"), {"e": event}).scalars().first()
        # (the event's own date claim, written as a row: a command linking a citation to it would write it)
        dated = own_claim_id("date", event)
        conn.execute(text("INSERT INTO claims (id, event_id, kind, date, start_day, end_day, rank, own) SELECT :c, "
                          "id, 'date', date, start_day, end_day, 'normal', :t FROM events WHERE id = :e"),
                     {"c": dated, "e": event, "t": True})
        conn.execute(text("INSERT INTO claim_citations (claim_id, citation_id, stance) VALUES (:c, :i, 'supports')"),
                     {"c": dated, "i": citation})
        conn.execute(text("INSERT INTO claims (event_id, kind, other_event_id, at_least, rank, own) "
                          "VALUES (:e, 'after', :o, '3M', 'normal', :f)"), {"e": event, "o": other, "f": False})
        relative = conn.execute(text("SELECT max(id) FROM claims")).scalar()
        conn.execute(text("INSERT INTO claim_citations (claim_id, citation_id, stance) VALUES (:c, :i, 'supports')"),
                     {"c": relative, "i": citation})
    with pytest.raises(Exception, match="relative_names_event"), engine.begin() as conn:
        conn.execute(text("INSERT INTO claims (event_id, kind, rank, own) VALUES (:e, 'before', 'normal', :f)"),
                     {"e": event, "f": False})
    relative_kinds = "kind IN ('before', 'after', 'during')"
    with engine.connect() as conn:
        claims_before = [c for c in _every_claim(conn) if c.kind not in ("before", "after", "during")]
        spans_before = conn.execute(text("SELECT count(*) FROM disputed_spans")).scalar()
        # (the seed's own relative claims, and the links of its other claims, are there too)
        relatives = conn.execute(text(f"SELECT count(*) FROM claims WHERE {relative_kinds}")).scalar()
        kept = sorted(conn.execute(text(f"SELECT claim_id FROM claim_citations WHERE claim_id NOT IN "
                                        f"(SELECT id FROM claims WHERE {relative_kinds})")).scalars())
    assert dated in kept and relative not in kept
    assert db.downgrade_losses(engine, BEFORE_RELATIVE) == [
        f"{relatives} relative claims (before, after, during another event)"]
    db.downgrade(engine, BEFORE_RELATIVE)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT claim_id FROM claim_citations")).scalars()) == kept
        assert _what_they_say(_every_claim(conn)) == _what_they_say(claims_before)
        assert conn.execute(text("SELECT count(*) FROM disputed_spans")).scalar() == spans_before
    assert db.downgrade_losses(engine, BEFORE_RELATIVE) == []
    engine.dispose()


# --- 0011: partial indexes of the claim columns that are mostly NULL ---------------------------------------------

BEFORE_PARTIAL: str = import_module("relations_db.migrations.versions.0011_partial_claim_indexes").down_revision


def _claim_index_sql(conn) -> dict[str, str]:
    """Each index of `claims` with its definition, as the backend records it."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'claims' "
                                 "AND sql IS NOT NULL"))
    else:
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'claims' "
                                 "AND schemaname = current_schema()"))
    return {name: sql for name, sql in rows}


def _claim_with_participation(conn, participation: int | None) -> None:
    event = conn.execute(text("SELECT min(id) FROM events")).scalar()
    conn.execute(text("INSERT INTO claims (event_id, kind, participation_id, rank, own) "
                      "VALUES (:e, 'participant', :p, 'normal', :f)"), {"e": event, "p": participation, "f": False})


def test_0011_makes_the_mostly_null_indexes_partial_and_keeps_every_rule(seeded_url):
    """The indexes of `place_id` and `other_event_id` hold only non-NULL rows (and, on PostgreSQL, the unique
    index of `participation_id`); a participation still has one claim at most, NULLs never collide, and the
    migration goes down and up again without losing or changing a row."""
    engine = db.make_engine(seeded_url)
    with engine.connect() as conn:
        rows = _every_claim(conn)  # (down past 0013, every own claim has a row: what they say is compared there)
        indexes = _claim_index_sql(conn)
    for column in ("place_id", "other_event_id"):
        assert f"WHERE {column} IS NOT NULL" in indexes[f"ix_claims_{column}"].replace("(", "").replace(")", "")
    if engine.dialect.name == "postgresql":
        assert "WHERE (participation_id IS NOT NULL)" in indexes["uq_claims_participation_id"]
    with engine.begin() as conn:
        taken = conn.execute(text("SELECT min(participation_id) FROM claims")).scalar()
        _claim_with_participation(conn, None)
        _claim_with_participation(conn, None)
    with pytest.raises(Exception, match="(?i)unique"), engine.begin() as conn:
        _claim_with_participation(conn, taken)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM claims WHERE participation_id IS NULL AND kind = 'participant'"))
    assert db.downgrade_losses(engine, BEFORE_PARTIAL) == []
    db.downgrade(engine, BEFORE_PARTIAL)
    with engine.connect() as conn:
        assert all("WHERE" not in sql for name, sql in _claim_index_sql(conn).items() if name != "ix_claims_marked")
        assert _what_they_say(conn.execute(text(f"SELECT {', '.join(_SAID)} FROM claims"))) == _what_they_say(rows)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert _claim_index_sql(conn) == indexes
        assert _every_claim(conn) == rows
    engine.dispose()


def test_0012_stores_the_csv_cells_and_db_upgrade_makes_them(cli, seeded_url):
    """The seeded events have their CSV cells; down to 0011 drops the three columns and their index and nothing
    else (no losses); up again the cells are NULL, the export takes the general way with the same bytes, and
    `db upgrade` makes them as they were."""
    engine = db.make_engine(seeded_url)
    cells = "SELECT id, date_display, sources_cell, notes_cell FROM events ORDER BY id"
    rest = "SELECT id, slug, date, title, summary FROM events ORDER BY id"
    with engine.connect() as conn:
        made, others = conn.execute(text(cells)).all(), conn.execute(text(rest)).all()
    exported = cli(seeded_url, "export", "--format", "csv").stdout
    assert made and all(all(row[1:]) for row in made)  # (every seeded event has a date and a source)
    assert db.downgrade_losses(engine, "0011") == []
    db.downgrade(engine, "0011")
    with engine.connect() as conn:
        inspector = inspect(conn)
        columns = {c["name"] for c in inspector.get_columns("events")}
        assert columns.isdisjoint({"date_display", "sources_cell", "notes_cell"})
        assert "ix_events_cells_missing" not in {i["name"] for i in inspector.get_indexes("events")}
        assert conn.execute(text(rest)).all() == others
    db.upgrade(engine)
    with engine.connect() as conn:
        assert all(row[1:] == (None, None, None) for row in conn.execute(text(cells)))
    assert cli(seeded_url, "export", "--format", "csv").stdout == exported
    assert "Made the CSV cells" in cli(seeded_url, "db", "upgrade").stderr
    with engine.connect() as conn:
        assert conn.execute(text(cells)).all() == made
    engine.dispose()


def test_0013_reads_plain_own_claims_from_their_event_and_comes_back(cli, seeded_url):
    """Down to 0012 writes a row for every own claim that had none (no losses), each as it read; up again deletes
    the rows of the plain ones — not a row that says more than its event (here: an own date no longer the
    event's) — and every claim reads as before, under the same ids."""
    engine = db.make_engine(seeded_url)
    with engine.connect() as conn:
        before, rows = _every_claim(conn), conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
    listed = cli(seeded_url, "claims", "1961-06-04-soviet-submarines-leave-vlore", "-f", "json").stdout
    exported = cli(seeded_url, "export", "--format", "yaml").stdout
    assert rows < len(before)  # (most own claims have no row)
    assert db.downgrade_losses(engine, "0012") == []
    db.downgrade(engine, "0012")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM claims")).scalar_one() == len(before)
        assert conn.execute(text("SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE "
                                 "c.event_id = e.id AND c.kind = 'date')")).scalar_one() == 0
        written = conn.execute(text(f"SELECT {', '.join(_SAID)} FROM claims")).all()
        assert _what_they_say(written) == _what_they_say(before)  # (ids aside: the rows written get new ones)
        # an own date claim that is not its event's date says something: the upgrade keeps its row
        kept = conn.execute(text("SELECT c.id FROM claims c JOIN events e ON e.id = c.event_id WHERE c.own AND "
                                 "c.kind = 'date' AND c.rank = 'normal' AND c.reason IS NULL AND e.slug = "
                                 "'1948-soviet-yugoslav-split'")).scalar_one()
        conn.execute(text("UPDATE claims SET date = '1948-06' WHERE id = :id"), {"id": kept})
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT date FROM claims WHERE id = :id"), {"id": kept}).scalar_one() == "1948-06"
        # (no plain participant claim keeps a row: the downgrade wrote one for each)
        assert conn.execute(text("SELECT count(*) FROM claims c WHERE own AND kind = 'participant' AND rank = "
                                 "'normal' AND reason IS NULL AND NOT EXISTS (SELECT 1 FROM claim_citations l "
                                 "WHERE l.claim_id = c.id)")).scalar_one() == 0
        conn.execute(text("DELETE FROM claims WHERE id = :id"), {"id": kept})
        conn.commit()
        assert _every_claim(conn) == before
    assert cli(seeded_url, "claims", "1961-06-04-soviet-submarines-leave-vlore", "-f", "json").stdout == listed
    assert cli(seeded_url, "export", "--format", "yaml").stdout == exported
    engine.dispose()
