"""Issue 19, item 3 (CWE-150): control characters are refused on every way in, with the field and the line, on
both backends; those already stored are shown as escapes on a terminal, while CSV and JSON keep them exact."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from relations_db.domain.text import control_problem, visible

EVENT = ["add", "event", "--date", "1962-01", "--type", "diplomatic", "--actor", "albania", "--source", "lala-2014",
         "--locator", "p. 343"]
# OSC 52 (clipboard write), OSC 0 (window title), CSI 2J (clear screen), BEL, BS, NUL, DEL, a C1 CSI.
ATTACKS = ["\x1b]52;c;aGVsbG8=\x07", "\x1b]0;owned\x07", "\x1b[2J", "\x07", "\x08\x08", "\x00", "\x7f", "\x9b2J"]


def _refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def _count(cli, url) -> int:
    return len(json.loads(cli(url, "events", "--format", "json").stdout))


def test_the_rule():
    assert control_problem("a\tb", one_line=True) is None
    assert control_problem("a\nb\tc", one_line=False) is None
    assert "a new line at line 1, column 2" in control_problem("a\nb", one_line=True)
    assert "\\x1b at line 2, column 1" in control_problem("a\n\x1b[2J", one_line=False)
    assert visible("\x1b[2J\u202eabc\u2066\n\t") == "\\x1b[2J<U+202E>abc<U+2066>\n\t"


@pytest.mark.parametrize("attack", ATTACKS)
def test_add_event_refuses_a_control_character_in_the_title(cli, seeded_url, attack):
    before = _count(cli, seeded_url)
    _refused(cli(seeded_url, *EVENT, "--title", f"Evil{attack} title", "--quote", "words"), "--title", "control")
    _refused(cli(seeded_url, *EVENT, "--title", "Plain title", "--quote", f"line one\nline {attack}"),
             "--quote", "line 2")
    assert _count(cli, seeded_url) == before


def test_one_line_fields_take_no_new_line_and_multi_line_ones_do(cli, seeded_url):
    _refused(cli(seeded_url, *EVENT, "--title", "Two\nlines", "--quote", "words"), "--title", "new line")
    _refused(cli(seeded_url, *EVENT, "--title", "Over\rwritten", "--quote", "words"), "--title", "\\x0d")
    _refused(cli(seeded_url, *EVENT, "--title", "Title", "--locator", "p.\n1", "--quote", "w"), "--locator")
    result = cli(seeded_url, *EVENT, "--title", "A\ttabbed title", "--quote", "line one\r\n\tline two")
    assert result.exit_code == 0, result.stderr


def test_every_other_write_refuses_a_control_character(cli, seeded_url):
    _refused(cli(seeded_url, "add", "actor", "Evil\x1b]0;x\x07", "--kind", "person"), "control")
    _refused(cli(seeded_url, "add", "source", "--kind", "book", "--title", "Evil\x1b[2J"), "control")
    slug = json.loads(cli(seeded_url, "events", "--format", "json", "-n", "1").stdout)[0]["slug"]
    _refused(cli(seeded_url, "edit", "event", slug, "--title", "Evil\x1b[2J"), "--title", "control")
    _refused(cli(seeded_url, "edit", "event", slug, "--summary", "Evil\x00"), "--summary", "control")


def test_a_csv_import_refuses_a_control_character_with_its_line(cli, seeded_url, tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text("date,start,end,title,type,place,actors,sources,summary\n"
                    "1962,,,Fine title,break,,Albania,Lala 2014,\n"
                    "1962,,,\"Evil \x1b]52;c;aGk=\x07 title\",break,,Albania,Lala 2014,\n", encoding="utf-8")
    before = _count(cli, seeded_url)
    result = cli(seeded_url, "import", str(path))
    assert result.exit_code == 1 and "line 3" in result.stderr and "control character \\x1b" in result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert _count(cli, seeded_url) == before


def test_a_seed_import_refuses_a_control_character_with_its_line(cli, seeded_url, tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text('events:\n  - slug: evil-event\n    date: "1962"\n    title: "Evil \\e[2J title"\n'
                    '    type: break\n    citations:\n      - source: lala-2014\n', encoding="utf-8")
    before = _count(cli, seeded_url)
    result = cli(seeded_url, "import", str(path))
    assert result.exit_code == 1 and "line 4" in result.stderr and "control character \\x1b" in result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert _count(cli, seeded_url) == before


STORED = "Evil \x1b]0;owned\x07 \u202etxt.exe\x08 title"


@pytest.fixture
def stored_controls(seeded_url):
    """A database that already holds controls (written by an older version, or by hand)."""
    engine = sa.create_engine(seeded_url)
    with engine.begin() as conn:
        event_id = conn.execute(sa.text("SELECT min(id) FROM events")).scalar_one()
        conn.execute(sa.text("UPDATE events SET title = :t, summary = :t WHERE id = :i"),
                     {"t": STORED, "i": event_id})
        conn.execute(sa.text("UPDATE citations SET quote = :t WHERE event_id = :i"), {"t": STORED, "i": event_id})
        conn.execute(sa.text("UPDATE actors SET name = :t WHERE id = (SELECT min(id) FROM actors)"), {"t": STORED})
    engine.dispose()
    return seeded_url, event_id


SHOWN = "Evil \\x1b]0;owned\\x07 <U+202E>txt.exe\\x08 title"


def test_stored_controls_are_shown_not_obeyed_on_a_terminal(cli, stored_controls):
    url, event_id = stored_controls
    for args in (["events"], ["show", str(event_id)], ["chronology"], ["actors"]):
        result = cli(url, *args)
        assert result.exit_code == 0, result.stderr
        for raw in ("\x1b", "\x07", "\x08", "\u202e"):
            assert raw not in result.stdout, (args, result.stdout)
        assert "\\x1b]0;owned" in result.stdout, args
    assert SHOWN in cli(url, "show", str(event_id)).stdout
    for args in (["check"], ["timeline"], ["timeline", "--period", "month"], ["relations"]):
        result = cli(url, *args)
        assert "Traceback" not in result.stderr, args
        for raw in ("\x1b", "\x07", "\x08", "\u202e"):
            assert raw not in result.stdout + result.stderr, (args, result.stdout)


def test_data_outputs_keep_stored_controls_exact(cli, stored_controls):
    url, event_id = stored_controls
    shown = json.loads(cli(url, "show", str(event_id), "--format", "json").stdout)
    assert shown["title"] == STORED and shown["summary"] == STORED
    assert STORED in {e["title"] for e in json.loads(cli(url, "events", "--format", "json").stdout)}
    assert "\x1b]0;owned\x07" in cli(url, "events", "--format", "csv").stdout
