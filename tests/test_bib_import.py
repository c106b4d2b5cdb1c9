"""Bibliographies in and out (issue 17, step 2): BibTeX, CSL-JSON and RIS imported all or nothing, matched to the
recorded sources, and written back losing no field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from write_sample import counts

from relations_db.store import db

DATA = Path(__file__).parent / "data" / "bib"
VERBATIM = {"url", "doi", "file", "urldate", "date", "isbn", "issn"}


def bibtex_fields(text: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Each entry's type and fields, LaTeX decoded and white space made single, as a reader compares them."""
    import bibtexparser
    from pylatexenc.latex2text import LatexNodes2Text

    decode = LatexNodes2Text().latex_to_text
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    return {e.key: (e.entry_type.lower(),
                    {f.key.lower(): re.sub(r"\s+", " ", f.value if f.key.lower() in VERBATIM else decode(f.value))
                     .strip() for f in e.fields})
            for e in library.entries}


@pytest.fixture
def empty_url(cli, db_url):
    assert cli(db_url, "db", "upgrade").exit_code == 0
    return db_url


def _import(cli, url, path, *options):
    result = cli(url, "import", str(path), *options)
    assert result.exit_code == 0, result.stderr
    return result


def test_bibtex_round_trip_loses_no_field(cli, empty_url, tmp_path):
    """30 entries of every common type, as Better BibTeX writes them: imported, exported and imported again,
    every entry comes back with the same type, key and fields (compared after LaTeX decoding)."""
    original = (DATA / "thirty.bib").read_text(encoding="utf-8")
    result = _import(cli, empty_url, DATA / "thirty.bib")
    assert "sources 30 added" in result.stderr
    exported = cli(empty_url, "sources", "--format", "bibtex").stdout
    assert bibtex_fields(exported) == bibtex_fields(original)
    # and once more, through a second database: the same text
    again = tmp_path / "again.bib"
    again.write_text(exported, encoding="utf-8")
    second = f"sqlite:///{tmp_path / 'second.db'}"
    assert cli(second, "db", "upgrade").exit_code == 0
    _import(cli, second, again)
    assert cli(second, "sources", "--format", "bibtex").stdout == exported


def test_bibtex_import_decodes_latex_and_keeps_the_original_key(cli, empty_url):
    _import(cli, empty_url, DATA / "thirty.bib")
    sources = {s["key"]: s for s in json.loads(cli(empty_url, "sources", "-f", "json").stdout)}
    czech = sources["vonlaueczechalbania1970"]
    assert czech["title"] == "České a albánské vztahy"
    assert czech["csl"]["author"] == [{"family": "von Laue", "given": "Theodore H."},
                                      {"family": "Černý", "given": "Jan"},
                                      {"family": "Ford", "given": "Henry", "suffix": "Jr."}]
    assert czech["csl"]["citation-key"] == "vonLaueCzechAlbania1970"
    assert sources["bbt-kola2010"]["title"] == "Šervet Muçaj and the Albanian Press, 1953–1961"
    newspaper = sources["zeripopullit1953"]
    assert (newspaper["kind"], newspaper["csl"]["issued"]) == ("newspaper", {"date-parts": [[1953, 8, 3]]})
    archive = sources["aqshfond14dosja191949"]
    assert (archive["kind"], archive["csl"]["archive"]) == ("archive", "Arkivi Qendror Shtetëror")
    web = sources["wilsoncenteralbaniacollection2024"]
    assert (web["kind"], web["csl"]["accessed"]) == ("web", {"date-parts": [[2024, 5, 2]]})
    assert web["csl"]["author"] == [{"literal": "Wilson Center Digital Archive"}]
    assert sources["bbt-prifti1974"]["short"] == "Prifti 1974"


def test_csljson_round_trip(cli, empty_url, tmp_path):
    """Zotero's CSL-JSON: imported, exported, imported again: the same items (ids, names, dates, Zotero's own
    fields kept in `extra`)."""
    _import(cli, empty_url, DATA / "zotero.json")
    exported = json.loads(cli(empty_url, "sources", "--format", "csljson").stdout)
    original = {i["id"]: i for i in json.loads((DATA / "zotero.json").read_text(encoding="utf-8"))}
    for item in exported:
        source = original[item["id"]]
        for name, value in source.items():
            if name in ("issued", "accessed", "original-date"):  # (Zotero writes a year as a string)
                value = {"date-parts": [[int(p) for p in value["date-parts"][0]]]}
            assert item[name] == value, (item["id"], name)
    assert len(exported) == len(original)
    path = tmp_path / "again.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    second = f"sqlite:///{tmp_path / 'second.db'}"
    assert cli(second, "db", "upgrade").exit_code == 0
    _import(cli, second, path)
    assert json.loads(cli(second, "sources", "--format", "csljson").stdout) == exported


def test_ris_import_and_export(cli, empty_url):
    _import(cli, empty_url, DATA / "zotero.ris")
    sources = {s["title"]: s for s in json.loads(cli(empty_url, "sources", "-f", "json").stdout)}
    article = sources["Shadows of a Split: Albania and the Sino-Soviet Conflict"]["csl"]
    assert (article["page"], article["DOI"], article["issued"]) == ("4-56", "10.1162/JCWS_a_00156",
                                                                     {"date-parts": [[2011, 3]]})
    assert sources["Mbi marrëdhëniet me Bashkimin Sovjetik"]["kind"] == "newspaper"
    ris = cli(empty_url, "sources", "--format", "ris").stdout
    assert "TY  - NEWS" in ris and "DA  - 1953/08/03" in ris and "KW  - Albania; Cold War" in ris


