"""The root command group: its global options, the error edge, and the commands, each loaded when it is used.

The commands are loaded the way Click's documentation describes ("Lazily Loading Subcommands"): `COMMANDS` names
each one with the Typer app that defines it, as "module:attribute", and the first paragraph of its help, which
is what the listing of `relations-db --help` shows. The listing imports no command module, and a run imports
only the module of its command (a module's commands are built together: ≈1 ms each).
"""

from __future__ import annotations

import errno
import importlib
import inspect
import io
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple, NoReturn, Optional

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command

from relations_db.errors import RelationsDBError

if TYPE_CHECKING:
    # Typer (0.26 and later) vendors Click as `typer._click` and gives its Context, Command and HelpFormatter no
    # public name; only the type checker reads them.
    from typer._click import Command, Context, HelpFormatter


class Entry(NamedTuple):
    """A command of the root group: the Typer app that defines it ("module:attribute"), and the first paragraph
    of its help as the listing shows it (tests/test_docs.py checks it against the command's own help)."""

    target: str
    summary: str


_AUDIT = "relations_db.cli.audit:commands"
_CATALOG = "relations_db.cli.catalog:commands"
_QUERY = "relations_db.cli.query:commands"
_TRANSFER = "relations_db.cli.transfer:commands"
_DB = "relations_db.cli.db_cmd:commands"
_CORRECT = "relations_db.cli.correct:commands"  # (the edit and remove groups with every noun, and merge)
# (the add, edit and remove groups of cli/write.py with every noun: cli/claims.py imports cli/correct.py)
_CLAIMS = "relations_db.cli.claims:commands"

# In the order of the help listing.
COMMANDS: dict[str, Entry] = {
    "check": Entry(_AUDIT, "Audit the database the way an editor reads a manuscript: every finding with its "
                           "severity, the records involved and how to fix it. Exits 1 when there is an error (so a "
                           "team can run it in CI), else 0."),
    "timeline": Entry(_AUDIT, "The relationship at a glance: one row per year (or month) with a bar of the number "
                              "of events, a bar of the mean tone from hostile (-, left) to cooperative (+, right), "
                              "and the key events, strongest tone first."),
    "relations": Entry(_AUDIT, "Who met whom: every pair of actors who took part in the same events, how often, "
                               "over which years, and which events (most frequent pairs first). With --actor, only "
                               "that actor's pairs. The other filters choose which events count, as in `events`. "
                               "DOT and GraphML give the network as a graph file."),
    "actors": Entry(_CATALOG, "List actors (people, states, parties…) with their kind, aliases and number of "
                              "events."),
    "actor": Entry(_CATALOG, "One actor's profile: kind, aliases, description, and the actor's own chronology with "
                             "their roles."),
    "meetings": Entry(_CATALOG, "List meetings (visits, congresses, conferences, receptions) with their format, "
                                "participants and outcome."),
    "agreements": Entry(_CATALOG, "List agreements (treaties, credits, base agreements) with their parties, "
                                  "status, subject and the events that invoke them."),
    "sources": Entry(_CATALOG, "List the sources (books, articles, archive files…) in bibliography order, with "
                               "how often each is cited."),
    "source": Entry(_CATALOG, "One source: its bibliography entry and every event and quotation that cites it — "
                              "directly, or as the work that reports a second-hand citation."),
    "events": Entry(_QUERY, "List events in date order, filtered by year, actor, type, place, source or words."),
    "chronology": Entry(_QUERY, "The readable chronology: grouped by year, each event with its date as written, "
                                "title, place, participants and their roles, and numbered source notes (\"[3] Duka "
                                "2007, quoted in Lala 2014, p. 343\") listed under it."),
    "show": Entry(_QUERY, "Everything about one event: its date with precision and qualifiers, place, tone, "
                          "participants and roles, meeting or agreement details, the agreements it invokes, and "
                          "every citation with its locator, quotation, in-text form, the work that reports it, "
                          "confidence and note."),
    "search": Entry(_QUERY, "Full-text search over event titles, summaries and quotations, best match first, with "
                            "the matching passage, where square brackets mark the words found."),
    "export": Entry(_TRANSFER, "Export a selection of events (the same filters as `events`) as CSV, JSON, YAML, "
                               "Markdown or HTML."),
    "import": Entry(_TRANSFER, "Import events from a seed-format YAML file or a chronology CSV (as `export` writes "
                               "them)."),
    "db": Entry(_DB, "Schema and data management: upgrade, downgrade, current, seed, path."),
    "add": Entry(_CLAIMS, "Add an event (with its source), an actor, a source, a citation, or a claim."),
    "edit": Entry(_CLAIMS, "Change a recorded event, citation, claim, source or actor."),
    "remove": Entry(_CLAIMS, "Remove a recorded event, citation, claim, source or actor."),
    "claims": Entry(_CLAIMS, "Every claim about one event — its dates, participants, place — with its rank, "
                             "reason, whether it is shown, and the citations that support or dispute it."),
    "rank": Entry(_CLAIMS, "Rank a claim: the event shows its preferred claims, else its normal ones, never a "
                           "deprecated one. Ranking one of two disagreeing dates preferred settles what is shown; "
                           "the other stays, as a note."),
    "merge": Entry(_CORRECT, "Merge two records that are one: the second is folded into the first, nothing is "
                             "lost."),
}


