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
from typing import Any, TextIO

from relations_db.domain import dates


def note_text(citation: Mapping[str, Any], quote: bool = False) -> str:
    """A note as an essay prints it: 'Duka 2007, quoted in Lala 2014, p. 343' (+ ': “quote”' if asked)."""
    text = citation["short"]
    if citation.get("locator"):
        text += f", {citation['locator']}"
    if citation.get("cited_in_short"):
        text += f", quoted in {citation['cited_in_short']}"
        if citation.get("cited_in_locator"):
            text += f", {citation['cited_in_locator']}"
    if quote and citation.get("quote"):
        text += f": “{citation['quote']}”"
    return text


def participants_text(event: Mapping[str, Any]) -> str:
    """'Nikita Khrushchev (guest), Enver Hoxha (host)'."""
    return ", ".join(f"{a['name']} ({a['role']})" if a.get("role") else a["name"] for a in event["actors"])


def group_year(event: Mapping[str, Any]) -> int:
    """The year an event is listed under (astronomical: -43 is 44 BC): the year it starts, its end year when the
    start is open or unknown. `dates.era_year` writes it for a reader."""
    return dates.iso_ymd(event["start"] if event["start"] is not None else event["end"])[0]


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


def write_chronology(events: Iterable[Mapping[str, Any]], out: TextIO, title: str | None = None) -> int:
    """Plain text to paste into an essay: a heading per year, one line per event with its date as written,
    title, place, participants with roles and note numbers; the numbered notes under it all."""
    notes = Notes(quote=False)
    count, year = 0, None
    if title:
        out.write(f"{title}\n\n")
    for event in events:
        if group_year(event) != year:
            year = group_year(event)
            out.write(("\n" if count else "") + f"{dates.era_year(year)}\n")
        refs = "".join(f"[{n}]" for n in notes.refs(event))
        out.write(f"  {dates.display(event['date'])}: {event_line(event)} {refs}".rstrip() + "\n")
        count += 1
    if count and notes.numbers:
        out.write("\nNotes\n")
        for number, text in notes.items():
            out.write(f"[{number}] {text}.\n")
    return count


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


def write_markdown(events: Iterable[Mapping[str, Any]], out: TextIO, title: str = "Chronology") -> int:
    """A footnoted Markdown chronology: `## year` headings, a bullet per event (date as written, title,
    place, participants) with footnote references [^n], and the footnotes, with their quotations, at the end."""
    notes = Notes(quote=True)
    count, year = 0, None
    out.write(f"# {md_escape(title)}\n")
    for event in events:
        if group_year(event) != year:
            year = group_year(event)
            out.write(f"\n## {dates.era_year(year)}\n\n")
        refs = "".join(f"[^{n}]" for n in notes.refs(event))
        out.write(f"- **{md_escape(dates.display(event['date']))}**: {md_escape(event_line(event))}"
                  f"{refs}\n")
        count += 1
    if count == 0:
        out.write("\nNo events.\n")
    elif notes.numbers:
        out.write("\n")
        for number, text in notes.items():
            out.write(f"[^{number}]: {md_escape(text)}\n")
    return count
