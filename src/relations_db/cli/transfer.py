"""`relations-db` commands: import and export of chronologies."""

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer

from relations_db.cli.common import notice, session
from relations_db.cli.options import (
    ActorOpt,
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
)
from relations_db.cli.outfile import atomic_output
from relations_db.errors import UserError
from relations_db.formats import registry

if TYPE_CHECKING:
    ExportFormat = str
    ImportFormat = str
else:  # Typer reads the choices from a Literal: the registry's names (strings: no format module is imported)
    ExportFormat = Literal[tuple(registry.EXPORTS)]
    ImportFormat = Literal[tuple(registry.IMPORTS)]

commands = typer.Typer(add_completion=False)

# Below this many events a progress bar would only flicker.
PROGRESS_THRESHOLD = 2000


@contextmanager
def progress_reporter(verb: str) -> Iterator[Callable[[int], None] | None]:
    """A callback for the core's `progress(done)` that shows a Rich progress bar on stderr once more than
    PROGRESS_THRESHOLD events are done — only when stderr is a terminal (never in pipes, files or logs)."""
    if not sys.stderr.isatty():
        yield None
        return
    shown: dict = {}

    def update(done: int) -> None:
        if "bar" not in shown:
            if done <= PROGRESS_THRESHOLD:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            bar = Progress(TextColumn(f"{verb}"), BarColumn(), MofNCompleteColumn(), TextColumn("events"),
                           TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            bar.start()
            shown["bar"], shown["task"] = bar, bar.add_task(verb, total=None)
        shown["bar"].update(shown["task"], completed=done)

    try:
        yield update
    finally:
        if "bar" in shown:
            shown["bar"].stop()


@commands.command("export")
def export(
    ctx: typer.Context,
    format_: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", case_sensitive=False,
        help="csv (spreadsheets), json, jsonl, yaml (the seed format, to import elsewhere), markdown (a "
             "footnoted chronology), html, or bibtex / csljson (the sources the events cite, for Zotero or "
             "pandoc). Default: from the -o file's extension, else csv.")] = None,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE",
        help="Write to FILE (replaced only when the export is complete) instead of stdout.")] = None,
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
    per_citation: Annotated[bool, typer.Option(
        "--per-citation", help="CSV: the long form, one row per citation (slug, date, title, source, short, locator, "
                            "quote, cited_as, cited_in, cited_in_locator, confidence, note), which `import` reads "
                            "back.")] = False,
    bom: Annotated[bool, typer.Option(
        "--bom", help="CSV: start with a byte order mark, so that Excel opens the file as UTF-8 (accents "
                      "intact) on a double click.")] = False,
    citations: Annotated[Optional[Literal["plain", "pandoc"]], typer.Option(
        "--citations", case_sensitive=False,
        help="Markdown: plain footnotes (default), or pandoc citations ([@duka-2007, p. 343]) with the works "
             "cited in a CSL-JSON file beside the -o file, for `pandoc --citeproc --csl STYLE.csl`.")] = None,
) -> None:
    """Export a selection of events (the same filters as `events`) as CSV, JSON, YAML, Markdown or HTML.

    The output is streamed: any number of events in constant memory. CSV has the chronology columns date,
    start, end, title, type, place, actors, sources, summary, then id, slug, date_display (the date as a
    reader sees it, "c. October 1959") and notes (every citation as an essay prints it: "Duka 2007, quoted in
    Lala 2014, p. 343", joined by "; "); an open or unknown end is an empty cell; cells a spreadsheet would run
    as formulas are prefixed with '. With --per-citation, CSV is the long form: one row per citation with its
    page and quotation. Export both CSVs to carry every field a CSV can (import the chronology, then the long
    form). YAML is the seed format with the sources, actors and places the events use (and the agreements they
    invoke), so that `import` into an empty database reproduces the events exactly.

    Example: relations-db export --from 1955 --to 1961 --format csv -o chronology.csv

    Example: relations-db export --per-citation -o citations.csv --bom
    """
    filters = filters_from(year=year, from_=from_, to=to, actor=actor, type_=type_, place=place, source=source,
                           search=search, limit=limit, within=within)
    fmt = registry.export_format(output, format_)
    if (per_citation or bom) and fmt != "csv":
        raise UserError(f"--{'per-citation' if per_citation else 'bom'} is for CSV; the format here is {fmt}")
    if citations not in (None, "pandoc") and fmt != "markdown":  # (pandoc's says also that it needs a file)
        raise UserError(f"--citations {citations} is for Markdown; the format here is {fmt}")
    started = time.perf_counter()
    if citations == "pandoc":
        _export_pandoc(ctx, filters, fmt, output)
        return
    with session(ctx) as s:
        # The filters are checked before any file is touched. CSV, the format of large exports, has a way of
        # its own (formats/csv/writer.py: the cells built by the database; the same bytes as the general writer).
        write: Callable[[Any, Any], int]
        if per_citation:
            from relations_db.formats.csv.citations import CitationsExport

            write = CitationsExport(s, filters).write
        else:
            write = registry.prepare_export(fmt, s, filters)
        with atomic_output(output) as out, progress_reporter("Exporting") as progress:
            if bom:
                out.write("\ufeff")
            count = write(out, progress)
    where = f" to {output}" if output not in (None, "-") else ""
    noun = "row" if per_citation else registry.EXPORTS[fmt].counts  # (a row per citation and claim it speaks to)
    notice(f"Exported {count} {noun}{'s' if count != 1 else ''} ({fmt}){where} in "
           f"{time.perf_counter() - started:.1f} s.")


