"""Bulk writing (relations_db.store.bulk) and the fast text folding imports rely on, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from write_sample import counts, load

from relations_db.domain.text import fold, fold_whole
from relations_db.read.events import event_rows
from relations_db.read.filters import Filters
from relations_db.store import db
from relations_db.store.bulk import BulkWriter
from relations_db.store.schema import citations, event_search, events
from relations_db.write.search_index import SEARCH_COLUMNS, compose_search_text

BULK_TABLES = ("events", "participations", "citations", "event_search")


# --- fold: the fast way gives the definition's result -------------------------------------------------------


def test_fold_matches_its_definition_for_every_character_of_the_basic_plane():
    # Each step of the definition works character by character, which is what the fast way relies on;
    # Cherokee (casefold gives capitals that lower() would change) must take the whole-text way.
    different = [hex(cp) for cp in range(0x10000) if fold(chr(cp)) != fold_whole(chr(cp))]
    assert different == []
    assert fold("ꭰꭱ Ꭰ") == fold_whole("ꭰꭱ Ꭰ") == "ᎠᎡ Ꭰ"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.text(alphabet="aÄäİıſﬁ ẞΣσς \t\n\u00a0\u2003\u0301Ꭰꭰ-:;,.'", max_size=40))
def test_fold_matches_its_definition_on_any_text(text):
    assert fold(text) == fold_whole(text)


def test_fold_examples():
    assert fold("  Grečko\t VLORË ") == "grecko vlore"
    assert fold("Đorđe Łukasz Ærø") == "dorde lukasz aero"


# --- BulkWriter ------------------------------------------------------------------------------------------------


def _event_row(event_id: int, n: int) -> tuple:
    return (event_id, f"bulk-{n}", "event", "1960-06", 715662, 715691, None, None, "1960-06-01", "1960-06-30",
            "month", True, False,
            f"Bulk event {n}", None if n % 2 else f"Summary {n}", "visit", None, None)


EVENT_COLUMNS = ("id", "slug", "kind", "date", "start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso",
                 "precision", "approximate", "uncertain", "title", "summary", "type", "tone", "place_id")


def test_bulk_insert_writes_what_the_orm_reads_and_fills_the_search_index(engine, cli):
    load(engine)
    url = engine.url.render_as_string(hide_password=False)
    n = 5000  # more rows than one SQLite statement holds, so that several statements are needed
    with db.session_scope(engine, write=True) as s:
        writer = BulkWriter(s)
        ids = writer.next_ids("events", n)
        assert len(set(ids)) == n
        assert not set(ids) & set(s.execute(select(events.c.id).where(events.c.slug.not_like("bulk-%"))).scalars())
        writer.insert("events", EVENT_COLUMNS, [_event_row(i, k) for k, i in enumerate(ids)])
        lala = s.execute(select(func.min(citations.c.source_id))).scalar()
        writer.insert("citations", ("event_id", "source_id", "confidence"), [(i, lala, 2) for i in ids])
        writer.insert("event_search", SEARCH_COLUMNS,
                      [(i, *compose_search_text(f"Bulk event {k} in Vlorë", None, ())) for k, i in enumerate(ids)])
    with db.session_scope(engine) as s:
        rows = {e["slug"]: e for e in event_rows(s, Filters()) if e["slug"].startswith("bulk-")}
    assert len(rows) == n
    e = rows["bulk-2"]
    assert (e["date"], e["start"], e["end"], e["precision"], e["summary"], e["citations"][0]["source"]) == \
        ("1960-06", "1960-06-01", "1960-06-30", "month", "Summary 2", "lala-2014")
    found = cli(url, "events", "--search", "bulk 4321 vlora", "-f", "json")  # the full-text index has them
    assert found.exit_code == 0, found.stderr
    assert '"slug": "bulk-4321"' in found.stdout and found.stdout.count('"slug"') == 1


def test_existing_tells_which_values_a_column_holds(engine):
    load(engine)
    with db.session_scope(engine) as s:
        writer = BulkWriter(s)
        wanted = ["1961-12-03-break", "no-such-slug"] + [f"x-{i}" for i in range(2500)]
        assert writer.existing("events", "slug", wanted) == {"1961-12-03-break"}
        assert writer.existing("events", "slug", []) == set()


def _definitions(engine) -> set:
    """Every index and foreign key of the bulk tables, as the database records them."""
    with db.session_scope(engine) as s:
        writer = BulkWriter(s)
        found = set(writer.secondary_indexes(BULK_TABLES))
        if not writer.sqlite:
            found |= set(writer.foreign_keys(BULK_TABLES))
        return found


def test_deferred_checks_come_back_exactly_as_they_were(engine):
    load(engine)
    before = _definitions(engine)
    assert any(name == "ix_participations_actor_id_event_id" for name, *_ in before)
    with db.session_scope(engine, write=True) as s:
        writer = BulkWriter(s)
        restore = writer.defer_checks(BULK_TABLES)
        assert writer.secondary_indexes(BULK_TABLES) == []
        ids = writer.next_ids("events", 3)
        writer.insert("events", EVENT_COLUMNS, [_event_row(i, k) for k, i in enumerate(ids)])
        restore()
    assert _definitions(engine) == before
    assert counts(engine)["events"] == 7


def test_a_failed_bulk_load_rolls_back_with_the_dropped_indexes(engine):
    load(engine)
    before, rows_before = _definitions(engine), counts(engine)
    with pytest.raises(RuntimeError):
        with db.session_scope(engine, write=True) as s:
            writer = BulkWriter(s)
            writer.defer_checks(BULK_TABLES)
            ids = writer.next_ids("events", 3)
            writer.insert("events", EVENT_COLUMNS, [_event_row(i, k) for k, i in enumerate(ids)])
            raise RuntimeError("a bad row further on")
    assert _definitions(engine) == before
    assert counts(engine) == rows_before


def test_a_bad_reference_fails_the_load_even_with_checks_deferred(engine):
    """SQLite checks the foreign key as the row goes in; PostgreSQL when the key is added back."""
    load(engine)
    rows_before = counts(engine)
    with pytest.raises(IntegrityError):
        with db.session_scope(engine, write=True) as s:
            writer = BulkWriter(s)
            restore = writer.defer_checks(BULK_TABLES)
            event_id = s.execute(select(func.min(events.c.id))).scalar()
            writer.insert("participations", ("event_id", "actor_id", "role"), [(event_id, 999_999, "host")])
            restore()
    assert counts(engine) == rows_before


def test_large_cache_is_given_back(engine):
    with db.session_scope(engine) as s:
        writer = BulkWriter(s)
        if not writer.sqlite:
            pytest.skip("a SQLite page-cache setting")
        before = s.connection().exec_driver_sql("PRAGMA cache_size").scalar()
        with writer.large_cache(16):
            assert s.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -16 * 1024
        assert s.connection().exec_driver_sql("PRAGMA cache_size").scalar() == before


def test_the_search_texts_of_many_events_are_stored_once_and_updated(engine):
    from relations_db.store.models import Event
    from relations_db.write.search_index import refresh_search_for, refresh_search_many, search_text

    load(engine)
    with db.session_scope(engine, write=True) as s:
        s.execute(event_search.delete())
        every = list(s.scalars(select(Event)))
        refresh_search_many(s, every)
        refresh_search_many(s, every)  # twice: nothing is inserted again
        stored = {row[0]: tuple(row[1:]) for row in s.execute(select(*event_search.c)).all()}
        assert stored == {e.id: search_text(e) for e in every}
        s.execute(events.update().where(events.c.slug == "1961-12-03-break").values(summary="Edited."))
        event_id = s.execute(select(events.c.id).where(events.c.slug == "1961-12-03-break")).scalar()
        refresh_search_for(s, [event_id])
        body, summary_terms = s.execute(select(event_search.c.body, event_search.c.summary_terms)
                                        .where(event_search.c.event_id == event_id)).one()
    assert body.splitlines()[:2] == ["The Soviet Union breaks off relations", "Edited."]
    assert summary_terms == "edit"


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["1961-06-04", "1960-06", "1956", "1959-10~", "1961?", "1954/1956", "196X", "../1948",
                        "-0043-03-15", "-01XX", "Y-170000002", "-0050/-0040", "../-0040"]),
       st.text(alphabet=st.characters(codec="utf-8"), max_size=90)
       | st.text(alphabet="aZ09 -.,'!?ÄäİıſﬁẞΣσςĐđŁæ\t\u00a0\u0301Ꭰꭰ", max_size=90))
def test_import_slugs_are_those_of_add_event(date_text, title):
    from relations_db.domain import dates
    from relations_db.formats.csv.importing import slug_base
    from relations_db.write.events import event_slug_base

    # (the import folds the date as parsed, and the title stripped, as it checks them)
    assert slug_base(fold(dates.parse(date_text).text), fold(title.strip())) == event_slug_base(date_text,
                                                                                                title.strip())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60)
       | st.text(alphabet="aZ09 -.,'!?ÄäİıſﬁẞΣσςĐđŁæ\t\n\u00a0\u0301Ꭰꭰ", min_size=1, max_size=60),
       st.none() | st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
       | st.text(alphabet="aZ09 -.,'!?ÄäİıſﬁẞΣσςĐđŁæ\t\n\u00a0\u0301Ꭰꭰ", max_size=60))
def test_the_search_form_is_what_both_tokenizers_split_alike(title, summary):
    import re

    from relations_db.domain.words import search_form
    from relations_db.write.search_index import compose_search_text

    text = compose_search_text(title, summary, [summary])
    for form in text[1:]:  # ASCII letters and digits, one space apart: FTS5 and PostgreSQL split only there
        assert form == "" or re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", form)
    assert text.title_terms == search_form(fold(title))  # the import may stem a folded title: the same words


def test_deferred_full_text_trigger_comes_back_as_it_was(engine):
    load(engine)
    with db.session_scope(engine, write=True) as s:
        writer = BulkWriter(s)
        if not writer.sqlite:
            pytest.skip("PostgreSQL's full-text index is a secondary index (see the tests above)")
        trigger = writer.full_text_triggers(BULK_TABLES)
        assert [name for name, *_ in trigger] == ["event_search_ai"]
        restore = writer.defer_checks(BULK_TABLES)
        assert writer.full_text_triggers(BULK_TABLES) == []
        ids = writer.next_ids("events", 3)
        writer.insert("events", EVENT_COLUMNS, [_event_row(i, k) for k, i in enumerate(ids)])
        writer.insert("event_search", SEARCH_COLUMNS,
                      [(i, *compose_search_text(f"Deferred event {k}", None, ())) for k, i in enumerate(ids)])
        restore()
        assert writer.full_text_triggers(BULK_TABLES) == trigger
        found = s.connection().exec_driver_sql(
            "SELECT count(*) FROM events_fts WHERE events_fts MATCH 'defer'").scalar()  # ('deferred', stemmed)
        assert found == 3
        s.connection().exec_driver_sql("INSERT INTO events_fts(events_fts, rank) VALUES ('integrity-check', 1)")
