"""The readable outputs of claims (issue 16 item 5): the chronology (text and Markdown) and the HTML page show the
best-ranked dates and say, in a note, who gives what else — in the words `show` uses. On SQLite (both read
paths) and PostgreSQL. The 1959 source is a test fixture (`second-paper-2022`), never seed data.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from relations_db.store import db

BREAK = "1961-12-03-soviet-union-breaks-relations"
NOTE_1959 = "Fixture 2022 gives 1959 (normal)."


def _fixture_claim(cli, url: str) -> dict[str, int]:
    """The 1959 claim added to the break; the ids of its date claims by date."""
    added = cli(url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author", "Fixture, A.",
                "--year", "2022", "--title", "A second paper on Albanian-Soviet relations")
    assert added.exit_code == 0, added.stderr
    claimed = cli(url, "add", "claim", BREAK, "--date", "1959", "--source", "second-paper-2022", "--locator", "p. 12",
                  "--quote", "the relations ended in 1959")
    assert claimed.exit_code == 0, claimed.stderr
    claims = json.loads(cli(url, "claims", BREAK, "-f", "json").stdout)
    return {c["date"]: c["id"] for c in claims if c["kind"] == "date"}


def _rank(cli, url: str, claim: int, rank: str) -> None:
    ranked = cli(url, "rank", f"k{claim}", rank)
    assert ranked.exit_code == 0, ranked.stderr


def _entry(text: str) -> str:
    """The chronology's entry of the break with the lines under it, joined."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "The Soviet Union breaks" in line)
    block = [lines[at]]
    for line in lines[at + 1:]:
        if not line.startswith("    "):
            break
        block.append(line)
    return " ".join(" ".join(block).split())


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("within", [(), ("--within",)])  # (--within: the SQLAlchemy path on SQLite too)
def test_the_chronology_notes_who_gives_a_date_not_shown(cli, seeded_url, width, within):
    ids = _fixture_claim(cli, seeded_url)
    env = {"COLUMNS": str(width)}
    disputed = cli(seeded_url, "chronology", "--year", "1961", *within, env=env).stdout
    assert "Note:" not in disputed  # disputed: both dates are shown, nothing is a note
    _rank(cli, seeded_url, ids["1961-12-03"], "preferred")
    text = cli(seeded_url, "chronology", "--year", "1961", *within, env=env).stdout
    assert all(len(line) <= width for line in text.splitlines())
    entry = _entry(text)
    assert entry.startswith("3 December 1961: The Soviet Union breaks off relations") and f"Note: {NOTE_1959}" in entry
    note_line = next(line for line in text.splitlines() if line.startswith("    Note: "))
    assert note_line.startswith("    Note: Fixture 2022")
    assert text.count("Note:") == 1  # the other events have no claim beside theirs
    # show says it in the same words
    assert f"Note: {NOTE_1959}" in " ".join(cli(seeded_url, "show", BREAK).stdout.split())


def test_a_deprecated_date_and_an_own_date_outranked_are_notes_too(cli, seeded_url):
    ids = _fixture_claim(cli, seeded_url)
    _rank(cli, seeded_url, ids["1959"], "deprecated")
    entry = _entry(cli(seeded_url, "chronology", "--year", "1961").stdout)
    assert "Note: Fixture 2022 gives 1959 (deprecated)." in entry
    _rank(cli, seeded_url, ids["1959"], "preferred")  # the event's own date, supported by its own citations
    entry = _entry(cli(seeded_url, "chronology", "--year", "1959").stdout)
    assert entry.startswith("1959: The Soviet Union breaks off")
    note = re.search(r"Note: (.*?) give 3 December 1961 \(normal\)\.", entry)
    assert note and "Duka 2007" in note.group(1) and "Fixture" not in note.group(1)
    assert note.group(0) in " ".join(cli(seeded_url, "show", BREAK).stdout.split())


