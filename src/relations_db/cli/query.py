"""`relations-db` commands: events, chronology, show, search — the read side."""

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

from relations_db.cli.options import (
    ActorOpt,
    FormatOpt,
    FromOpt,
    LimitOpt,
    PlaceOpt,
    SearchOpt,
    SourceOpt,
    ToOpt,
    TypeOpt,
    WithinOpt,
    YearOpt,
    filters_from,
    format_flag,
)

if TYPE_CHECKING:
    from relations_db.read.rows import EventRow
    from relations_db.read.shapes import Filters

commands = typer.Typer(add_completion=False)


@commands.command("events")
def events_cmd(
    ctx: typer.Context,
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    format_: FormatOpt = None,
) -> None:
    """List events in date order, filtered by year, actor, type, place, source or words.

    Filters combine: every one given must hold. Names match any alias, in any case and with or without accents.

    Dates are shown as the sources give them: '1956' stays a year, '1959-10~' reads 'c. October 1959'.

    Example: relations-db events --year 1960 --actor Khrushchev --format json
    """
    from relations_db.cli import output
    from relations_db.cli.common import connection, fast_connection
    from relations_db.read.sqlite_fast import events as fast

    filters = filters_from(year=year, from_=from_, to=to, actor=actor, type_=type_, place=place, source=source,
                           search=search, limit=limit, within=within)
    fmt = format_ or "table"
    cut = fmt == "table" and filters.limit is None and output.is_terminal()
    if cut:  # (the rest is counted and told)
        filters.limit = output.TERMINAL_LIMIT
    with fast_connection(ctx) as lite:
        rows = fast.event_rows(lite, filters) if lite is not None else None
        if lite is not None and rows is not None:
            shown = output.emit_events(rows, fmt, columns=output.event_columns(None, fast.max_event_id(lite)))
            _tell_the_rest(filters, shown, cut, lambda f: fast.count_events(lite, f))
    if rows is None:
        from relations_db.read.events import count_events, event_rows

        with connection(ctx) as conn:
            shown = output.emit_events(event_rows(conn, filters), fmt, columns=output.event_columns(conn))
            _tell_the_rest(filters, shown, cut, lambda f: count_events(conn, f))


def _tell_the_rest(filters: "Filters", shown: int, cut: bool, count: "Callable[[Filters], int | None]") -> None:
    """The message after a listing: that nothing matched, or, for a table cut at the terminal's limit, how many
    more there are."""
    from relations_db.cli import output

    if shown == 0:
        output.message(output.nothing_shown(filters))
    elif cut and shown == output.TERMINAL_LIMIT:
        filters.limit = None
        more = (count(filters) or shown) - shown
        if more > 0:
            output.message(f"… and {more} more (show them with --limit {shown + more}, or --format csv).")


ChronologyFormat = Annotated[Optional[Literal["text", "markdown"]], format_flag(
    "text (default: plain, to paste into an essay) or markdown (footnotes with the quotations).")]


@commands.command("chronology")
def chronology_cmd(
    ctx: typer.Context,
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    format_: ChronologyFormat = None,
    title: Annotated[str | None, typer.Option("--title", help="A heading for the chronology.")] = None,
    style: Annotated[str | None, typer.Option(
        "--style", metavar="CSL-STYLE",
        help="Notes and a bibliography in a citation style: chicago-note, chicago-author-date, any style name "
             "of the CSL repository (apa, mla…) or a .csl file. Default: the plain author–year notes.")] = None,
) -> None:
    """The readable chronology: grouped by year, each event with its date as written, title, place,
    participants and their roles, and numbered source notes ("[3] Duka 2007, quoted in Lala 2014, p. 343")
    listed under it.

    Takes the same filters as `events`. With --year or --from, the events that began earlier and reach into the
    selection come first, under "Continuing from earlier years" (--within leaves them out). The text is wrapped
    to the terminal's width (80 columns when written to a pipe or a file); Markdown is titled with the selection
    ("Chronology, 1960") and says what corpus it comes from.
    With --style the notes follow a citation style (a second-hand citation in Chicago's form: "the work, its
    page, quoted in the work that reports it, its page") and a bibliography of the works cited ends the text.

    Example: relations-db chronology --from 1959 --to 1961 --actor Hoxha
    """
    import sys

    from relations_db.cli import output
    from relations_db.cli.common import connection, fast_connection
    from relations_db.formats.chronology import document_heading, selection_start, write_chronology, write_markdown
    from relations_db.read.rows import EventRow
    from relations_db.read.sqlite_fast import events as fast

    filters = filters_from(year=year, from_=from_, to=to, actor=actor, type_=type_, place=place, source=source,
                           search=search, limit=limit, within=within)
    if style is not None and format_ == "markdown":
        from relations_db.errors import UserError

        raise UserError("a citation style is for the text chronology; for Markdown, export with --citations "
                        "pandoc and let pandoc apply the style", field="style")
    since = selection_start(filters)

    def write_text(rows: Iterator[EventRow]) -> int:
        return write_chronology(map(output.visible_record, rows), sys.stdout,
                                title=output.visible(title) if title else title, since=since,
                                width=output.text_width())

    rows = None
    if format_ != "markdown" and style is None:  # (Markdown names the corpus, a style reads the sources)
        with fast_connection(ctx) as lite:
            rows = fast.event_rows(lite, filters) if lite is not None else None
            if lite is not None and rows is not None:  # (with the notes of the dates an event does not show)
                shown = write_text(fast.with_date_notes(lite, rows))
    if rows is None:
        from relations_db.read.events import event_rows, with_date_notes

        with connection(ctx) as conn:
            rows = with_date_notes(conn, event_rows(conn, filters))
            if style is not None:
                from relations_db.formats.citations import write_styled_chronology

                shown = write_styled_chronology(map(output.visible_record, rows), conn, sys.stdout, style,
                                                title=output.visible(title) if title else title, since=since,
                                                width=output.text_width())
            elif format_ == "markdown":
                named, about = document_heading(conn, filters)
                shown = write_markdown(rows, sys.stdout, title=title or named, since=since, about=about)
            else:
                shown = write_text(rows)
    if shown == 0:
        output.message(output.nothing_shown(filters))


