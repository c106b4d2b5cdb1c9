"""A source's bibliographic fields as CSL models them: its creators, its dates, its `extra` map.

Kept apart from `records.py` (which adds, edits and merges sources) so that the two grow without touching each
other: `records.add_source` and the importers (`formats/bib/`, the seed format) call `checked_csl_values` to
check the fields and `set_creators` to store the names. Functions here take a session or a record and flush at
most; they never commit.
"""

from __future__ import annotations

import json
from typing import Any

from relations_db.domain import dates, vocab
from relations_db.domain.csl import Creator, creator_problem, display_names, parse_names, year_of
from relations_db.store.models import Source, SourceCreator
from relations_db.write.checks import Problems, optional_text, verbatim

# The CSL fields that hold an EDTF date.
_DATE_FIELDS = ("issued", "accessed")


def set_creators(source: Source, creators: list[Creator]) -> None:
    """Give `source` these names, in order, and its `author` display string ('Duka, V.; Smith, J.').

    Rows are updated in place, position by position, so that (source, position) stays unique at every flush."""
    rows = list(source.creators)
    for position, creator in enumerate(creators):
        values = {"role": creator.role, "family": creator.family, "given": creator.given,
                  "suffix": creator.suffix, "literal": creator.literal}
        if position < len(rows):
            for name, value in values.items():
                if getattr(rows[position], name) != value:
                    setattr(rows[position], name, value)
        else:
            source.creators.append(SourceCreator(position=position, **values))
    del source.creators[len(creators):]
    author = display_names(creators)
    if source.author != author:
        source.author = author


def creators_of(source: Source) -> list[Creator]:
    """The names of a stored source, in order."""
    return [Creator(role=c.role, family=c.family, given=c.given, literal=c.literal, suffix=c.suffix)
            for c in source.creators]


def check_creators(creators: list[Creator], problems: Problems) -> list[Creator]:
    """The creators with their name parts stripped (blank parts dropped); each bad one is a problem."""
    cleaned = []
    for creator in creators:
        fixed = Creator(role=creator.role, family=optional_text(creator.family), given=optional_text(creator.given),
                        literal=optional_text(creator.literal), suffix=optional_text(creator.suffix))
        problem = creator_problem(fixed)
        if problem is not None:
            problems.add(f"the name {creator.display()!r}: {problem}", field="creators")
        cleaned.append(fixed)
    return cleaned


def extra_text(extra: dict[str, Any] | None) -> str | None:
    """The stored form of an `extra` map: JSON with sorted keys, the text as given (None when empty)."""
    return json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None


def extra_of(text: str | None) -> dict[str, str]:
    """The `extra` map of a stored source."""
    return json.loads(text) if text else {}


def _check_extra(extra: Any, problems: Problems) -> dict[str, str] | None:
    if extra is None:
        return None
    if not isinstance(extra, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        problems.add("the extra fields must be a map of field names to text", field="extra")
        return None
    return dict(extra)


def checked_csl_values(fields: dict[str, Any], problems: Problems) -> dict[str, Any]:
    """The CSL fields of `fields` (`vocab.SOURCE_CSL_FIELDS`, `extra`) as they will be stored: text stripped,
    dates checked as EDTF, `extra` as JSON text. Fields not given are left out."""
    values: dict[str, Any] = {}
    for name in vocab.SOURCE_CSL_FIELDS:
        if name in fields:
            values[name] = optional_text(fields[name])
    for name in _DATE_FIELDS:
        if values.get(name) is not None and not dates.is_valid(values[name]):
            problems.add(f"the {name} date {values[name]!r} is not an EDTF date such as 1953-08-03, 1953-08 or 1953",
                         field=name)
    if values.get("csl_type") is not None and not vocab.KEY_PATTERN.match(values["csl_type"]):
        problems.add(f"the CSL type {values['csl_type']!r} is not a CSL type name such as book", field="csl_type")
    if "extra" in fields:
        values["extra"] = extra_text(_check_extra(fields["extra"], problems))
    if "note" in fields:
        values["note"] = verbatim(fields["note"])
    return values


def issued_and_year(issued: str | None, year: int | None) -> tuple[str | None, int | None]:
    """The date and year of a source from either: the year of `issued`, or `issued` of a year."""
    if issued:
        return issued, year_of(issued) if year_of(issued) is not None else year
    return (f"{year:04d}" if year else None), year


def initial_creators(author: str | None, creators: list[Creator] | None) -> list[Creator]:
    """The names a new source starts with: those given, else its `author` text split into names."""
    return list(creators) if creators is not None else parse_names(author)

