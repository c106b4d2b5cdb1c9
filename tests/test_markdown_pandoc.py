"""Issue 14 item 8: the Markdown chronology read by the real pandoc (`pandoc -t native`), as a user turns it into
a Word file or a PDF: every footnote reference is a footnote, a quotation of several paragraphs stays one
footnote with all its paragraphs, and no definition falls into the body as a literal `[^N]`."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None,
                                reason="pandoc is not installed (apt-get install pandoc; .ci/run installs it)")

QUOTE = ("In June 1960 the delegation opposed the Soviet line.\n\n"
         "- It said so twice,\n  on two days.\n\n"
         "# The second day\n\n"
         "1. It was not a list.")
NOTE_QUOTE = "One paragraph.\r\n\r\n> Another, not a block quote."


def _references(markdown: str) -> int:
    body = markdown.split("\n[^1]: ")[0]
    return len(re.findall(r"\[\^[0-9]+\]", body))


_NOTE = re.compile(r"\bNote\s*\[")


def _notes(native: str) -> list[str]:
    """The text of each footnote of a `pandoc -t native` document, up to the next one."""
    return _NOTE.split(native)[1:]


def _native(markdown: str) -> str:
    return subprocess.run(["pandoc", "-f", "markdown", "-t", "native"], input=markdown, capture_output=True,
                          text=True, check=True, timeout=60).stdout


@pytest.fixture
def quoted_url(cli, seeded_url):
    """The seed with one event cited by a quotation of four paragraphs and a second citation of two."""
    added = cli(seeded_url, "add", "event", "--date", "1960-06-25", "--title", "The delegation objects",
                "--type", "statement", "--source", "lala-2014", "--locator", "p. 342", "--quote", QUOTE)
    assert added.exit_code == 0, added.stderr
    cited = cli(seeded_url, "add", "citation", added.stdout.strip(), "--source", "duka-2007", "--locator", "p. 9",
                "--quote", NOTE_QUOTE)
    assert cited.exit_code == 0, cited.stderr
    return seeded_url


@pytest.mark.parametrize("command", [("chronology", "--format", "markdown"), ("export", "--format", "markdown"),
                                     ("chronology", "--year", "1960", "--format", "markdown")])
def test_pandoc_makes_every_reference_a_footnote(cli, quoted_url, command):
    result = cli(quoted_url, *command)
    assert result.exit_code == 0, result.stderr
    markdown = result.stdout
    native = _native(markdown)
    references = _references(markdown)
    assert references > 10
    assert len(_NOTE.findall(native)) == references
    assert "[^" not in native  # no definition became body text


def test_a_quotation_of_several_paragraphs_is_one_footnote_with_all_of_them(cli, quoted_url):
    markdown = cli(quoted_url, "chronology", "--year", "1960", "--format", "markdown").stdout
    native = _native(markdown)
    (note,) = [n for n in _notes(native) if '"delegation"' in n and '"opposed"' in n]
    assert note.count("Para") == 4  # its four paragraphs, each a paragraph of the one footnote
    for word in ('"twice,"', '"second"', '"list.\\8221"'):
        assert word in note
    assert "BulletList" not in note and "Header" not in note and "OrderedList" not in note
    (other,) = [n for n in _notes(native) if '"Another,"' in n]
    assert other.count("Para") == 2 and "BlockQuote" not in other


def test_one_line_fields_stay_one_line(cli, quoted_url):
    markdown = cli(quoted_url, "chronology", "--year", "1960", "--format", "markdown").stdout
    lines = markdown.splitlines()
    entries = [line for line in lines if line.startswith("- **")]
    assert any("The delegation objects" in line for line in entries)
    # every line is a heading, an entry, a footnote's first line or a continuation indented by four spaces
    for line in lines:
        assert line == "" or line.startswith(("#", "- **", "[^", "    ", "Events overlapping 1960")), line
