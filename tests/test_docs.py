"""Docs that cannot drift (in the spirit of sqlite-utils' tests/test_docs.py): every command of the command line is
in README.md's command table with its arguments, has help with an example that parses, lists itself in the root
help with its own first paragraph, shows flags as flags, and names its arguments the same way; `check --help`
lists the audit's rules from their registry.

The command tree is walked through Typer's public API (`typer.main.get_command`); each command is loaded as a run
would load it (cli/app.LazyGroup).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from relations_db.cli import app
from relations_db.cli.app import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
ENV = {"NO_COLOR": "1", "COLUMNS": "250"}
# The argument names the help and README use, by the parameter that takes them.
ARGUMENT_NAMES = {"event": "EVENT", "file": "FILE", "name": "NAME", "key": "KEY"}


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group below `command`, with its path of names ("add", "event"), the groups first."""
    if isinstance(command, TyperGroup):
        ctx = typer.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield (*path, name), sub
            yield from walk(sub, (*path, name))


ROOT_COMMAND = get_command(app)
TREE = dict(walk(ROOT_COMMAND))
LEAVES = {path: command for path, command in TREE.items() if not isinstance(command, TyperGroup)}


def ids(path: tuple[str, ...]) -> str:
    return " ".join(path)


def usage(path: tuple[str, ...], command: Any) -> str:
    """The command as README's table writes it: its names, then its arguments (optional ones in brackets)."""
    arguments = [p.metavar if p.required else f"[{p.metavar}]" for p in command.params
                 if p.param_type_name == "argument"]
    return " ".join([*path, *arguments])


def readme_table() -> list[str]:
    """The first cell of each row of README's command table, without its backquotes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| command | what it does | example |", 1)[1].split("\n\n", 1)[0]
    return [re.match(r"\| `([^`]+)` \|", row).group(1) for row in table.splitlines() if row.startswith("| `")]


def help_of(*path: str) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env=ENV)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# --- README's command table ----------------------------------------------------------------------------------


def test_the_walk_finds_every_command():
    assert {("events",), ("add", "event"), ("db", "seed"), ("remove", "event")} <= set(LEAVES)
    assert {("add",), ("edit",), ("remove",), ("db",)} <= set(TREE) - set(LEAVES)


@pytest.mark.parametrize("path", LEAVES, ids=ids)
def test_every_command_is_in_the_readme_table_with_its_arguments(path):
    assert usage(path, LEAVES[path]) in readme_table()


def test_the_readme_table_names_no_command_that_does_not_exist():
    known = {usage(path, command) for path, command in LEAVES.items()}
    assert [row for row in readme_table() if row not in known] == []


# --- help: an example, the listing, flags, argument names ----------------------------------------------------


def example_of(command: Any) -> list[str]:
    """The words of the example in a command's help ("Example: relations-db …", to the end of its paragraph)."""
    found = re.search(r"Example: relations-db (.+?)(?:\n\n|$)", command.help or "", re.DOTALL)
    assert found, f"no 'Example: relations-db …' in the help of {command.name}"
    return shlex.split(found.group(1))


@pytest.mark.parametrize("path", [(), *TREE], ids=lambda path: ids(path) or "relations-db")
def test_every_command_and_group_has_help_with_an_example_that_parses(path):
    """The example names an existing command, with options it takes and values they accept (parsed, not run)."""
    words = example_of(TREE[path] if path else ROOT_COMMAND)
    if words[:1] == ["--db"]:
        words = words[2:]
    command, names = ROOT_COMMAND, []
    while isinstance(command, TyperGroup):
        names.append(words.pop(0))
        command = TREE[tuple(names)]
    assert tuple(names[:len(path)]) == path, f"the example of {ids(path)} runs {ids(tuple(names))}"
    command.make_context(" ".join(names), words)  # raises a usage error on an unknown option or a bad value


def test_the_listing_shows_each_commands_own_first_paragraph():
    """cli/app.COMMANDS holds the summaries the root help lists (to list them without importing the commands):
    each is the first paragraph of the command's own help."""
    assert list(COMMANDS) == ROOT_COMMAND.list_commands(typer.Context(ROOT_COMMAND))
    for name, entry in COMMANDS.items():
        assert entry.summary == (TREE[(name,)].help or "").split("\n\n")[0], name


@pytest.mark.parametrize("path", [(), *TREE], ids=lambda path: ids(path) or "relations-db")
def test_flags_are_shown_as_flags(path):
    """A flag takes no value, and its help row shows none (Typer 0.29 shows "--force <bool>")."""
    command = TREE[path] if path else ROOT_COMMAND
    out = help_of(*path)
    assert "<bool>" not in out and "BOOLEAN" not in out
    for option in (p for p in command.params if getattr(p, "is_flag", False) and p.help):
        names = r"\s+".join(re.escape(name) for name in [*option.opts, *option.secondary_opts])
        first_word = re.escape(option.help.split()[0])
        assert re.search(rf"{names}\s+{first_word}", out), f"{ids(path)} {option.opts[0]}"


def test_the_flags_the_issue_names_are_shown_as_flags():
    assert re.search(r"--force\s+Write even though", help_of("add", "event"))
    assert re.search(r"--new-place\s+Create the --place", help_of("edit", "event"))
    assert re.search(r"--yes\s+-y\s+Do not ask", help_of("remove", "event"))
    assert re.search(r"--version\s+Print the version", help_of())


@pytest.mark.parametrize("path", LEAVES, ids=ids)
def test_arguments_have_one_name_each(path):
    for argument in (p for p in LEAVES[path].params if p.param_type_name == "argument"):
        assert argument.metavar and argument.metavar.isupper(), f"{ids(path)}: {argument.name}"
        if argument.name in ARGUMENT_NAMES:
            assert argument.metavar == ARGUMENT_NAMES[argument.name], f"{ids(path)}: {argument.name}"


def test_the_version_is_the_packages():
    from relations_db import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"]
    result = CliRunner().invoke(app, ["--version"], env=ENV)
    assert (result.exit_code, result.stdout) == (0, f"relations-db {__version__}\n")


# --- check --help: the rules from their registry ----------------------------------------------------------------


def test_check_help_lists_the_rules_of_the_registry_by_severity():
    from relations_db.analysis.audit import RULES
    from relations_db.domain.vocab import SEVERITIES

    out = help_of("check")
    lines = [line.strip() for line in out.splitlines()]
    heading = {"error": "Errors:", "warning": "Warnings:", "info": "Info:"}
    expected = []
    for severity in SEVERITIES:
        expected.append(heading[severity])
        expected += [" ".join([rule.id, *rule.summary.split()]) for rule in RULES if rule.severity == severity]
    listed = [" ".join(line.split()) for line in lines[lines.index("Errors:"):lines.index("Errors:") + len(expected)]]
    assert listed == expected


def test_check_help_follows_the_rule_table(monkeypatch):
    """A rule added to the table (`vocab.AUDIT_RULES`, which the audit registers its checks against) is in the
    help with no other change."""
    from relations_db.domain import vocab

    added = ("made-up-rule", "info", "a rule only this test registers")
    monkeypatch.setattr(vocab, "AUDIT_RULES", (*vocab.AUDIT_RULES, added))
    assert re.search(r"made-up-rule\s+a rule only this test registers", help_of("check"))
