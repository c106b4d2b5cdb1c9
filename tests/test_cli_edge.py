"""The error edge of the command line (cli/app.py `Group.invoke`): a library error becomes one line on stderr, led
by the option of the field it is about; the messages the command line writes itself name their options."""

from __future__ import annotations

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command

from relations_db.cli import app
from relations_db.cli.options import OPTION_OF_FIELD
from relations_db.errors import UserError


def options_of(command) -> set[str]:
    """Every option name of a command and of the commands below it."""
    names = {name for param in command.params for name in getattr(param, "opts", [])
             if param.param_type_name == "option"}
    if isinstance(command, TyperGroup):
        ctx = typer.Context(command)
        for name in command.list_commands(ctx):
            names |= options_of(command.get_command(ctx, name))
    return names


def test_every_option_a_field_maps_to_exists():
    assert set(OPTION_OF_FIELD.values()) <= options_of(get_command(app))


@pytest.mark.parametrize("option, field", [("--year", "year"), ("--from", "from_year"), ("--to", "to_year")])
def test_a_bad_year_names_its_option(cli, option, field):
    result = cli(None, "events", option, "19x0")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {option}: '19x0' is not a year: give four digits, e.g. 1960\n"
    assert OPTION_OF_FIELD[field] == option


def test_a_library_error_about_a_field_is_led_by_its_option(cli, monkeypatch):
    from relations_db.cli import query

    def refuse(**filters):
        raise UserError("the limit must be 0 or more", field="limit")

    monkeypatch.setattr(query, "filters_from", refuse)
    result = cli(None, "events")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "Error: --limit: the limit must be 0 or more\n"


def test_an_error_that_names_its_option_already_is_not_led_twice(cli, monkeypatch):
    from relations_db.cli import query

    def refuse(**filters):
        raise UserError("--limit must be 0 or more", field="limit")

    monkeypatch.setattr(query, "filters_from", refuse)
    assert cli(None, "events").stderr == "Error: --limit must be 0 or more\n"


def test_an_unwritable_output_names_the_option(cli, seeded_url, tmp_path):
    result = cli(seeded_url, "export", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --output: cannot write to ") and "it is a directory" in result.stderr


def test_a_missing_value_names_its_option(cli, tmp_path):
    # (--type is optional since issue 14: without it the event is unclassified)
    result = cli(f"sqlite:///{tmp_path / 'never-written.db'}", "add", "event", "--date", "1961", "--type", "T",
                 "--source", "lala-2014")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: missing --title: give it on the command line")
