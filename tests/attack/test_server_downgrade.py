"""Issue 19, item 8: a destructive command says what it destroys, and a bad revision is a message, not an
Alembic traceback (both backends)."""

from __future__ import annotations

import pytest

from relations_db.store.db import SCHEMA_HEAD


def _one_line_error(result, words: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert words in result.stderr, result.stderr


def test_downgrading_to_base_without_yes_lists_what_it_would_drop(cli, seeded_url):
    result = cli(seeded_url, "db", "downgrade", "base")
    _one_line_error(result, "would drop ")
    for counted in ("59 events", "20 sources", "citations", "35 actors", "9 places", "the tone notes of"):
        assert counted in result.stderr, result.stderr
    assert cli(seeded_url, "db", "current").stdout.startswith(SCHEMA_HEAD)  # nothing was dropped


def test_downgrading_to_base_with_yes_says_what_it_dropped(cli, seeded_url):
    result = cli(seeded_url, "db", "downgrade", "base", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "base (no tables); dropped" in result.stderr and "59 events" in result.stderr, result.stderr


def test_a_lossless_step_down_says_it_drops_no_data(cli, seeded_url):
    assert cli(seeded_url, "db", "downgrade", "--yes", "--", "0002").exit_code == 0  # → 0002: the tone notes go
    result = cli(seeded_url, "db", "downgrade", "--", "-1")  # 0002 → 0001 loses nothing, but still asks
    _one_line_error(result, "would drop no data")


@pytest.mark.parametrize("command, revision", [("downgrade", "zzzz"), ("downgrade", "+1"), ("upgrade", "zzzz"),
                                               ("upgrade", "-1"),
                                               ("downgrade", f"-{int(SCHEMA_HEAD) + 1}")])  # (one step below base)
def test_a_bad_revision_is_a_message(cli, seeded_url, command, revision):
    yes = ["--yes"] if command == "downgrade" else []
    result = cli(seeded_url, "db", command, *yes, "--", revision)
    _one_line_error(result, repr(revision))
    assert cli(seeded_url, "db", "current").stdout.startswith(SCHEMA_HEAD)
