"""The options several commands share, declared once so that they read the same everywhere, and the one function
that turns the filter options into a `Filters`.

A command that filters events declares the filter options it takes as ordinary parameters and builds its
`Filters` first thing:

    @commands.command("events")
    def events_cmd(ctx: typer.Context, format_: FormatOpt = None, year: YearOpt = None, from_: FromOpt = None,
                   ..., limit: LimitOpt = None) -> None:
        filters = filters_from(year=year, from_=from_, ..., limit=limit)

Explicit parameters rather than a decorator that adds them: Typer (0.26 and later) vendors Click and offers no
public way to add parameters to a command, so such a decorator has to rewrite the function's signature (it did,
with `eval`); written out, each command's options are what Typer, mypy and a reader see, and a command that
takes all but one filter simply leaves that one out.

Years are taken as text and parsed by `dates.parse_year`, so that `--year 19x0` gets a message that says what
a year looks like rather than Click's "not a valid integer".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer

if TYPE_CHECKING:
    from relations_db.read.shapes import Filters

_FILTERS = "Filters"

# The option that sets each field a library error may name (`UserError.field`): the error edge (cli/app.py) puts
# it before the message, so that the library speaks of fields and the user reads the option they typed.
OPTION_OF_FIELD = {
    "year": "--year", "from_year": "--from", "to_year": "--to", "actor": "--actor", "actors": "--actor",
    "type": "--type", "place": "--place", "source": "--source", "search": "--search", "limit": "--limit",
    "format": "--format", "kind": "--kind", "new_actor_kind": "--new-actor", "new_place": "--new-place",
    "force": "--force", "date": "--date", "title": "--title", "summary": "--summary", "tone": "--tone",
    "tone_note": "--tone-note", "confidence": "--confidence", "locator": "--locator", "quote": "--quote",
    "cited_as": "--cited-as", "cited_in": "--cited-in", "cited_in_locator": "--cited-in-locator", "slug": "--slug",
    "key": "--key", "rule": "--rule", "rules": "--rule", "by": "--by", "output": "--output",
    "remove_invokes": "--remove-invokes", "stance": "--stance", "rank": "--rank",
    "add_aliases": "--add-alias", "remove_aliases": "--remove-alias",
    "within": "--within", "before": "--before", "after": "--after", "during": "--during",
    "at_least": "--at-least", "at_most": "--at-most",
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
    help="Events involving this actor (any alias, any case or accents: 'hrushov'; a misspelling, another script "
         "or a first or last name is taken when one actor clearly fits, with a notice). Repeat for events "
         "involving all of them.")]
TypeOpt = Annotated[Optional[str], typer.Option(
    "--type", "-t", metavar="TYPE", rich_help_panel=_FILTERS,
    help="Events of this type (visit, meeting, agreement, letter, break…).")]
PlaceOpt = Annotated[Optional[str], typer.Option(
    "--place", "-p", metavar="PLACE", rich_help_panel=_FILTERS,
    help="Events at this place (any alias: 'vlore', 'Valona'; a misspelling is taken when one place fits).")]
SourceOpt = Annotated[Optional[str], typer.Option(
    "--source", "-s", metavar="KEY", rich_help_panel=_FILTERS,
    help="Events citing this source, by key or short form ('duka-2007', 'Duka 2007'), directly or as the "
         "work that reports the citation.")]
SearchOpt = Annotated[Optional[str], typer.Option(
    "--search", "-q", metavar="TEXT", rich_help_panel=_FILTERS,
    help="Events whose title, summary or quotations contain every word of TEXT (any case, accents or word form; "
         "'a OR b', -word, \"a phrase\", prefix* as in `search`).")]
WithinOpt = Annotated[bool, typer.Option(
    "--within", rich_help_panel=_FILTERS,
    help="With --year or --from/--to: only the events wholly inside those years (by default, events that began "
         "earlier or end later are included too).")]
LimitOpt = Annotated[Optional[int], typer.Option(
    "--limit", "-n", metavar="N", min=0, rich_help_panel=_FILTERS,
    help="Show at most N events.")]


def format_flag(help: str) -> Any:  # (typer.Option's own return type)
    """The `--format/-f` option with `help`; its choices are the Literal it annotates."""
    return typer.Option("--format", "-f", case_sensitive=False, show_choices=True, help=help)


def list_format_help(noun: str) -> str:
    """The help of a list's --format, naming what one line of jsonl holds ('one source a line')."""
    return ("Output format: table (default; plain when piped or NO_COLOR is set), csv, json (one array) or jsonl "
            f"(one {noun} a line).")


ListFormat = Optional[Literal["table", "csv", "json", "jsonl"]]
# The common --format of event lists; the other lists name their records (`list_format_help`), and commands with
# other choices declare theirs with `format_flag`.
FormatOpt = Annotated[ListFormat, format_flag(list_format_help("event"))]
ActorsFormatOpt = Annotated[ListFormat, format_flag(list_format_help("actor"))]
SourcesFormatOpt = Annotated[ListFormat, format_flag(list_format_help("source"))]


def filters_from(*, year: str | None = None, from_: str | None = None, to: str | None = None,
                 actor: list[str] | None = None, type_: str | None = None, place: str | None = None,
                 source: str | None = None, search: str | None = None, limit: int | None = None,
                 within: bool = False) -> Filters:
    """The `Filters` the options ask for. A bad year raises DateError naming its field, which the error edge
    leads with the option ("--year: '19x0' is not a year…")."""
    from relations_db.read.shapes import Filters

    return Filters(year=_year(year, "year"), from_year=_year(from_, "from_year"), to_year=_year(to, "to_year"),
                   actors=list(actor or []), type=type_, place=place, source=source, search=search, limit=limit,
                   within=within)


def _year(value: str | None, field: str) -> int | None:
    from relations_db.domain.dates import parse_year
    from relations_db.errors import DateError

    if value is None:
        return None
    try:
        return parse_year(value)
    except DateError as exc:
        raise DateError(str(exc), field=field) from None
