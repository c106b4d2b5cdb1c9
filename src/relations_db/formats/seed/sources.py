"""The seed format's sources from version 4 on: CSL fields, `creators` with their roles, `issued`, `extra`.

Versions 1 and 2 (`vocab.SOURCE_FIELDS_V2`) give a source's names as one `author` text and its date as a
`year`; they still load unchanged (the author is split into names as `add source` splits it, the year becomes
the date). Version 4 writes `creators` and `issued` and reads either form, but not both for one source.
"""

from __future__ import annotations

from typing import Any

from relations_db.domain import dates
from relations_db.domain.csl import Creator, creator_problem, year_of
from relations_db.domain.vocab import SOURCE_CSL_FIELDS, SOURCE_FIELDS, SOURCE_FIELDS_V2
from relations_db.formats.seed.read import Mapping, text_of
from relations_db.store.models import Source
from relations_db.write.bibliography import creators_of, extra_of, extra_text, initial_creators

CREATOR_FIELDS = ("family", "given", "suffix", "literal", "role")
# Every version's source fields (the lead adds version 3's to this table at the merge if it has one).
SOURCE_FIELDS_OF = {"relations-db/seed 1": SOURCE_FIELDS_V2, "relations-db/seed 2": SOURCE_FIELDS_V2,
                    "relations-db/seed 3": SOURCE_FIELDS_V2,
                    "relations-db/seed 4": SOURCE_FIELDS, "relations-db/seed 5": SOURCE_FIELDS}
# The fields version 4 writes, in this order (`author` and `year` are derived from `creators` and `issued`).
WRITTEN_FIELDS = tuple(f for f in SOURCE_FIELDS if f not in ("author", "year"))
_TEXT_CSL_FIELDS = tuple(f for f in SOURCE_CSL_FIELDS if f not in ("issued", "accessed"))


def _creator(entry: Mapping, what: str, problems: Any) -> None:
    for key in entry:
        if key not in CREATOR_FIELDS:
            problems.add(entry.line_of(key), f"{what}: unknown field {key!r} of a name "
                         f"(allowed: {', '.join(CREATOR_FIELDS)})")
    values = {k: text_of(entry.get(k)) for k in CREATOR_FIELDS}
    if any(v is not None and not isinstance(v, str) for v in values.values()):
        problems.add(entry.line, f"{what}: the parts of a name must be text")
        return
    problem = creator_problem(Creator(role=values["role"] or "author", family=values["family"],
                                      given=values["given"], literal=values["literal"], suffix=values["suffix"]))
    if problem:
        problems.add(entry.line, f"{what}: {problem}")


def _check_creators(item: Mapping, what: str, problems: Any) -> None:
    creators = item.get("creators")
    if creators is None:
        return
    if "author" in item:
        problems.add(item.line_of("author"), f"{what}: give either 'author' or 'creators', not both")
    if not isinstance(creators, list):
        problems.add(item.line_of("creators"), f"{what}: 'creators' must be a list of names")
        return
    for entry in creators:
        if not isinstance(entry, Mapping):
            problems.add(item.line_of("creators"), f"{what}: a name is a mapping (family, given or literal, role)")
        else:
            _creator(entry, what, problems)


def _check_dates(item: Mapping, what: str, problems: Any) -> None:
    if "issued" in item and "year" in item:
        problems.add(item.line_of("year"), f"{what}: give either 'year' or 'issued', not both")
    for name in ("issued", "accessed"):
        value = text_of(item.get(name))
        if value is not None and (not isinstance(value, str) or not dates.is_valid(value)):
            problems.add(item.line_of(name), f"{what}: {name!r} must be an EDTF date such as 1953-08-03, 1953-08 "
                         f"or 1953 (found {value!r})")


def validate_csl_fields(item: Mapping, what: str, problems: Any, optional_text: Any) -> None:
    """Note every problem of a source's version-4 fields (`optional_text(item, key, what, problems)` checks a
    text field the way the rest of the format does)."""
    _check_creators(item, what, problems)
    _check_dates(item, what, problems)
    for name in _TEXT_CSL_FIELDS:
        optional_text(item, name, what, problems)
    extra = item.get("extra")
    if extra is not None and (not isinstance(extra, Mapping)
                              or not all(isinstance(text_of(v), str) for v in extra.values())):
        problems.add(item.line_of("extra"), f"{what}: 'extra' must be a mapping of field names to text")


def source_values(item: Mapping) -> tuple[dict[str, Any], list[Creator]]:
    """The stored values of a validated source entry (any version) and its names."""
    values: dict[str, Any] = {f: text_of(item.get(f)) for f in SOURCE_FIELDS
                              if f not in ("key", "year", "creators", "author", "extra")}
    creators = [Creator(role=text_of(c.get("role")) or "author", family=text_of(c.get("family")),
                        given=text_of(c.get("given")), literal=text_of(c.get("literal")),
                        suffix=text_of(c.get("suffix"))) for c in item.get("creators") or []]
    names = initial_creators(text_of(item.get("author")), creators if "creators" in item else None)
    year = item.get("year")
    issued = values["issued"]
    values["issued"] = issued or (f"{year:04d}" if year else None)
    values["year"] = year_of(issued) if issued else year
    extra = item.get("extra")
    values["extra"] = extra_text({str(k): text_of(v) for k, v in extra.items()} if extra else None)
    return values, names


def source_entry(source: Source) -> dict[str, Any]:
    """A stored source as version 4 writes it: fields with a value, in `WRITTEN_FIELDS` order."""
    entry: dict[str, Any] = {}
    for name in WRITTEN_FIELDS:
        if name == "creators":
            value: Any = [c.as_dict() for c in creators_of(source)] or None
        elif name == "extra":
            value = extra_of(source.extra) or None
        else:
            value = getattr(source, name)
        if value is not None:
            entry[name] = value
    return entry