ShowFormat = Annotated[Optional[Literal["text", "json"]], format_flag("Output format (default: text).")]


@commands.command("show")
def show_cmd(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(metavar="EVENT", help="The event's id or slug (see `relations-db events`).")],
    format_: ShowFormat = None,
) -> None:
    """Everything about one event: its date with precision and qualifiers, place, tone, participants and
    roles, meeting or agreement details, the agreements it invokes, and every citation with its locator,
    quotation, in-text form, the work that reports it, confidence and note.

    Example: relations-db show 1961-12-03-soviet-union-breaks-relations
    """
    import json

    from relations_db.cli.common import connection, fast_connection
    from relations_db.cli.output import event_text
    from relations_db.read.sqlite_fast import events as fast

    with fast_connection(ctx) as lite:
        record = fast.event_by_ref(lite, event) if lite is not None else None
    if record is None:
        from relations_db.read.events import event_by_ref

        with connection(ctx) as conn:
            record = event_by_ref(conn, event)
    if format_ == "json":
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        typer.echo(event_text(record), nl=False)


SearchFormat = Annotated[Optional[Literal["table", "csv", "json", "jsonl"]], format_flag(
    "table (default), csv, json or jsonl (each event with its `snippet`: the last CSV column).")]


@commands.command("search")
def search_cmd(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="TEXT", help=(
        'Words to find (all of them), any case or accents, any word form; "a phrase", OR, -word, prefix*.'))],
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    limit: LimitOpt = None,
    format_: SearchFormat = None,
) -> None:
    """Full-text search over event titles, summaries and quotations, best match first, with the matching
    passage, where square brackets mark the words found.

    When more than 5,000 events match, they are listed in date order instead (ranking them all would take
    seconds), with a note saying so.

    Accents, case and word forms do not matter ('submarine' finds submarines), and a place or actor name finds
    its other spellings: 'vlora' finds Vlorë. Words in a title count above words in a summary, above words in
    a quotation.

    Syntax: 'Hoxha OR Shehu' (either), '"naval base"' (a phrase), '-Yugoslavia' (leave out), 'submarin*' (a
    prefix).

    Example: relations-db search "Vlora base"
    """
    from relations_db.cli import output
    from relations_db.cli.common import fast_connection
    from relations_db.read.shapes import RANK_AT_MOST
    from relations_db.read.sqlite_fast import events as fast_events
    from relations_db.read.sqlite_fast import search as fast

    filters = filters_from(year=year, from_=from_, to=to, actor=actor, type_=type_, place=place, source=source,
                           limit=limit)
    fmt = format_ or "table"
    with fast_connection(ctx) as lite:
        found = fast.search_rows(lite, text, filters) if lite is not None else None
        if lite is not None and found is not None:
            shown = _emit_found(found[0], fmt, fast_events.max_event_id(lite))
            ranked = found[1]
    if found is None:
        from relations_db.cli.common import connection
        from relations_db.read.events import max_event_id
        from relations_db.read.search import search_rows

        with connection(ctx) as conn:
            results = search_rows(conn, text, filters)
            shown, ranked = _emit_found(results, fmt, max_event_id(conn)), results.ranked
    if shown == 0:
        output.message(f"Nothing found for {text!r}.")
    elif not ranked:
        output.message(f"More than {RANK_AT_MOST:,} events contain {text!r}: listed in date order, not best "
                       "match first (with more words, fewer match and they are ranked).")


def _emit_found(found: "Iterable[EventRow]", fmt: str, max_id: int) -> int:
    """The events a search found, each with its snippet; how many were shown."""
    from relations_db.cli import output

    columns = [output.id_column_for(max_id), output.DATE_COLUMN, output.Column("Title", ratio=2),
               output.Column("Match", ratio=3)]
    return output.emit_events(found, fmt, columns=columns,
                              cells=lambda e: [str(e["id"]), output.event_date(e), e["title"], e["snippet"]],
                              csv_extra=(("snippet", lambda e: e["snippet"]),))
