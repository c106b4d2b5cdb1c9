"""Sources modelled on CSL-JSON (issue 17, step 1): migration 0008 up and down on both backends, the seed format's
version 4, and the `csl` of `sources --format json`."""

from __future__ import annotations

import importlib
import json

import pytest
from sqlalchemy import inspect, text
from write_sample import counts, without_the_seeds_claims

from relations_db.store import db

MIGRATION = importlib.import_module("relations_db.migrations.versions.0008_sources_as_csl")
BEFORE = MIGRATION.down_revision  # (not spelled out: the lead re-chains the migrations at merge)


def _sources(cli, url: str) -> dict[str, dict]:
    result = cli(url, "sources", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {s["key"]: s for s in json.loads(result.stdout)}


# --- the seed, in full ----------------------------------------------------------------------------------------


def test_the_seed_sources_as_csl(cli, seeded_url):
    """The paper's references as printed: the newspaper issue with its day and number, the archives as archives
    (no author; the designation is the archive location, printed once), keys and short forms as before."""
    sources = _sources(cli, seeded_url)
    zeri = sources["zeri-i-popullit-1953"]
    assert (zeri["short"], zeri["year"]) == ("Zëri i Popullit 1953", 1953)
    assert zeri["csl"] == {
        "id": "zeri-i-popullit-1953", "type": "article-newspaper", "container-title": "Zëri i Popullit",
        "genre": "Newspaper", "issue": "135", "publisher-place": "Tiranë", "language": "sq", "note": zeri["note"],
        "issued": {"date-parts": [[1953, 8, 3]]}}
    archive = sources["csa-1949"]
    assert (archive["author"], archive["short"]) == (None, "Central State Archive of Albania 1949")
    assert {k: v for k, v in archive["csl"].items() if k != "note"} == {
        "id": "csa-1949", "type": "manuscript", "archive": "Central State Archive of Albania",
        "archive_location": "Fund.14, File.19", "issued": {"date-parts": [[1949]]}}
    duka = sources["duka-2007"]
    assert (duka["author"], duka["short"]) == ("Duka, V.", "Duka 2007")
    assert duka["csl"]["author"] == [{"family": "Duka", "given": "V."}]
    assert sources["fbi-1962"]["csl"]["author"] == [{"literal": "FBI Documents"}]
    assert sources["nofulla-2013"]["csl"]["type"] == "article-magazine"
    assert {s["short"] for s in sources.values()} >= {"Hoxha 1980", "Lala 2014",
                                                      "Foreign Ministry Archive of Albania 1961"}


# --- migration 0008 ---------------------------------------------------------------------------------------------

_OLD_SOURCES = [
    # key, kind, author, title, year, fund, file
    ("smith-doe-2001", "book", "Smith, J.; Doe, A.", "Two Authors", 2001, None, None),
    ("ministry-1950", "report", "Ministry of Foreign Affairs", "A Report", 1950, None, None),
    ("aqsh-1960", "archive", "Arkivi Qendror", "Fondi 14, Dosja 7", 1960, "14", "7"),
    ("undated", "other", None, "Undated Leaflet", None, None, None),
]


def _old_database(db_url: str):
    engine = db.make_engine(db_url)
    db.upgrade(engine, BEFORE)
    with engine.begin() as conn:
        for key, kind, author, title, year, fund, file in _OLD_SOURCES:
            conn.execute(text("INSERT INTO sources (key, kind, author, title, year, fund, file, short) "
                              "VALUES (:key, :kind, :author, :title, :year, :fund, :file, :short)"),
                         {"key": key, "kind": kind, "author": author, "title": title, "year": year, "fund": fund,
                          "file": file, "short": f"short of {key}"})
    return engine


def _old_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT key, kind, author, title, year, fund, file, short FROM sources "
                                 "ORDER BY key")).all()


def test_0008_moves_old_sources_over_and_back_losing_nothing(db_url):
    """Up: the authors become names (a literal name for an institution), the year the date, an archive's
    author its archive and its title its location; down again: the very rows of the older schema."""
    engine = _old_database(db_url)
    before = _old_rows(engine)
    db.upgrade(engine)
    with engine.connect() as conn:
        rows = {r.key: r for r in conn.execute(text("SELECT * FROM sources"))}
        names = conn.execute(text("SELECT s.key, c.position, c.role, c.family, c.given, c.literal FROM "
                                  "source_creators c JOIN sources s ON s.id = c.source_id "
                                  "ORDER BY s.key, c.position")).all()
    assert [tuple(n) for n in names] == [
        ("ministry-1950", 0, "author", None, None, "Ministry of Foreign Affairs"),
        ("smith-doe-2001", 0, "author", "Smith", "J.", None), ("smith-doe-2001", 1, "author", "Doe", "A.", None)]
    assert (rows["smith-doe-2001"].author, rows["smith-doe-2001"].issued) == ("Smith, J.; Doe, A.", "2001")
    archive = rows["aqsh-1960"]
    assert (archive.author, archive.archive, archive.archive_location) == (None, "Arkivi Qendror", "Fondi 14, Dosja 7")
    assert rows["undated"].issued is None
    assert [r.short for r in rows.values()] == [f"short of {r.key}" for r in rows.values()]  # keys, short forms kept
    assert db.downgrade_losses(engine, BEFORE) == []
    db.downgrade(engine, BEFORE)
    assert "source_creators" not in inspect(engine).get_table_names()
    assert _old_rows(engine) == before
    engine.dispose()


