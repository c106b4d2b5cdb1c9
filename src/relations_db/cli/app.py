"""The root Typer application, its global options, the error edge, and commands built only when used."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

from relations_db.errors import RelationsDBError

# Every command and sub-group registered on `app`, by name, in the order of registration (the order of the help
# listing). Typer would turn them all into Click commands at every start — reading each signature and its
# type hints, ≈40 ms for this many — although a run uses one; `Group` builds only the one asked for.
_LAZY: dict[str, CommandInfo | TyperInfo] = {}


def _reflow(command) -> None:
    """Join the lines of each paragraph of a command's help (and its subcommands'): Typer's Rich help keeps a
    docstring's line breaks after the first paragraph, which made `--help` wrap mid-sentence. Lines that
    start a list item ("- ") or are indented stay on their own."""
    import inspect

    if command.help:
        paragraphs = []
        for paragraph in inspect.cleandoc(command.help).split("\n\n"):
            lines: list[str] = []
            for line in paragraph.split("\n"):
                if lines and line and not line.startswith((" ", "- ", "* ", "\b")) and not lines[-1].startswith("\b"):
                    lines[-1] += " " + line
                else:
                    lines.append(line)
            paragraphs.append("\n".join(lines))
        command.help = "\n\n".join(paragraphs)
    for sub in getattr(command, "commands", {}).values():
        _reflow(sub)


class Group(TyperGroup):
    """The root command group: builds a subcommand when it is used, and turns every expected error into a
    message and an exit code, once, for every command below it."""

    _listing = False  # while the root help is written: list the commands without building them

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in _LAZY:  # every name known (for the listing, and Typer's "did you mean"), built on first use
            self.commands.setdefault(name, None)

    def get_command(self, ctx, cmd_name: str):
        command = self.commands.get(cmd_name)
        if command is not None or cmd_name not in _LAZY:
            return command
        info = _LAZY[cmd_name]
        if self._listing:
            return _summary(cmd_name, info)
        from typer.main import get_command_from_info, get_group_from_info

        if isinstance(info, CommandInfo):
            command = get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode)
        else:
            command = get_group_from_info(info, pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode,
                                          suggest_commands=self.suggest_commands)
        _reflow(command)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx):  # noqa: D401 - click API
        try:
            return super().invoke(ctx)
        except RelationsDBError as exc:
            _fail(_with_option(exc), exc.exit_code)
        except BrokenPipeError:  # `relations-db events | head`: the reader left; not an error of ours
            raise typer.Exit(0) from None
        except Exception as exc:
            # A server gone away, a lock held past the timeout, a refused constraint. SQLAlchemy is looked up,
            # not imported: a command that never loaded it cannot have raised its errors.
            sa_exc = sys.modules.get("sqlalchemy.exc")
            if sa_exc is None or not isinstance(exc, sa_exc.SQLAlchemyError):
                raise
            from relations_db.store.db import _first_line

            _fail(f"database error: {_first_line(exc)}", 1)


def _summary(name: str, info: CommandInfo | TyperInfo) -> typer.core.TyperCommand:
    """A stand-in with what the help listing shows of a command: its name, help text and panel."""
    import inspect

    if isinstance(info, CommandInfo):
        help_text = inspect.cleandoc(info.help) if info.help else inspect.getdoc(info.callback)
        attrs: dict[str, Any] = {"short_help": info.short_help, "hidden": info.hidden,
                                 "deprecated": info.deprecated, "rich_help_panel": info.rich_help_panel}
    else:
        from typer.main import solve_typer_info_defaults

        solved = solve_typer_info_defaults(info)
        help_text = solved.help
        attrs = {"short_help": solved.short_help, "hidden": solved.hidden, "deprecated": solved.deprecated,
                 "rich_help_panel": solved.rich_help_panel}
    summary = typer.core.TyperCommand(name=name, help=help_text, **attrs)
    _reflow(summary)  # (the listing shows the first paragraph: as one sentence, not as the docstring wraps it)
    return summary


def _with_option(exc: RelationsDBError) -> str:
    """The library's message, led by the option it is about when the library named the field (`UserError.field`)
    and the command line has an option for it: "--limit: the limit must be 0 or more"."""
    from relations_db.cli.options import OPTION_OF_FIELD

    message = str(exc)
    option = OPTION_OF_FIELD.get(getattr(exc, "field", None) or "")
    return f"{option}: {message}" if option and not message.startswith(option) else message


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=Group,
    name="relations-db",
    help="A sourced chronology of events: every claim traced to a page and a quotation.\n\n"
    "Example: relations-db events --year 1960",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db",
            metavar="URL",
            help="SQLAlchemy database URL (sqlite:///file.db, postgresql+psycopg://user@host/name) or a file "
            "path. Default: $RELATIONS_DB_URL, else an SQLite file in your user data directory "
            "(see `relations-db db path`).",
        ),
    ] = None,
) -> None:
    """A sourced chronology of events: every claim traced to a page and a quotation."""
    from relations_db.cli.common import State

    ctx.obj = State(url=db)


def _register() -> None:
    # Importing a module registers its commands on `app`; their heavy imports happen inside the commands.
    # Then they move to `_LAZY`, so that Typer leaves them to `Group.get_command`.
    from relations_db.cli import audit, catalog, db_cmd, query, transfer, write  # noqa: F401

    for info in app.registered_commands:
        _LAZY[info.name or typer.main.get_command_name(info.callback.__name__)] = info
    for group in app.registered_groups:
        _LAZY[group.name] = group
    app.registered_commands.clear()
    app.registered_groups.clear()


_register()


def main() -> None:
    """Console-script entry point."""
    app()
