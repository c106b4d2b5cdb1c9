"""The chronology as text to read: plain text to paste into an essay (`write_chronology`) and a footnoted
Markdown document (`write_markdown`), and the pieces they share with the other readable outputs (the HTML
chronology, `show`, the tables): a note as an essay prints it, participants with roles, the year an event is
listed under, numbered notes.

Each writer takes any iterable of event dicts (the JSON shape of `queries.event_rows`) and a text stream,
writes as it reads (only the notes are kept, since they come after the entries), and returns how many events
it wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from relations_db.domain import dates
from relations_db.domain.citing import note_text
from relations_db.read.claim_rows import date_text

if TYPE_CHECKING:
    from relations_db.read.filters import Filters
    from relations_db.read.tables import Database

# The heading of the events that began before a selection of years and reach into it (`chronology --year 1960`
# lists the 1948–1961 relationship): listed first, under this one heading, rather than under headings of years
# the reader did not ask for.
EARLIER = "Continuing from earlier years"



def participants_text(event: Mapping[str, Any]) -> str:
    """'Nikita Khrushchev (guest), Enver Hoxha (host)'."""
    return ", ".join(f"{a['name']} ({a['role']})" if a.get("role") else a["name"] for a in event["actors"])


def group_year(event: Mapping[str, Any]) -> int:
    """The year an event is listed under (astronomical: -43 is 44 BC): the year it starts, its end year when the
    start is open or unknown. `dates.era_year` writes it for a reader."""
    return dates.iso_ymd(event["start"] if event["start"] is not None else event["end"])[0]


def heading_of(event: Mapping[str, Any], since: int | None) -> int | None:
    """The group an event is listed under: its year (`group_year`), or None for EARLIER when the selection
    starts in year `since` and the event began before it (or has an open or unknown start)."""
    if since is not None and (event["start"] is None or dates.iso_ymd(event["start"])[0] < since):
        return None
    return group_year(event)


def heading_text(group: int | None) -> str:
    return EARLIER if group is None else dates.era_year(group)


def selection_start(filters: Filters) -> int | None:
    """The first year of the selection whose earlier events are grouped apart; None when there is none, or
    when --within keeps only the events inside it."""
    if filters.within:
        return None
    return filters.year if filters.year is not None else filters.from_year


def selection_title(filters: Filters, noun: str = "Chronology") -> str:
    """A document's title naming its selection: 'Chronology, 1960', 'Chronology, 1959–1961, Enver Hoxha'."""
    parts = [noun]
    years = _years_text(filters)
    if years:
        parts.append(years)
    parts += filters.actors
    return ", ".join(parts)


def _years_text(filters: Filters) -> str | None:
    """'1960', '1959–1961', 'from 1959', 'to 1950', or None without a selection of years."""
    first, last = (filters.year, filters.year) if filters.year is not None else (filters.from_year, filters.to_year)
    if first is not None and last is not None:
        return dates.era_year(first) if first == last else f"{dates.era_year(first)}–{dates.era_year(last)}"
    if first is not None:
        return f"from {dates.era_year(first)}"
    return f"to {dates.era_year(last)}" if last is not None else None


def _years_phrase(filters: Filters) -> str | None:
    """What the years of a selection keep, as `events` reads them (overlap) or with --within (wholly inside)."""
    first, last = (filters.year, filters.year) if filters.year is not None else (filters.from_year, filters.to_year)
    if first is None and last is None:
        return None
    if first is not None and last is not None:
        return f"{'wholly within' if filters.within else 'overlapping'} {_years_text(filters)}"
    if first is not None:
        return f"{'begun in or after' if filters.within else 'reaching into or after'} {dates.era_year(first)}"
    assert last is not None  # (mypy: one of the two is given)
    return f"{'ended by the end of' if filters.within else 'begun by the end of'} {dates.era_year(last)}"


def selection_text(filters: Filters) -> str:
    """What a selection keeps, in words: 'Events overlapping 1960, involving Enver Hoxha'."""
    years = _years_phrase(filters)
    text = f"Events {years}" if years else ("All events" if filters.is_empty() else "Events")
    if filters.actors:
        text += ", involving " + " and ".join(filters.actors)
    for label, value in (("of type", filters.type), ("at", filters.place), ("citing", filters.source)):
        if value:
            text += f", {label} {value}"
    if filters.search:
        text += f", containing “{filters.search}”"
    return text


