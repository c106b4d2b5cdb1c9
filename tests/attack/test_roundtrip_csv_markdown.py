"""Issue 19, item 9: what is exported comes back as it was (CSV), and a one-line field stays one line (Markdown)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from write_sample import counts

TITLES = ["'=SUM(A1:A9)", "''x", "'x", "=1+1", "'", "''", "'-", "'@home", "-5 degrees", "''=x"]

SEED = """\
format: relations-db/seed 2
sources:
  - key: lala-2014
    kind: article
    title: Disruption of Albanian-Soviet Relations
    year: 2014
events:
"""


def seed_with(titles: list[str], summary: str = "s") -> str:
    entries = []
    for number, title in enumerate(titles):
        entries.append(f"""\
  - slug: e{number}
    date: 1960-01-{number + 1:02d}
    title: "{title}"
    summary: "{summary}"
    type: other
    citations:
      - source: lala-2014
""")
    return SEED + "".join(entries)


@given(st.text(max_size=6))
def test_neutralise_is_undone_by_the_reader_for_every_cell(cell):
    from relations_db.formats.csv.columns import neutralise, unquote

    assert unquote(neutralise(cell)) == cell


def _unquoted(cell: str) -> str:
    """What the reader makes of a cell (columns.unquote, written out: the rule is the contract under test)."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1:2] in "=+-@\t\r'" else cell


def test_titles_starting_with_a_quote_survive_export_and_import(engine, db_url, cli, tmp_path):
    from write_sample import load

    load(engine, seed_with(TITLES))
    target = tmp_path / "out.csv"
    result = cli(db_url, "export", "-f", "csv", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert sorted(_unquoted(r["title"]) for r in rows) == sorted(TITLES)
    assert all(not r["title"].startswith(("=", "+", "-", "@")) for r in rows)  # (still neutralised)
    before = counts(engine)
    result = cli(db_url, "import", str(target))
    assert result.exit_code == 0, result.stderr
    assert "0 added, 0 updated" in result.stderr
    assert counts(engine) == before


def test_a_cell_over_128_kib_is_exported_and_imported_again(engine, db_url, cli, tmp_path):
    from write_sample import load

    long = "word " * 40_000  # 200,000 characters
    load(engine, seed_with(["A long summary"], summary=long))
    target = tmp_path / "out.csv"
    assert cli(db_url, "export", "-f", "csv", "-o", str(target)).exit_code == 0
    before = counts(engine)
    result = cli(db_url, "import", str(target))
    assert result.exit_code == 0, result.stderr
    assert "0 added, 0 updated, 1 unchanged" in result.stderr
    assert counts(engine) == before


def _event(title: str, quote: str = "q") -> dict:
    return {"date": "1960", "start": "1960-01-01", "end": "1960-12-31", "title": title, "place": None,
            "actors": [{"name": "Albania\n\n# Actor", "role": "host\n---"}],
            "citations": [{"short": "Lala 2014", "locator": "p. 1", "quote": quote}]}


@pytest.mark.parametrize("title", ["A\n\n# Heading", "A\r\n---\r\nB", "A\u2028# B", "A\n> quote\n- item"])
def test_a_markdown_field_stays_on_its_line(title):
    from relations_db.formats.chronology import write_markdown

    out = io.StringIO()
    write_markdown([_event(title, quote=title)], out)
    lines = out.getvalue().splitlines()
    assert [line for line in lines if line.startswith("#")] == ["# Chronology", "## 1960"]
    assert len([line for line in lines if line.startswith("- ")]) == 1
    # title, year, the bullet, the footnote; a quotation's later paragraphs (issue 14 item 8) go on as the
    # footnote's continuation, indented, with nothing at their start that would open a block of its own
    first = [line for line in lines if line.strip() and not line.startswith("    ")]
    assert len(first) == 4
    for line in lines:
        if line.startswith("    "):
            assert not line.strip().startswith(("#", ">", "-", "+", "*", "=")), line