def test_markdown_makes_the_note_a_footnote_and_html_a_note(cli, seeded_url, tmp_path):
    ids = _fixture_claim(cli, seeded_url)
    _rank(cli, seeded_url, ids["1961-12-03"], "preferred")
    for command in (("chronology", "--year", "1961", "-f", "markdown"), ("export", "--year", "1961", "-f",
                                                                        "markdown")):
        markdown = cli(seeded_url, *command).stdout
        (number,) = re.findall(rf"^\[\^([0-9]+)\]: {re.escape(NOTE_1959)}$", markdown, re.M)
        (bullet,) = [line for line in markdown.splitlines() if "breaks off relations" in line]
        assert bullet.startswith("- **3 December 1961**") and bullet.endswith(f"[^{number}]")
    page = tmp_path / "page.html"
    assert cli(seeded_url, "export", "--year", "1961", "-f", "html", "-o", str(page)).exit_code == 0
    assert f'<p class="note">Note: {NOTE_1959}</p>' in page.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_reads_the_date_note_as_a_footnote(cli, seeded_url):
    ids = _fixture_claim(cli, seeded_url)
    _rank(cli, seeded_url, ids["1961-12-03"], "preferred")
    markdown = cli(seeded_url, "chronology", "--year", "1961", "-f", "markdown").stdout
    native = subprocess.run(["pandoc", "-f", "markdown", "-t", "native"], input=markdown, capture_output=True,
                            text=True, check=True, timeout=60).stdout
    body = markdown.split("\n[^1]: ")[0]
    assert len(re.findall(r"\bNote\s*\[", native)) == len(re.findall(r"\[\^[0-9]+\]", body))
    assert "[^" not in native and 'Str "1959"' in native


def test_a_disputed_event_in_html_marks_each_date_it_is_given(cli, seeded_url, tmp_path):
    _fixture_claim(cli, seeded_url)
    page = tmp_path / "page.html"
    assert cli(seeded_url, "export", "--year", "1961", "-f", "html", "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    item = html[html.index(f'data-slug="{BREAK}"'):]
    item = item[:item.index("</li>")]
    assert "3 December 1961 or 1959 — sources disagree" in item
    assert item.count('class="mark"') == 2 and 'title="1959 — sources disagree"' in item
    assert html.count('class="hull"') == html.count('class="event')  # every event's span


def test_the_notes_take_one_query_per_batch(engine):
    """1,100 events, one of them with a deprecated date: the readable chronology reads the notes once per batch of
    500, never once per event."""
    from sqlalchemy import event as sa_event
    from sqlalchemy import text

    from relations_db.formats.seed.apply import load_seed_text
    from relations_db.read.events import event_rows, with_date_notes
    from relations_db.read.filters import Filters

    lines = ["format: relations-db/seed 1", "sources: [{key: s, kind: book, title: S, year: 2000}]", "events:"]
    lines += [f"  - {{slug: e{i}, date: '{1900 + i % 100}', title: Event {i}, type: t, "
              "citations: [{source: s, quote: q}]}" for i in range(1100)]
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, "\n".join(lines))
        session.execute(text("INSERT INTO claims (event_id, kind, date, start_day, end_day, rank, own) SELECT id, "
                             "'date', '1850', 675330, 675694, 'deprecated', :no FROM events WHERE slug = 'e7'"),
                        {"no": False})
    statements: list[str] = []
    sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.session_scope(engine) as session:
        events = list(with_date_notes(session, event_rows(session, Filters())))
    assert [e["date_notes"] for e in events if "date_notes" in e] == [["no source gives 1850 (deprecated)."]]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 1 + 1 + 5 * 3, selects


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_markdown_with_pandoc_citations_notes_it_inline(cli, seeded_url, tmp_path):
    ids = _fixture_claim(cli, seeded_url)
    _rank(cli, seeded_url, ids["1961-12-03"], "preferred")
    out = tmp_path / "chronology.md"
    result = cli(seeded_url, "export", "--year", "1961", "-f", "markdown", "--citations", "pandoc", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    (bullet,) = [line for line in out.read_text(encoding="utf-8").splitlines() if "breaks off relations" in line]
    assert bullet.endswith(f"^[{NOTE_1959}]")
    native = subprocess.run(["pandoc", "-f", "markdown", "-t", "native"], input=bullet, capture_output=True,
                            text=True, check=True, timeout=60).stdout
    assert re.search(r"\bNote\s*\[", native) and 'Str "Fixture"' in native