def _export_pandoc(ctx: typer.Context, filters, fmt: str, output: str | None) -> None:
    """Markdown with pandoc citations, and its bibliography (CSL-JSON) beside it: `<name>.json`."""
    from relations_db.errors import UserError

    if fmt != "markdown" or output in (None, "-"):
        raise UserError("--citations pandoc writes Markdown to a file (-o chronology.md), with its bibliography "
                        "beside it (chronology.json)", field="citations")
    from relations_db.formats.chronology import document_heading, selection_start
    from relations_db.formats.pandoc import write_bibliography, write_pandoc_markdown
    from relations_db.read.bibliography import source_records
    from relations_db.read.events import event_rows, with_date_notes

    bibliography = Path(output).with_suffix(".json")
    started = time.perf_counter()
    with session(ctx) as s:
        rows = with_date_notes(s, event_rows(s, filters))  # (the filters are checked before any file is touched)
        with atomic_output(output) as out:
            count, keys = write_pandoc_markdown(rows, out, bibliography.name,
                                                title=document_heading(s, filters)[0], since=selection_start(filters))
        from sqlalchemy import select

        from relations_db.store.schema import sources

        ids = [i for (i,) in s.execute(select(sources.c.id).where(sources.c.key.in_(sorted(keys))))]
        with atomic_output(str(bibliography)) as out:
            works = write_bibliography(source_records(s, ids), out)
    notice(f"Exported {count} event{'s' if count != 1 else ''} (markdown, pandoc citations) to {output} and "
           f"{works} work{'s' if works != 1 else ''} cited to {bibliography} in {time.perf_counter() - started:.1f} s.")


@commands.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A .yaml/.yml file in the seed format, a .csv "
                                                              "file in the export format, or a bibliography: "
                                                              ".bib, CSL-JSON .json, .ris.")],
    format_: Annotated[Optional[ImportFormat], typer.Option(
        "--format", "-f", case_sensitive=False,
        help="yaml, csv, bibtex, csljson or ris (default: from the file's extension).")] = None,
    update: Annotated[bool, typer.Option(
        "--update", help="Bibliographies: where a matched source has another value, take the file's.")] = False,
    lock_tables: Annotated[bool, typer.Option(
        "--lock-tables", help="PostgreSQL, large CSV: drop the indexes and keys of the event tables during the load "
                              "and build them again at the end — faster, but every reader of the database waits "
                              "until the import ends. Without it, readers go on as usual.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check the file and print what would change — each event added, updated (field: before → "
                          "after) or unchanged; for a bibliography, each source added, filled in or in conflict — "
                          "and write nothing.")] = False,
) -> None:
    """Import events from a seed-format YAML file or a chronology CSV (as `export` writes them).

    The whole file is checked first and every bad row or entry is reported with its line number; then
    everything is written in one transaction, or nothing is. Importing the same file twice changes nothing.

    CSV: the columns of `export --format csv` (or of its long form, `--per-citation`), in any order and case,
    separated by ",", ";" or a tab; only date and title (or slug) are required. A row is matched to a recorded
    event by its slug, else by its date and title (any case or accents), and updated, or else added. An import
    never erases: an empty cell keeps what the event has (clear a field with `edit event`), and the actors
    and sources a row lists are added to the event's, never replacing them. `sources` lists keys or short
    forms ("Duka 2007") of sources already in the database, `actors` names as Name:role, both separated by
    "; ". A chronology CSV has no quotations or pages, so each listed source the event does not cite yet
    becomes a bare citation (the source alone, confidence 2); the long form brings the pages and quotations,
    upgrading a bare citation in place. `start`, `end`, `id`, `date_display` and `notes` are ignored (they
    follow from the rest). Dates are written year-month-day (1961-11-25, not 25/11/1961).

    Bibliographies (BibTeX/BibLaTeX, CSL-JSON as Zotero exports it, RIS) add sources: each entry is matched to
    a recorded source by DOI, ISBN, key, or title, year and first author. A match gets the fields it lacks; a
    field it has with another value is reported and kept, unless --update. A key outside [a-z0-9-] becomes
    its slug ('Duka_2007' → duka-2007); the original is kept and written back on export.

    Example: relations-db import colleague-chronology.csv --dry-run
    """
    kind = registry.import_format(file, format_)  # an unknown extension is refused before the database is touched
    bibliography = registry.IMPORTS[kind].counts == "source"
    if update and not bibliography:
        raise UserError(f"--update applies only to bibliography files (.bib, .json, .ris), not to {kind}")
    # (a bibliography importer reports its dry run itself; the others are rolled back below)
    options = {name: True for name, given in (("dry_run", dry_run), ("update", update)) if given and bibliography}
    with session(ctx, write=True) as s, progress_reporter("Importing") as progress:
        s.info["relations_db_lock_tables"] = lock_tables  # (formats.csv.importing.LOCK_TABLES)
        report = registry.import_file(s, file, kind, progress=progress, **options)
        if dry_run:
            s.rollback()  # (nothing written: the session scope then commits an empty transaction)
    lines = getattr(report, "lines", None)
    if lines is not None:
        from relations_db.domain.text import visible

        for line in lines(("added", "updated", "unchanged") if dry_run else ("updated",)):
            sys.stdout.write(visible(line) + "\n")
    for line in getattr(report, "conflicts", ()):  # (a bibliography's conflicting fields)
        notice(f"  {line}")
    notice(f"Dry run of {file}, nothing written: {report.summary()}." if dry_run
           else f"Imported {file}: {report.summary()}.")
