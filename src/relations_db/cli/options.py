"""The filter options every chronology command shares, declared once so that `events`, `chronology`,
`export`, `timeline` and the others accept exactly the same flags with the same help.

Usage in a command:

    @app.command("events")
    @with_filters()
    def events(ctx: typer.Context, filters: Filters, format_: FormatOpt = None):
        ...

`with_filters` adds the options to the command's signature (where Typer reads them) and hands the command
one `Filters` built from them.

Years are taken as text and parsed by `dates.parse_year`, so that `--year 19x0` gets a message that says what
a year looks like rather than Click's "not a valid integer".
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

if TYPE_CHECKING:
    from relations_db.read.filters import Filters

_FILTERS = "Filters"

# The option that sets each field a library error may name (`UserError.field`): the error edge (cli/app.py) puts
# it before the message, so that the library speaks of fields and the user reads the option they typed.
OPTION_OF_FIELD = {
    "year": "--year", "from_year": "--from", "to_year": "--to", "actor": "--actor", "actors": "--actor",
    "type": "--type", "place": "--place", "source": "--source", "search": "--search", "limit": "--limit",
    "format": "--format", "kind": "--kind", "new_actor_kind": "--new-actor", "new_place": "--new-place",
    "force": "--force", "date": "--date", "title": "--title", "summary": "--summary", "tone": "--tone",
    "confidence": "--confidence", "locator": "--locator", "quote": "--quote", "cited_as": "--cited-as",
    "cited_in": "--cited-in", "cited_in_locator": "--cited-in-locator", "slug": "--slug", "key": "--key",
    "rule": "--rule", "by": "--by",
}

YearOpt = Annotated[Optional[str], typer.Option(
    "--year", "-y", metavar="YYYY", rich_help_panel=_FILTERS,
    help="Events whose dates overlap this year (a fuzzy '1959/1961' counts for 1960).")]
FromOpt = Annotated[Optional[str], typer.Option(
    "--from", metavar="YYYY", rich_help_panel=_FILTERS,
    help="Events that reach into this year or later (with --to: overlap the range).")]
ToOpt = Annotated[Optional[str], typer.Option(
    "--to", metavar="YYYY", rich_help_panel=_FILTERS,
    help="Events that began in this year or earlier (with --from: overlap the range).")]
ActorOpt = Annotated[Optional[list[str]], typer.Option(
    "--actor", "-a", metavar="NAME", rich_help_panel=_FILTERS,
    help="Events involving this actor (any alias, any case or accents: 'hrushov'). Repeat for events "
         "involving all of them.")]
TypeOpt = Annotated[Optional[str], typer.Option(
    "--type", "-t", metavar="TYPE", rich_help_panel=_FILTERS,
    help="Events of this type (visit, meeting, agreement, letter, break…).")]
PlaceOpt = Annotated[Optional[str], typer.Option(
    "--place", "-p", metavar="PLACE", rich_help_panel=_FILTERS,
    help="Events at this place (any alias: 'vlore', 'Valona').")]
SourceOpt = Annotated[Optional[str], typer.Option(
    "--source", "-s", metavar="KEY", rich_help_panel=_FILTERS,
    help="Events citing this source, by key or short form ('duka-2007', 'Duka 2007'), directly or as the "
         "work that reports the citation.")]
SearchOpt = Annotated[Optional[str], typer.Option(
    "--search", "-q", metavar="TEXT", rich_help_panel=_FILTERS,
    help="Events whose title, summary or quotations contain every word of TEXT (accent-insensitive).")]
LimitOpt = Annotated[Optional[int], typer.Option(
    "--limit", "-n", metavar="N", min=0, rich_help_panel=_FILTERS,
    help="Show at most N events.")]

# The common --format; commands with other choices build theirs with `format_option`.
EVENT_FORMATS = ("table", "csv", "json", "jsonl")


def format_option(*choices: str, default: str | None = None, help: str | None = None):
    """An Annotated type for `--format/-f` limited to `choices` (the first is the default when omitted)."""
    shown = default or choices[0]
    return Annotated[Optional[Literal[choices]], typer.Option(
        "--format", "-f", case_sensitive=False, show_choices=True,
        help=help or f"Output format (default: {shown}).")]


FormatOpt = format_option(*EVENT_FORMATS,
                          help="Output format: table (default; plain when piped or NO_COLOR is set), csv, "
                               "json (one array) or jsonl (one event a line).")


def filters_from(year: str | None = None, from_: str | None = None, to: str | None = None,
                 actor: list[str] | None = None, type_: str | None = None, place: str | None = None,
                 source: str | None = None, search: str | None = None, limit: int | None = None) -> Filters:
    """The `Filters` the options ask for; bad years raise DateError (a clear message at the CLI edge)."""
    from relations_db.domain.dates import parse_year
    from relations_db.errors import DateError
    from relations_db.read.filters import Filters

    def year_of(value: str | None, option: str) -> int | None:
        if value is None:
            return None
        try:
            return parse_year(value)
        except DateError as exc:
            raise DateError(f"{option}: {exc}") from None

    return Filters(year=year_of(year, "--year"), from_year=year_of(from_, "--from"), to_year=year_of(to, "--to"),
                   actors=list(actor or []), type=type_, place=place, source=source, search=search, limit=limit)


_FILTER_OPTIONS = (("year", YearOpt), ("from_", FromOpt), ("to", ToOpt), ("actor", ActorOpt), ("type_", TypeOpt),
                   ("place", PlaceOpt), ("source", SourceOpt), ("search", SearchOpt), ("limit", LimitOpt))


def with_filters(*, without: tuple[str, ...] = (), after: str = "ctx") -> Callable:
    """A decorator giving a command the filter options (all but those named in `without`), placed after its
    parameter `after` (where `--help` lists them), and passing them to it as one `filters: Filters`
    (built by `filters_from`, so that a bad year is refused before the command runs)."""
    options = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=kind)
               for name, kind in _FILTER_OPTIONS if name not in without]
    names = [option.name for option in options]

    def decorate(command: Callable) -> Callable:
        # (evaluated one by one: `filters: Filters` names a type the command's module imports for type checkers
        # only, since importing queries would slow every start)
        own = [p.replace(annotation=eval(p.annotation, command.__globals__)) if isinstance(p.annotation, str) else p
               for p in inspect.signature(command).parameters.values() if p.name != "filters"]
        at = next(i for i, p in enumerate(own) if p.name == after) + 1

        @functools.wraps(command)
        def run(*args, **kwargs):
            return command(*args, filters=filters_from(**{name: kwargs.pop(name) for name in names}), **kwargs)

        # Typer reads the options from this signature and these annotations (evaluated: the command's module
        # may name its types under `from __future__ import annotations`).
        run.__signature__ = inspect.Signature([*own[:at], *options, *own[at:]])
        run.__annotations__ = {p.name: p.annotation for p in run.__signature__.parameters.values()}
        return run

    return decorate
