"""The chronology as Markdown for pandoc's citeproc (`export --format markdown --citations pandoc -o FILE`):
each citation a pandoc citation, `[@duka-2007, p. 343]`, and the works cited in a CSL-JSON bibliography beside
the file, named in its metadata, so that

    pandoc --citeproc --csl chicago-note-bibliography.csl chronology.md -o chronology.docx

renders the notes and the bibliography in any style. Each citation is its own bracket, hence its own note in a
note style. A second-hand citation is one bracket of two works, the reporting one prefixed "quoted in"
(`[@zeri-i-popullit-1953, 3 gusht 1953; quoted in @lala-2014, p. 340]`): pandoc joins them with a semicolon,
the nearest CSL comes to Chicago's comma (14.260; `chronology --style` composes that form exactly).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from relations_db.formats.chronology import NO_GROUP, event_line, heading_of, heading_text, md_escape
from relations_db.read.claim_rows import date_text

# A locator pandoc reads as one: its label and value ("p. 343", "pp. 340-341"); anything else ("3 gusht 1953,
# nr. 135") is given after a comma and pandoc keeps it as the citation's suffix.
_CITATION_SPECIALS = re.compile(r"([;@])")


def _locator(text: str | None) -> str:
    if not text:
        return ""
    return ", " + _CITATION_SPECIALS.sub(r"\\\1", md_escape(text))


def citation_text(citation: Mapping[str, Any]) -> str:
    """One citation as pandoc writes it: '[@duka-2007, p. 343]', or with the work reporting it."""
    text = f"@{citation['source']}{_locator(citation.get('locator'))}"
    if citation.get("cited_in"):
        text += f"; quoted in @{citation['cited_in']}{_locator(citation.get('cited_in_locator'))}"
    return f"[{text}]"


def write_pandoc_markdown(events: Iterable[Mapping[str, Any]], out: TextIO, bibliography: str,
                          title: str = "Chronology", since: int | None = None) -> tuple[int, set[str]]:
    """Write the chronology with pandoc citations, its metadata naming `bibliography`; return how many events
    and the keys of the works cited. Headings as `write_markdown`'s (`since`: the events that began earlier
    first, under EARLIER)."""
    out.write(f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n"
              f"bibliography: {json.dumps(bibliography, ensure_ascii=False)}\n---\n")
    count, year = 0, NO_GROUP
    keys: set[str] = set()
    for event in events:
        if heading_of(event, since) != year:
            year = heading_of(event, since)
            out.write(f"\n## {md_escape(heading_text(year))}\n\n")
        # (a space between brackets: "[@a][@b]" would read as a reference link)
        cites = "".join(" " + citation_text(c) for c in event["citations"])
        keys.update(k for c in event["citations"] for k in (c["source"], c.get("cited_in")) if k)
        # (who gives a date the event does not show: a pandoc inline note, "^[…]")
        notes = "".join(f"^[{md_escape(note)}]" for note in event.get("date_notes") or ())
        out.write(f"- **{md_escape(date_text(event))}**: {md_escape(event_line(event))}{cites}{notes}\n")
        count += 1
    if count == 0:
        out.write("\nNo events.\n")
    return count, keys


def write_bibliography(records: Iterable[Any], out: TextIO) -> int:
    """The works cited as CSL-JSON for pandoc: ids are the keys the citations use, each item as a style should
    print it (`citations.printable`: no editorial note)."""
    from relations_db.formats.citations import printable

    items = [printable(record.csl()) for record in records]
    out.write(json.dumps(items, ensure_ascii=False, indent=1) + "\n")
    return len(items)
