"""`relations-db` commands: actors, actor, meetings, agreements, sources, source — the lists and profiles."""

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, Optional

import typer

from relations_db.cli.options import (
    ActorOpt,
    ActorsFormatOpt,
    FormatOpt,
    FromOpt,
    LimitOpt,
    PlaceOpt,
    SearchOpt,
    SourceOpt,
    ToOpt,
    WithinOpt,
    YearOpt,
    filters_from,
    format_flag,
)
from relations_db.read.rows import EventRow

commands = typer.Typer(add_completion=False)

ProfileFormat = Annotated[Optional[Literal["text", "json"]], format_flag("Output format (default: text).")]


@commands.command("actors")
def actors_cmd(
    ctx: typer.Context,
    kind: Annotated[Optional[str], typer.Option(
        "--kind", "-k", help="Only this kind: person, state, party, government, military or organisation.")] = None,
    search: Annotated[Optional[str], typer.Option(
        "--search", "-q", metavar="TEXT", help="Names or aliases containing TEXT (any case or accents).")] = None,
    format_: ActorsFormatOpt = None,
) -> None:
    """List actors (people, states, parties…) with their kind, aliases and number of events.

    Example: relations-db actors --kind person --search khr
    """
    from relations_db.cli import output
    from relations_db.cli.common import connection, fast_connection
    from relations_db.read.sqlite_fast import catalog as fast

    columns = [output.Column("Name", ratio=3), output.Column("Kind", width=12), output.Column("Aliases", ratio=4),
               output.Column("Events", width=6, justify="right")]
    with fast_connection(ctx) as lite:
        rows = fast.actor_rows(lite, kind=kind, search=search) if lite is not None else None
    if rows is None:
        from relations_db.read.catalog import actor_rows

        with connection(ctx) as conn:
            rows = actor_rows(conn, kind=kind, search=search)
    shown = output.emit_records(rows, format_ or "table", columns,
                                lambda a: [a["name"], a["kind"], ", ".join(a["aliases"]), str(a["events"])],
                                csv_fields=("name", "kind", "aliases", "description", "events"))
    if shown == 0:
        output.message("No actors match." if kind or search else "The database has no actors.")


@commands.command("actor")
def actor_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name or alias, any case or accents ('hrushov').")],
    format_: ProfileFormat = None,
) -> None:
    """One actor's profile: kind, aliases, description, and the actor's own chronology with their roles.

    Example: relations-db actor Hrushov
    """
    import sys

    from relations_db.cli import output
    from relations_db.cli.common import connection
    from relations_db.domain.dates import era_year
    from relations_db.formats.chronology import group_year
    from relations_db.read.catalog import actor_profile

    with connection(ctx) as conn:
        profile = actor_profile(conn, name)
        if format_ == "json":
            output.write_object(profile, "events", sys.stdout)
            return
        profile = output.visible_record(profile)
        lines = [f"{profile['name']} ({profile['kind']})"]
        if profile["description"]:
            lines.append(output.wrapped(profile["description"], ""))
        if profile["aliases"]:
            lines.append(output.wrapped("Also written: " + ", ".join(profile["aliases"]), "  ", ""))
        typer.echo("\n".join(lines))
        count, year = 0, None
        for event in profile["events"]:
            if count == 0:
                typer.echo("\nEvents")
            if group_year(event) != year:
                year = group_year(event)
                typer.echo(era_year(year))
            roles = ", ".join(r for r in event["roles"] if r)
            place = f" ({event['place']})" if event.get("place") else ""
            typer.echo(output.wrapped(f"{output.short_date(event['date'])}: {event['title'].rstrip('.')}{place}"
                                       + (f" — as {roles}" if roles else "") + f" [#{event['id']}]", "      ", "  "))
            count += 1
        if count == 0:
            typer.echo("\nNo events recorded.")


