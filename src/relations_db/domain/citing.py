"""The one rule for how a citation reads, as an essay prints it: "Duka 2007, quoted in Lala 2014, p. 343".

A second-hand citation (one with `cited_in`) names the work it was read in: a reader must not take Duka for
something the author read first-hand. Every output that shows a citation as text uses this: the chronology
(text and Markdown notes), the HTML page, `show`, the JSON `text` of a citation and the CSV `notes` column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# How the notes of one event are joined in one CSV cell.
NOTES_SEPARATOR = "; "


def citation_text(short: str, locator: str | None = None, cited_in_short: str | None = None,
                  cited_in_locator: str | None = None) -> str:
    """'Duka 2007, p. 12', or 'Duka 2007, quoted in Lala 2014, p. 343' for a citation read in another work."""
    text = short
    if locator:
        text += f", {locator}"
    if cited_in_short:
        text += f", quoted in {cited_in_short}"
        if cited_in_locator:
            text += f", {cited_in_locator}"
    return text


def note_text(citation: Mapping[str, Any], quote: bool = False) -> str:
    """`citation_text` of a citation dict (the JSON shape of a citation: short, locator, cited_in_short,
    cited_in_locator), followed by ': “quote”' when asked and there is one."""
    text = citation_text(citation["short"], citation.get("locator"), citation.get("cited_in_short"),
                         citation.get("cited_in_locator"))
    if quote and citation.get("quote"):
        text += f": “{citation['quote']}”"
    return text


def notes_cell(texts: Iterable[str]) -> str:
    """The notes of one event as one cell: each distinct note once, in citation order, joined by '; '."""
    return NOTES_SEPARATOR.join(dict.fromkeys(texts))


Cited = tuple[str, str | None, str | None, str | None]  # (short, locator, cited_in short, cited_in locator)


def evidence_cells(citations: Iterable[Cited]) -> tuple[str, str]:
    """The CSV's `sources` and `notes` cells of an event whose citations are given, in citation order, as
    (short form, locator, short form of the work it is quoted in, locator there): the short forms once each,
    and `notes_cell` of their `citation_text`. The database stores both with the event (`events.sources_cell`,
    `events.notes_cell`), made by this one rule whenever a citation or a source's short form changes."""
    cited = list(citations)
    return (NOTES_SEPARATOR.join(dict.fromkeys(short for short, _, _, _ in cited)),
            notes_cell(citation_text(*citation) for citation in cited))
