"""Every command of README's table prints the same bytes as its reviewed golden output (tests/golden.py)."""

from __future__ import annotations

import golden
import pytest


@pytest.fixture(scope="module")
def golden_url(tmp_path_factory):
    return golden.seeded_database(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("width", golden.WIDTHS)
@pytest.mark.parametrize("command", golden.commands())
def test_command_prints_its_golden_output(golden_url, command, width):
    expected = (golden.HERE / "out" / golden.file_name(command, width)).read_text(encoding="utf-8")
    assert golden.render(golden_url, command, width) == expected, (
        f"`{command}` at {width} columns changed; if on purpose: python tests/golden.py --update, then read the diff")