@commands.command("meetings")
def meetings_cmd(
    ctx: typer.Context,
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    format_: FormatOpt = None,
) -> None:
    """List meetings (visits, congresses, conferences, receptions) with their format, participants and outcome.

    Example: relations-db meetings --place Bucharest
    """
    from relations_db.cli import output
    from relations_db.cli.common import connection, fast_connection
    from relations_db.read.sqlite_fast import events as fast

    filters = filters_from(year=year, from_=from_, to=to, actor=actor, place=place, source=source, search=search,
                           limit=limit, within=within)
    filters.kind = "meeting"

    def cells(e: Mapping[str, Any]) -> list[str]:
        return [str(e["id"]), output.event_date(e), e["title"] + (f" ({e['place']})" if e["place"] else ""),
                e["meeting"]["format"] or "", output.participants(e)]

    def emit(rows: Iterable[EventRow], id_column: output.Column) -> int:
        columns = [id_column, output.DATE_COLUMN, output.Column("Title", ratio=4),
                   output.Column("Format", width=12), output.Column("Participants", ratio=4)]
        return output.emit_events(rows, format_ or "table", columns=columns, cells=cells,
                                  csv_extra=(("format", lambda e: e["meeting"]["format"]),
                                             ("outcome", lambda e: e["meeting"]["outcome"])))

    with fast_connection(ctx) as lite:
        rows = fast.event_rows(lite, filters) if lite is not None else None
        if lite is not None and rows is not None:
            shown = emit(rows, output.id_column_for(fast.max_event_id(lite)))
    if rows is None:
        from relations_db.read.events import event_rows

        with connection(ctx) as conn:
            shown = emit(event_rows(conn, filters), output.id_column(conn))
    if shown == 0:
        output.message(output.nothing_shown(filters, "meetings", "No meetings recorded."))


@commands.command("agreements")
def agreements_cmd(
    ctx: typer.Context,
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    format_: FormatOpt = None,
) -> None:
    """List agreements (treaties, credits, base agreements) with their parties, status, subject and the
    events that invoke them.

    The table leaves the subject, often a paragraph, to `show ID` and to csv and json.

    Example: relations-db agreements --format json
    """
    from relations_db.cli import output
    from relations_db.cli.common import connection, fast_connection
    from relations_db.read.sqlite_fast import events as fast

    filters = filters_from(year=year, from_=from_, to=to, actor=actor, place=place, source=source, search=search,
                           limit=limit, within=within)
    filters.kind = "agreement"

    def cells(e: Mapping[str, Any]) -> list[str]:
        # (the subject, often a paragraph, is left to `show ID` and the csv and json formats: in a column of a
        # quarter of 80 characters it made each row some 17 lines long)
        users = ", ".join(f"#{u['id']}" for u in e["invoked_by"])  # ids to `show`: titles do not fit
        return [str(e["id"]), output.event_date(e), e["title"], e["agreement"]["status"] or "",
                output.participants(e), users]

    def emit(rows: Iterable[EventRow], id_column: output.Column) -> int:
        columns = [id_column, output.DATE_COLUMN, output.Column("Title", ratio=3),
                   output.Column("Status", width=9), output.Column("Parties", ratio=2),
                   output.Column("Invoked by", width=10)]
        return output.emit_events(rows, format_ or "table", columns=columns, cells=cells,
                                  csv_extra=(("status", lambda e: e["agreement"]["status"]),
                                             ("subject", lambda e: e["agreement"]["subject"]),
                                             ("invoked_by", lambda e: "; ".join(u["slug"] for u in e["invoked_by"]))))

    with fast_connection(ctx) as lite:
        rows = fast.agreement_rows(lite, filters) if lite is not None else None
        if lite is not None and rows is not None:
            shown = emit(rows, output.id_column_for(fast.max_event_id(lite)))
    if rows is None:
        from relations_db.read.events import agreement_rows

        with connection(ctx) as conn:
            shown = emit(agreement_rows(conn, filters), output.id_column(conn))
    if shown == 0:
        output.message(output.nothing_shown(filters, "agreements", "No agreements recorded."))