def _reflow(command: Command) -> None:
    """Join the lines of each paragraph of a command's help (and its subcommands'): Typer's Rich help keeps a
    docstring's line breaks after the first paragraph, which made `--help` wrap mid-sentence. Lines that start a
    list item ("- ") or are indented stay on their own."""
    if command.help:
        paragraphs = [_joined(paragraph) for paragraph in inspect.cleandoc(command.help).split("\n\n")]
        command.help = "\n\n".join(paragraphs)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _reflow(sub)


def _joined(paragraph: str) -> str:
    lines: list[str] = []
    for line in paragraph.split("\n"):
        if lines and line and not line.startswith((" ", "- ", "* ", "\b")) and not lines[-1].startswith("\b"):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return "\n".join(lines)


class Listed(TyperCommand):
    """What the help listing shows of a command that is not loaded: its name and the first paragraph of its help.
    It is never run: `LazyGroup.get_command` loads the command itself first."""


class LazyGroup(TyperGroup):
    """A group whose subcommands are imported when one is used (Click's lazy-group pattern, on Typer's group).

    `lazy_subcommands` maps each name to the Typer app defining it ("module:attribute"), `summaries` to the first
    paragraph of its help. Until a command is used it is a `Listed` stand-in, which is enough for the help listing
    and for Typer's "did you mean" on a mistyped name.
    """

    lazy_subcommands: ClassVar[dict[str, str]] = {}
    summaries: ClassVar[dict[str, str]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False  # while the help is written: list the stand-ins, import nothing
        for name in self.lazy_subcommands:
            self.commands.setdefault(name, Listed(name=name, help=self.summaries.get(name)))

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = self.commands.get(cmd_name)
        if isinstance(command, Listed) and not self._listing:
            command = self.commands[cmd_name] = self._load(cmd_name)
        return command

    def _load(self, name: str) -> Command:
        module, attribute = self.lazy_subcommands[name].split(":")
        built = get_command(getattr(importlib.import_module(module), attribute))
        # A Typer app with several commands (or groups) becomes a group; with one command, that command.
        command = built.commands[name] if isinstance(built, TyperGroup) else built
        _reflow(command)
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


class Group(LazyGroup):
    """The root group: every command, loaded when used; every expected error of a command below it turned into a
    message and an exit code, once."""

    lazy_subcommands = {name: entry.target for name, entry in COMMANDS.items()}
    summaries = {name: entry.summary for name, entry in COMMANDS.items()}

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except RelationsDBError as exc:
            _fail(_with_option(exc), exc.exit_code)
        except BrokenPipeError:  # `relations-db events | head`: the reader left; not an error of ours
            _drop_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:
            from relations_db.cli.outfile import OUTPUT_ERRNOS

            if exc.errno not in OUTPUT_ERRNOS:
                raise
            _drop_stdout()  # (what is still buffered would fail again at exit)
            _fail(f"cannot write the output: {exc.strerror}", 1)
        except Exception as exc:
            # A server gone away, a lock held past the timeout, a refused constraint. SQLAlchemy is looked up,
            # not imported: a command that never loaded it cannot have raised its errors.
            sa_exc = sys.modules.get("sqlalchemy.exc")
            if sa_exc is None or not isinstance(exc, sa_exc.SQLAlchemyError):
                raise
            from relations_db.store.db import _first_line

            _fail(f"database error: {_first_line(exc)}", 1)


def _with_option(exc: RelationsDBError) -> str:
    """The library's message, led by the option it is about when the library named the field (`UserError.field`)
    and the command line has an option for it: "--limit: the limit must be 0 or more"."""
    from relations_db.cli.options import OPTION_OF_FIELD

    message = str(exc)
    option = OPTION_OF_FIELD.get(getattr(exc, "field", None) or "")
    return f"{option}: {message}" if option and not message.startswith(option) else message


def _fail(message: str, code: int) -> NoReturn:
    from relations_db.domain.text import visible

    typer.echo(f"Error: {visible(message)}", err=True)  # (a message can quote a stored name)
    raise typer.Exit(code)


def _print_version(wanted: bool) -> None:
    if wanted:
        from relations_db import __version__

        typer.echo(f"relations-db {__version__}")
        raise typer.Exit(0)


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

DbOpt = Annotated[Optional[str], typer.Option(
    "--db", metavar="URL",
    help="SQLAlchemy database URL (sqlite:///file.db, postgresql+psycopg://user@host/name) or a file path. "
         "Default: $RELATIONS_DB_URL, else an SQLite file in your user data directory (see `relations-db db path`).")]
VersionOpt = Annotated[bool, typer.Option(
    "--version", is_eager=True, callback=_print_version, help="Print the version and exit.")]


@app.callback()
def root(ctx: typer.Context, db: DbOpt = None, version: VersionOpt = False) -> None:
    """A sourced chronology of events: every claim traced to a page and a quotation."""
    from relations_db.cli.common import State

    ctx.obj = State(url=db)


def main() -> None:
    """Console-script entry point."""
    import signal

    _guard_stdout()
    _check_arguments(sys.argv[1:])
    # SIGTERM ends a run as Ctrl-C does: through every `finally`, so that an export removes its temporary
    # file and folders and a transaction is rolled back (exit status 128 + 15, as a shell reports it).
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    finally:
        _flush_stdout()


def _terminate(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


class _ClosedStdout(io.TextIOBase):
    """What stands for stdout when the process was started with it closed (`relations-db export >&-`):
    writing to it is the error a closed descriptor gives, which the error edge reports."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


def _guard_stdout() -> None:
    """With descriptor 1 closed, the first file opened (the database) would get it, and be written to as stdout:
    hold it with /dev/null, and make writing to stdout an error."""
    if sys.stdout is not None:
        return
    try:
        os.fstat(1)
    except OSError:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != 1:
            os.dup2(null, 1)
            os.close(null)
    sys.stdout = _ClosedStdout()


def _drop_stdout() -> None:
    """Point descriptor 1 at /dev/null, so that what is still buffered for a stdout that failed is let go
    quietly at exit instead of failing again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        pass


def _flush_stdout() -> None:
    """Write out what is buffered for stdout now, so that a failure (a full disk) is a message and exit 1
    rather than Python's "Exception ignored" at shutdown."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
    except OSError as exc:
        _drop_stdout()
        print(f"Error: cannot write the output: {exc.strerror}", file=sys.stderr)
        raise SystemExit(1) from None


def _check_arguments(arguments: list[str]) -> None:
    """A command line that is not UTF-8 (Python keeps the bad bytes as lone surrogates) is refused here, once,
    rather than failing wherever the text is first encoded."""
    for number, argument in enumerate(arguments, 1):
        if any("\udc80" <= ch <= "\udcff" for ch in argument):
            shown = argument.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            print(f"Error: argument {number} ({shown!r}) is not valid UTF-8 text", file=sys.stderr)
            raise SystemExit(2)
