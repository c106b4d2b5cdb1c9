"""Issue 13: the CSV's derived cells (the date as shown, the sources, the notes) are stored with each event and
kept in step by every write, so that the export reads them; after each kind of write the export writes the
bytes the general writer makes from the event dicts, and an event without its cells sends the export the
general way."""

from __future__ import annotations

import io

from sqlalchemy import text

from relations_db.formats.csv import writer as csv_writer
from relations_db.read.events import event_rows
from relations_db.read.filters import Filters
from relations_db.store import db

BREAK = "1961-12-03-soviet-union-breaks-relations"
BUCHAREST = "1960-06-bucharest-meeting-of-communist-parties"
BELGRADE = "1955-khrushchev-visits-belgrade"
RESOLUTION = "1955-soviet-resolution-announces-belgrade-visit"
MISSING = "SELECT count(*) FROM events WHERE notes_cell IS NULL"


def _ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def _exports(engine) -> tuple[str, str]:
    """(the general writer's CSV, the export's CSV), in one transaction; the export read stored cells only."""
    with db.session_scope(engine) as s:
        assert s.execute(text(MISSING)).scalar_one() == 0
        general, exported = io.StringIO(), io.StringIO()
        csv_writer.write_csv(event_rows(s, Filters()), general)
        csv_writer.export_csv(s, Filters(), exported)
    return general.getvalue(), exported.getvalue()


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _cells(engine, slug: str) -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT date_display, sources_cell, notes_cell FROM events WHERE slug = :s"),
                           {"s": slug}).one()
    return tuple(row)


def _writes(engine) -> list[tuple[str, ...]]:
    """One write of each kind that changes what a CSV cell shows."""
    first = _scalar(engine, "SELECT min(c.id) FROM citations c JOIN events e ON e.id = c.event_id "
                            "WHERE e.slug = :s", s=BUCHAREST)
    other = _scalar(engine, "SELECT max(c.id) FROM citations c JOIN events e ON e.id = c.event_id "
                            "WHERE e.slug = :s", s=BUCHAREST)
    return [
        ("edit", "citation", str(first), "--locator", "p. 999", "--cited-in", "duka-2007"),  # a locator, quoted in
        ("edit", "source", "lala-2014", "--year", "2015"),  # a short form every event names
        # a work by the same author and year sorted first: Dervishi 2006 becomes "Dervishi 2006a"
        ("add", "source", "--key", "a-dervishi", "--kind", "book", "--author", "Dervishi", "--year", "2006",
         "--title", "Another"),
        ("merge", "source", "zavalani-1998", "mezini-1999", "--yes"),
        ("add", "claim", BREAK, "--date", "1959", "--source", "duka-2007", "--locator", "p. 1"),  # disputed
        ("edit", "event", BELGRADE, "--date", "1955-06"),
        ("remove", "citation", str(other), "--yes"),
        ("merge", "event", BELGRADE, RESOLUTION, "--yes"),
    ]


def test_every_kind_of_write_keeps_the_stored_cells_as_the_general_writer_makes_them(cli, seeded):
    url, engine = seeded
    general, exported = _exports(engine)
    assert exported == general
    for args in _writes(engine):
        before = general
        _ok(cli(url, *args))
        general, exported = _exports(engine)
        assert exported == general, args
        assert general != before, args  # (each write changes what the CSV shows)
    assert _cells(engine, BELGRADE)[0] == "June 1955"
    assert "Lala 2015" in _cells(engine, BUCHAREST)[1] and "Lala 2014" not in general
    assert "Duka 2007, p. 1" in _cells(engine, BREAK)[2]


def test_a_csv_import_stores_the_cells_of_what_it_adds_and_updates(cli, seeded, tmp_path):
    url, engine = seeded
    path = tmp_path / "rows.csv"
    path.write_text("date,title,sources,slug\n"
                    "1962-03,A new row,Duka 2007; Lala 2014; Duka 2007,\n"
                    f"1955-07,,Smirnova 2004,{BELGRADE}\n", encoding="utf-8")
    _ok(cli(url, "import", str(path)))
    general, exported = _exports(engine)
    assert exported == general
    assert _cells(engine, "1962-03-a-new-row") == ("March 1962", "Duka 2007; Lala 2014", "Duka 2007; Lala 2014")
    assert _cells(engine, BELGRADE)[0] == "July 1955" and _cells(engine, BELGRADE)[1].endswith("Smirnova 2004")


def test_an_event_without_its_cells_sends_the_export_the_general_way_and_db_upgrade_makes_them(cli, seeded):
    url, engine = seeded
    made = _exports(engine)[0]
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET date_display = NULL, sources_cell = NULL, notes_cell = NULL "
                          "WHERE slug = :s"), {"s": BUCHAREST})
    assert _ok(cli(url, "export", "--format", "csv")).stdout == made  # (the general way: the same bytes)
    result = _ok(cli(url, "db", "upgrade"))
    assert "Made the CSV cells (date as shown, sources, notes) of 1 events." in result.stderr
    assert _exports(engine) == (made, made)
    assert "Made the CSV cells" not in _ok(cli(url, "db", "upgrade")).stderr  # (none missing: nothing said)


def test_a_bibliography_import_that_changes_a_short_form_remakes_the_cells_citing_it(cli, seeded, tmp_path):
    """`import --update` of a BibTeX entry matching lala-2014 (by DOI) with another year: every event citing
    Lala, first-hand or as the work a citation was read in, shows the new short form."""
    url, engine = seeded
    bib = tmp_path / "lala.bib"
    bib.write_text("@article{lala2014,\n  title = {Disruption of Albanian-Soviet Relations},\n"
                   "  author = {Lala, Brisejda},\n  year = {2015},\n  doi = {10.5901/AJIS.2014.v3n3p340}\n}\n",
                   encoding="utf-8")
    _ok(cli(url, "import", str(bib), "--update"))
    general, exported = _exports(engine)
    assert exported == general
    assert "quoted in Lala 2015, p. 342" in _cells(engine, BUCHAREST)[2] and "Lala 2014" not in general