SourcesFormat = Annotated[Optional[Literal["table", "csv", "json", "jsonl", "bibtex", "csljson", "ris"]], format_flag(
    "Output format: table (default), csv, json (one array; each source with its CSL-JSON item as `csl`), "
    "jsonl (one source a line), or a bibliography for a reference manager: bibtex, csljson (Zotero, pandoc) or ris.")]


@commands.command("sources")
def sources_cmd(ctx: typer.Context, format_: SourcesFormat = None) -> None:
    """List the sources (books, articles, archive files…) in bibliography order, with how often each is cited.

    Example: relations-db sources --format json
    """
    from relations_db.cli import output
    from relations_db.cli.common import connection, fast_connection
    from relations_db.read.sqlite_fast import catalog as fast

    if format_ in ("bibtex", "csljson", "ris"):
        import sys

        from relations_db.formats.bib.exporting import write_sources

        with connection(ctx) as conn:
            if write_sources(conn, format_, sys.stdout) == 0:
                output.message("The database has no sources.")
        return

    with fast_connection(ctx) as lite:  # (json and jsonl carry each source's CSL item)
        rows = fast.source_rows(lite, csl=format_ in ("json", "jsonl")) if lite is not None else None
    if rows is None:
        from relations_db.read.catalog import source_rows

        with connection(ctx) as conn:
            rows = source_rows(conn)
    # The key is what a user types: the column as wide as the longest key up to a quarter of the line (a longer
    # one gets a line of its own, whole); the short form and the title wrap.
    fitting = [len(r["key"]) for r in rows if len(r["key"]) <= output.text_width() // 4]
    columns = [output.Column("Key", width=max([3, *fitting]), whole=True), output.Column("Short form", ratio=2),
               output.Column("Kind", width=max([4, *(len(r["kind"]) for r in rows)])),
               output.Column("Title", ratio=3), output.Column("Cited", width=5, justify="right")]
    shown = output.emit_records(rows, format_ or "table", columns,
                                lambda r: [r["key"], r["short"], r["kind"], r["title"], str(r["citations"])],
                                csv_fields=("key", "kind", "author", "title", "year", "publisher", "url", "short",
                                            "citations"))
    if shown == 0:
        output.message("The database has no sources.")


@commands.command("source")
def source_cmd(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="A source key ('duka-2007') or short form ('Duka 2007').")],
    format_: ProfileFormat = None,
) -> None:
    """One source: its bibliography entry and every event and quotation that cites it — directly, or as the
    work that reports a second-hand citation.

    Example: relations-db source "Duka 2007"
    """
    import sys

    from relations_db.cli import output
    from relations_db.cli.common import connection
    from relations_db.read.catalog import source_profile

    with connection(ctx) as conn:
        profile = source_profile(conn, key)
        if format_ == "json":
            output.write_object(profile, "citations", sys.stdout)
            return
        profile = output.visible_record(profile)
        typer.echo(f"{profile['short']}  [{profile['key']}, {profile['kind']}]")
        typer.echo(output.wrapped(output.bibliography(profile), "  ", ""))
        if profile.get("note"):
            typer.echo(output.wrapped(f"Note: {profile['note']}", "  ", ""))
        count, current = 0, None
        for citation in profile["citations"]:
            if count == 0:
                typer.echo("\nCited for")
            event = citation["event"]
            if event["id"] != current:
                current = event["id"]
                typer.echo(output.wrapped(f"{output.short_date(event['date'])}: {event['title']} "
                                           f"[#{event['id']} {event['slug']}]", "    ", "  "))
            count += 1
            typer.echo("\n".join(output.citation_lines(count, citation, indent="    ")))
        if count == 0:
            typer.echo("\nNo event cites it yet.")