def corpus_text(db: Database) -> str:
    """The database the document is drawn from: 'From a corpus of 59 events and 20 sources (most cited: Lala
    2014).'"""
    from relations_db.read.catalog import corpus

    events, sources, top = corpus(db)
    text = f"from a corpus of {events} event{'s' if events != 1 else ''} and {sources} source" \
           f"{'s' if sources != 1 else ''}"
    return text + (f" (most cited: {top})" if top else "")


def document_heading(db: Database, filters: Filters) -> tuple[str, str]:
    """(title, the line under it) of a Markdown or HTML chronology of `filters`."""
    return selection_title(filters), f"{selection_text(filters)}, {corpus_text(db)}."


class Notes:
    """Numbered notes: the same note text gets the same number, so a chronology's notes read like an essay's."""

    def __init__(self, quote: bool) -> None:
        self.quote = quote
        self.numbers: dict[str, int] = {}

    def refs(self, event: Mapping[str, Any]) -> list[int]:
        """The numbers of the event's notes, smallest first; a note not seen before gets the next number."""
        found: list[int] = []
        for citation in event["citations"]:
            text = note_text(citation, self.quote)
            number = self.numbers.setdefault(text, len(self.numbers) + 1)
            if number not in found:
                found.append(number)
        return sorted(found)  # [1][4][13], as an essay orders its note marks

    def date_refs(self, event: Mapping[str, Any]) -> list[int]:
        """The numbers of the event's date notes ("Fixture 2022 gives 1959 (normal)."), after its sources'."""
        return [self.numbers.setdefault(text, len(self.numbers) + 1)
                for text in event.get("date_notes") or ()]

    def items(self) -> Iterator[tuple[int, str]]:
        """(number, text) of every note, in the order of their numbers."""
        for text, number in self.numbers.items():
            yield number, text


def event_line(event: Mapping[str, Any]) -> str:
    """'Khrushchev visits Albania (Tirana). Nikita Khrushchev (guest), Enver Hoxha (host).'"""
    text = event["title"].rstrip(".")
    if event.get("place"):
        text += f" ({event['place']})"
    text += "."
    if event["actors"]:
        text += f" {participants_text(event)}."
    return text


class NoteNumbers(Protocol):
    """What numbers an event's notes: `Notes` here, or a citation style's (formats/citations.py)."""

    def refs(self, event: Mapping[str, Any]) -> list[int]: ...


def write_chronology(events: Iterable[Mapping[str, Any]], out: TextIO, title: str | None = None,
                     since: int | None = None, width: int | None = None, numbers: NoteNumbers | None = None) -> int:
    """Plain text to paste into an essay: a heading per year, one line per event with its date as written,
    title, place, participants with roles and note numbers; the numbered notes under it all. With `since` (the
    first year of the selection), the events that began earlier come first under EARLIER. With `width`, each
    entry and note is wrapped to it, its later lines indented under its text (a word is never split). With
    `numbers` (a citation style's), the note marks are its, and the notes are left for it to write."""
    notes = numbers or Notes(quote=False)
    count, year = 0, NO_GROUP
    if title:
        out.write(f"{title}\n\n")
    for event in events:
        group = heading_of(event, since)
        if group != year:
            year = group
            out.write(("\n" if count else "") + f"{heading_text(group)}\n")
        refs = "".join(f"[{n}]" for n in notes.refs(event))
        out.write(hanging(f"  {date_text(event)}: {event_line(event)} {refs}".rstrip(), width, 4) + "\n")
        for note in event.get("date_notes") or ():  # (who gives a date the event does not show)
            out.write(hanging(f"    Note: {note}", width, 6) + "\n")
        count += 1
    if count and isinstance(notes, Notes) and notes.numbers:
        out.write("\nNotes\n")
        for number, text in notes.items():
            out.write(hanging(f"[{number}] {text}.", width, 4) + "\n")
    return count


