"""In-text citations as printed ("(Duka, 2007; Mezini, 1999)") and the sources they name.

The audit compares each citation's `cited_as` with the source it is linked to; this module holds the reading
of the printed form and the matching, on words folded for case and accents, so that "Foreign Office Document"
matches "Foreign Office Documents" and "Albanian Central Archive" matches "Central State Archive of Albania".
Pure Python: no database here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from relations_db.domain.text import fold

# Words that carry no name in an in-text citation: function words (English and Albanian), markers of year,
# page and volume ("Viti 1961" is Albanian for "year 1961"), and the descriptors a paper adds to a name.
_CITE_STOP = frozenset("""
    a an the of and in on at to for by from with et al ed eds cf see also quoted ibid idem op cit
    i e te ne dhe per nga me viti vit year jahr anno annee p pp page pages vol volume nr no issue file fund
    newspaper magazine journal gazette
""".split())
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})[a-z]?(?![0-9])")


@dataclass(frozen=True)
class InText:
    """One in-text citation as printed, split into the words of its name and its year."""

    text: str
    words: tuple[str, ...]
    year: int | None


def in_text_citations(cited_as: str) -> list[InText]:
    """'(Duka, 2007; Mezini, 1999)' → two InText; markup (*italics*, quotes, brackets) is ignored."""
    parts = []
    for part in re.split(r";", cited_as):
        years = _YEAR.findall(part)
        words = tuple(w for w in _words(_YEAR.sub(" ", part)) if w not in _CITE_STOP)
        if words or years:
            parts.append(InText(part.strip(" ()[]"), words, int(years[-1]) if years else None))
    return parts


def _words(text: str, initials: bool = False) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", fold(text))
            if (len(w) > 1 or (initials and w.isalpha())) and not w.isdigit()]


def _same_word(a: str, b: str) -> bool:
    """Equal, or the same word with a short ending: albania/albanian, document/documents."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2


class NamedWork(Protocol):
    """What an in-text citation can name a source by (a source row, or anything with these attributes)."""

    @property
    def author(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def container(self) -> str | None: ...
    @property
    def kind(self) -> str: ...


def source_words(source: NamedWork) -> set[str]:
    """The words a citation may use to name a source: its author (with initials), title, container and kind."""
    text = " ".join(p for p in (source.title, source.container, source.kind) if p)
    return set(_words(source.author or "", initials=True)) | set(_words(text))


def names_source(cite: InText, words: set[str]) -> bool:
    """True if every name word of the in-text citation is a word of the source.

    An author's initial stands for a first name ("Enver Hoxha" for "Hoxha, E."), but only beside a word that
    matches in full, so that an initial alone never names a source.
    """
    full = [w for w in cite.words if any(_same_word(w, s) for s in words if len(s) > 1)]
    if not full:
        return False
    initials = {s for s in words if len(s) == 1}
    return all(w in full or w[0] in initials for w in cite.words)
