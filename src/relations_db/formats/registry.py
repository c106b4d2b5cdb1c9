"""Every file format `export` writes and `import` reads, by name: where its function is, as a "module:function"
string, and the file suffixes that imply it.

Strings, not functions, so that listing the formats (the `--format` choices, `--help`) imports no format
module: `load` imports a format's function when it is used. A new format is a module in `formats/` and one
line here.

An export function takes, as its entry's `takes` says:
- "events": `(events, out) -> count`, events being the dicts of `queries.event_rows`;
- "events_and_session": `(events, session, out, progress=...) -> count` (the seed format also writes the
  sources, actors and places the events use);
- "selection": `(session, filters)`, returning an export whose `.write(out, progress)` writes it (CSV, whose
  fast ways read the database themselves).
An import function takes `(session, path, progress=...)` and returns a report with `.summary()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any, Literal, NamedTuple

from relations_db.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from relations_db.read.filters import Filters
    from relations_db.read.rows import EventRow

Progress = Callable[[int], None] | None
Takes = Literal["events", "events_and_session", "selection", "document"]


class Format(NamedTuple):
    """A format's function ("module:function"), the suffixes of file names that imply it, and what it takes."""

    function: str
    suffixes: tuple[str, ...]
    takes: Takes = "events"
    counts: str = "event"  # what the format's count counts: events, or sources for a bibliography


EXPORTS: dict[str, Format] = {
    "csv": Format("relations_db.formats.csv.writer:CsvExport", (".csv",), "selection"),
    "json": Format("relations_db.formats.json:write_json", (".json",)),
    "jsonl": Format("relations_db.formats.json:write_jsonl", (".jsonl", ".ndjson")),
    "yaml": Format("relations_db.formats.seed.write:write_yaml", (".yaml", ".yml"), "events_and_session"),
    "markdown": Format("relations_db.formats.chronology:write_markdown", (".md", ".markdown"), "document"),
    "html": Format("relations_db.formats.html:write_html", (".html", ".htm"), "document"),
    # The sources the selected events cite (their count is what `export` reports for these two).
    "bibtex": Format("relations_db.formats.bib.exporting:CitedBibtex", (".bib",), "selection", "source"),
    "csljson": Format("relations_db.formats.bib.exporting:CitedCslJson", (), "selection", "source"),
}
DEFAULT_EXPORT = "csv"  # (when neither a format nor a file name with a known suffix is given)

IMPORTS: dict[str, Format] = {
    "yaml": Format("relations_db.formats.seed.apply:load_seed_file", (".yaml", ".yml")),
    "csv": Format("relations_db.formats.csv.importing:import_csv_file", (".csv",)),
    # Bibliographies: sources only, matched to the recorded ones (they take `dry_run` and `update`).
    "bibtex": Format("relations_db.formats.bib.importing:import_bibtex", (".bib", ".bibtex"), counts="source"),
    "csljson": Format("relations_db.formats.bib.importing:import_csljson", (".json",), counts="source"),
    "ris": Format("relations_db.formats.bib.importing:import_ris", (".ris",), counts="source"),
}

Direction = Literal["export", "import"]


def _formats(direction: Direction) -> dict[str, Format]:
    return EXPORTS if direction == "export" else IMPORTS


def load(name: str, direction: Direction = "export") -> Callable[..., Any]:
    """The function of format `name` (as `EXPORTS` or `IMPORTS` names it), its module imported now."""
    from importlib import import_module

    module, _, function = _formats(direction)[name].function.partition(":")
    return getattr(import_module(module), function)


def _either(words: Iterable[str]) -> str:
    """'a, b or c'."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _given(given: str, direction: Direction) -> str:
    names = _formats(direction)
    if given.lower() not in names:
        raise UserError(f"the format must be one of {', '.join(names)}; found {given!r}", field="format")
    return given.lower()


def _by_suffix(path: str | PurePath, direction: Direction) -> str | None:
    suffix = PurePath(path).suffix.lower()
    return next((name for name, entry in _formats(direction).items() if suffix in entry.suffixes), None)


def export_format(output: str | None, given: str | None = None) -> str:
    """The format to export in: the one given, else the one the output file's suffix implies, else (stdout, a
    name without a suffix) csv. A suffix that implies no format ('notes.docx') is refused rather than given CSV
    under a name that promises something else."""
    if given:
        return _given(given, "export")
    found = _by_suffix(output or "", "export")
    if found is None and output not in (None, "-") and PurePath(output).suffix:
        suffixes = _either(suffix for entry in EXPORTS.values() for suffix in entry.suffixes)
        raise UserError(f"cannot tell which format to write to {output!r} from its extension: name it {suffixes}, "
                        f"or give the format ({_either(EXPORTS)})", field="output")
    return found or DEFAULT_EXPORT


def import_format(path: str | PurePath, given: str | None = None) -> str:
    """The format to import from: the one given, else the one the file's suffix implies (UserError if none)."""
    if given:
        return _given(given, "import")
    found = _by_suffix(path, "import")
    if found is None:
        suffixes = _either(suffix for entry in IMPORTS.values() for suffix in entry.suffixes)
        raise UserError(f"cannot tell the format of {str(path)!r} from its extension: name it {suffixes}, or give "
                        f"the format ({_either(IMPORTS)})", field="format")
    return found


def import_file(session: Session, path: str | PurePath, format: str | None = None,
                progress: Progress = None, **options: bool) -> Any:
    """Import a file in any of `IMPORTS` (given, or implied by its suffix); return its report (`.summary()`).
    `options` (`dry_run`, `update`) are for the bibliography formats, which alone take them."""
    name = import_format(path, format)
    if options and IMPORTS[name].counts != "source":
        raise UserError(f"{', '.join(options)} apply only to bibliography files (.bib, .json, .ris), not to {name}",
                        field="format")
    return load(name, "import")(session, path, progress=progress, **options)


def prepare_export(name: str, session: Session, filters: Filters) -> Callable[[IO[str], Progress], int]:
    """The export of the events matching `filters` in format `name`, as a function `(out, progress) -> count`.

    The filters are checked and names resolved now (UserError, NotFound, Ambiguous), so that a bad filter
    touches no file; the events are read when the function writes them.
    """
    entry = EXPORTS[name]
    function = load(name)
    if entry.takes == "selection":
        return function(session, filters).write
    from relations_db.read.events import event_rows

    rows = event_rows(session, filters)
    if entry.takes == "events_and_session":
        return lambda out, progress: function(rows, session, out, progress=progress)
    if entry.takes == "document":  # a titled document: its title and first line say what it holds
        from relations_db.formats.chronology import document_heading, selection_start
        from relations_db.read.events import with_date_notes

        rows = with_date_notes(session, rows)  # (and who gives the dates an event does not show)

        title, about = document_heading(session, filters)
        return lambda out, progress: function(_counted(rows, progress), out, title=title, about=about,
                                              since=selection_start(filters))
    return lambda out, progress: function(_counted(rows, progress), out)


def _counted(events: Iterable[EventRow], progress: Progress) -> Iterator[EventRow]:
    """`events`, with `progress(done)` called every 100."""
    done = 0
    for event in events:
        yield event
        done += 1
        if progress is not None and done % 100 == 0:
            progress(done)