def test_0008_downgrade_says_what_it_would_drop_and_refuses_without_yes(cli, seeded_url):
    """The seed's newspaper issue has a day, a genre and a language, Nofulla's article is a magazine's, Hoxha's
    memoir has a language: the older schema has no column for them, so `db downgrade` names the loss and changes
    nothing unless --yes. (The seed's claims, which the downgrade would drop too, are left out.)"""
    engine = db.make_engine(seeded_url)
    without_the_seeds_claims(engine)
    assert db.downgrade_losses(engine, BEFORE) == [
        "the bibliographic fields of 3 sources that the older schema has no column for (a day or month of the "
        "date, editors and other roles, ISBN, edition, extra fields…)"]
    rows = counts(engine)
    refused = cli(seeded_url, "db", "downgrade", BEFORE)
    assert refused.exit_code == 1 and "3 sources" in refused.stderr
    assert counts(engine) == rows and db.schema_revision(engine) == db.SCHEMA_HEAD
    done = cli(seeded_url, "db", "downgrade", BEFORE, "--yes")
    assert done.exit_code == 0, done.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT author FROM sources WHERE key = 'caaf-1961'")).scalar_one() == \
            "Central Archive of the Armed Forces"
    engine.dispose()


# --- the seed format, version 4 ------------------------------------------------------------------------------

_V2 = """format: relations-db/seed 2
sources:
  - {key: old-book, kind: book, author: "Kola, P.", title: Old Book, year: 1999}
actors: []
places: []
events: []
"""

_V4 = """format: relations-db/seed 4
sources:
  - key: edited-2010
    kind: book
    creators:
      - {family: Kola, given: P.}
      - {literal: Institute of History, role: editor}
    title: Edited Book
    issued: "2010-05"
    isbn: "978-9928-00-000-0"
    extra: {keywords: "albania; soviet union"}
actors: []
places: []
events: []
"""


@pytest.mark.parametrize("document", [_V2, _V4])
def test_seed_versions_load(document, db_url, cli, tmp_path):
    """A version-2 file loads unchanged (its author split into names, its year the date); version 4 carries
    creators in roles, a month date, an ISBN and extra fields, and exports them back."""
    path = tmp_path / "in.yaml"
    path.write_text(document, encoding="utf-8")
    assert cli(db_url, "db", "upgrade").exit_code == 0
    result = cli(db_url, "import", str(path))
    assert result.exit_code == 0, result.stderr
    (source,) = _sources(cli, db_url).values()
    if "seed 2" in document:
        assert (source["author"], source["year"], source["short"]) == ("Kola, P.", 1999, "Kola 1999")
        assert source["csl"]["issued"] == {"date-parts": [[1999]]}
    else:
        assert (source["author"], source["year"], source["short"]) == ("Kola, P.", 2010, "Kola 2010")
        assert source["csl"]["editor"] == [{"literal": "Institute of History"}]
        assert source["csl"]["issued"] == {"date-parts": [[2010, 5]]}
        assert source["csl"]["ISBN"] == "978-9928-00-000-0"


def test_seed_version_4_refuses_bad_names_and_dates(db_url, cli, tmp_path):
    bad = _V4.replace("role: editor", "role: ghost").replace('"2010-05"', '"May 2010"')
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    assert cli(db_url, "db", "upgrade").exit_code == 0
    engine = db.make_engine(db_url)
    rows = counts(engine)
    result = cli(db_url, "import", str(path))
    assert result.exit_code == 1
    assert "line 7" in result.stderr and "'ghost'" in result.stderr
    assert "line 9" in result.stderr and "EDTF" in result.stderr
    assert counts(engine) == rows
    engine.dispose()


def test_version_4_fields_are_refused_in_an_older_file(db_url, cli, tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(_V4.replace("seed 4", "seed 2"), encoding="utf-8")
    assert cli(db_url, "db", "upgrade").exit_code == 0
    result = cli(db_url, "import", str(path))
    assert result.exit_code == 1 and "unknown field 'creators'" in result.stderr


@pytest.mark.parametrize("key, entry", [
    ("caaf-1961", "Central Archive of the Armed Forces (1961). File. 170."),
    ("csa-1949", "Central State Archive of Albania (1949). Fund.14, File.19."),
    ("duka-2007", "Duka, V. (2007). Albanian History 1912-2000. Tirana: Shblu."),
])
def test_source_prints_an_archive_file_by_its_archive_and_its_designation_once(key, entry, cli, seeded_url):
    result = cli(seeded_url, "source", key)
    assert result.exit_code == 0 and result.stdout.splitlines()[1].strip() == entry