NO_GROUP = object()  # (before the first heading: neither a year nor EARLIER, which is None)


def hanging(line: str, width: int | None, indent: int) -> str:
    """`line` wrapped to `width` at spaces only (a word, a key or a page range is never split; a word longer
    than the line stands alone on its line), the later lines indented by `indent`."""
    if width is None or len(line) <= width:
        return line
    import textwrap

    lead = len(line) - len(line.lstrip(" "))
    return textwrap.fill(line.lstrip(" "), width, initial_indent=" " * lead, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False)


# A line break of any kind, with the blanks around it: in Markdown a field is one line (a title holding
# "\n\n# Heading" must not become a heading), so each becomes one space.
_BREAK = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def md_escape(text: str) -> str:
    # Only what would change the meaning of a line of Markdown here: emphasis, links and footnote brackets,
    # and line breaks, which would end the line.
    text = _BREAK.sub(" ", text)
    for ch in "\\*_[]`<":
        text = text.replace(ch, "\\" + ch)
    return text


# Any line break, as one "\n" (a paragraph separator as a blank line), and a blank line between paragraphs.
_ANY_BREAK = re.compile(r"\r\n|[\r\v\f\x1c-\x1e\x85\u2028]")
_PARAGRAPH_BREAK = re.compile(r"[ \t]*\n[ \t]*\n\s*")
# What would open a block of its own at the start of a continuation paragraph: a heading, a quotation, a list
# item (bullets, "1." or "1)"), a thematic break, a table, a code fence or a footnote definition.
_BLOCK_START = re.compile(r"^(?:[#>+=|~-]|(?P<number>[0-9]+)[.)](?=\s|$))")


def _unblock(paragraph: str) -> str:
    """`paragraph` with what would open a block escaped: '\\# …', '1\\. …' (a digit cannot be escaped)."""
    found = _BLOCK_START.match(paragraph)
    if found is None:
        return paragraph
    cut = found.end() - 1
    return paragraph[:cut] + "\\" + paragraph[cut:]


def _md_paragraphs(text: str) -> str:
    """A text that may hold paragraphs (a quotation) as the body of a footnote: each paragraph on one line, the
    second and later indented by four spaces, which Markdown (pandoc, CommonMark footnotes, Python-Markdown) reads
    as the same footnote going on. Flattened to one line, the paragraphs were lost; left as they were, the blank
    line ended the footnote and made every later definition body text."""
    text = _ANY_BREAK.sub("\n", text.replace("\u2029", "\n\n")).strip()
    paragraphs = [md_escape(p) for p in _PARAGRAPH_BREAK.split(text)]
    return "\n\n    ".join(paragraphs[:1] + [_unblock(p) for p in paragraphs[1:]])


def write_markdown(events: Iterable[Mapping[str, Any]], out: TextIO, title: str = "Chronology",
                   since: int | None = None, about: str | None = None) -> int:
    """A footnoted Markdown chronology: `## year` headings, a bullet per event (date as written, title,
    place, participants) with footnote references [^n], and the footnotes, with their quotations, at the end.
    A one-line field stays one line; a quotation of several paragraphs keeps them, as footnote continuations.
    `about` is a line under the title (what the selection is, from what corpus); with `since`, the events that
    began before that year come first under EARLIER."""
    notes = Notes(quote=True)
    count, year = 0, NO_GROUP
    out.write(f"# {md_escape(title)}\n")
    if about:
        out.write(f"\n{md_escape(about)}\n")
    for event in events:
        group = heading_of(event, since)
        if group != year:
            year = group
            out.write(f"\n## {heading_text(group)}\n\n")
        refs = "".join(f"[^{n}]" for n in notes.refs(event) + notes.date_refs(event))
        out.write(f"- **{md_escape(date_text(event))}**: {md_escape(event_line(event))}"
                  f"{refs}\n")
        count += 1
    if count == 0:
        out.write("\nNo events.\n")
    elif notes.numbers:
        out.write("\n")
        for number, text in notes.items():
            out.write(f"[^{number}]: {_md_paragraphs(text)}\n")
    return count