def test_import_matches_fills_and_reports_conflicts(cli, seeded_url, tmp_path):
    """An entry matching a recorded source (here by DOI) fills what it lacks and reports what differs, leaving it;
    --dry-run says the same and writes nothing; --update takes the file's value."""
    bib = tmp_path / "lala.bib"
    bib.write_text("@article{lala2014,\n  title = {Disruption of Albanian-Soviet Relations},\n"
                   "  author = {Lala, Brisejda},\n  journal = {AJIS},\n  year = {2014},\n  month = nov,\n"
                   "  doi = {10.5901/AJIS.2014.v3n3p340},\n  issn = {2281-3993}\n}\n", encoding="utf-8")
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    dry = cli(seeded_url, "import", str(bib), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "1 would be filled in" in dry.stderr and "container is 'Academic Journal" in dry.stderr
    assert counts(engine) == before
    assert cli(seeded_url, "source", "lala-2014", "-f", "json").stdout.count("2281-3993") == 0
    done = _import(cli, seeded_url, bib)
    assert "conflicting field" in done.stderr and "kept" in done.stderr
    lala = json.loads(cli(seeded_url, "source", "lala-2014", "-f", "json").stdout)
    assert lala["csl"]["ISSN"] == "2281-3993" and lala["container"] == "Academic Journal of Interdisciplinary Studies"
    assert counts(engine)["sources"] == before["sources"]
    _import(cli, seeded_url, bib, "--update")
    lala = json.loads(cli(seeded_url, "source", "lala-2014", "-f", "json").stdout)
    assert lala["container"] == "AJIS" and lala["short"] == "Lala 2014"
    engine.dispose()


BAD = {
    "syntax.bib": ("@book{a,\n  title = {Unclosed\n}\n\n@book{b, title = {Fine}}\n", "line 1", "syntax error"),
    "type.bib": ("@book{a, title = {Fine}}\n\n@foo{b,\n  title = {X}\n}\n", "line 3", "unknown entry type @foo"),
    "notalist.json": ('{"id": "a", "type": "book", "title": "X"}\n', "line 1", "is a list of items"),
    "broken.json": ('[\n  {"id": "a", "type": "book",\n  "title": }\n]\n', "line 3", "not valid JSON"),
    "events.json": ('[\n  {"id": 1, "slug": "a", "title": "An event"}\n]\n', "line 2", "no CSL \"type\""),
    "noend.ris": ("TY  - BOOK\nTI  - One\nER  - \n\nTY  - BOOK\nTI  - Two\n", "line 5", "no end tag"),
    "latin1.bib": ("@book{a,\n  title = {Z\xebri}\n}\n".encode("latin-1"), "line 2", "not UTF-8"),
    "date.bib": ("@book{a,\n  title = {X},\n  date = {June 1953}\n}\n", "line 1", "EDTF"),
    "notitle.bib": ("@book{a,\n  author = {Duka, V.}\n}\n", "line 1", "no title"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_bad_input_is_refused_with_its_line_and_writes_nothing(name, cli, seeded_url, tmp_path):
    content, line, words = BAD[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    engine = db.make_engine(seeded_url)
    before = counts(engine)
    result = cli(seeded_url, "import", str(path))
    assert result.exit_code == 1
    assert line in result.stderr and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "nothing was written" in result.stderr
    assert counts(engine) == before
    engine.dispose()


def test_update_is_only_for_bibliographies(cli, seeded_url, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("date,start,end,title,type,place,actors,sources,summary\n", encoding="utf-8")
    result = cli(seeded_url, "import", str(path), "--update")
    assert result.exit_code == 1 and "bibliography files" in result.stderr


def test_export_writes_the_sources_the_selected_events_cite(cli, seeded_url):
    """`export --format bibtex` for 1953: the newspaper issue and the paper that quotes it (its `cited_in`)."""
    result = cli(seeded_url, "export", "--year", "1953", "--format", "bibtex")
    assert result.exit_code == 0, result.stderr
    keys = re.findall(r"^@\w+\{([^,]+),", result.stdout, re.M)
    assert "zeri-i-popullit-1953" in keys and "lala-2014" in keys and "duka-2007" not in keys
    assert "Exported" in result.stderr and "source" in result.stderr
    csl = json.loads(cli(seeded_url, "export", "--year", "1953", "--format", "csljson").stdout)
    assert {i["id"] for i in csl} == set(keys)


def test_ris_round_trip(cli, empty_url, tmp_path):
    """RIS → database → RIS → a second database: the same sources (compared as their CSL-JSON)."""
    _import(cli, empty_url, DATA / "zotero.ris")
    path = tmp_path / "again.ris"
    path.write_text(cli(empty_url, "sources", "--format", "ris").stdout, encoding="utf-8")
    second = f"sqlite:///{tmp_path / 'second.db'}"
    assert cli(second, "db", "upgrade").exit_code == 0
    _import(cli, second, path)
    first, again = (json.loads(cli(url, "sources", "--format", "csljson").stdout) for url in (empty_url, second))
    assert again == first and len(first) == 3
