"""What the bibliography formats share: an imported entry (a CSL item with its line), the file's text, and the
problems of a file, each with its line.

Every reader (BibTeX, CSL-JSON, RIS) turns its entries into CSL-JSON items — the one vocabulary of
`domain.csl` — plus an `extra` map of the fields CSL has no variable for; `entry_from_csl` turns an item into the
fields of a source. Every writer starts from a source's CSL item (`read.bibliography.SourceRecord.csl`). So
each format maps to CSL once, in each direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relations_db.domain.csl import (
    CSL_VARIABLES,
    DATE_FIELDS,
    FIELD_OF_VARIABLE,
    TITLE_GIVEN,
    Creator,
    creator_from_csl,
    edtf_of,
    kind_of,
)
from relations_db.domain.text import control_problem, slugify
from relations_db.domain.vocab import CREATOR_ROLES, KIND_TO_CSL_TYPE, MULTI_LINE_FIELDS, valid_key
from relations_db.errors import UserError, ValidationError

# Files larger than this are refused before they are read whole (a bibliography of 100,000 entries is ~50 MB).
MAX_BYTES = 256 * 1024 * 1024
# Keys of `extra` that say how a work was spelled in its format, not fields of the work: never written to CSL.
META_PREFIX = "bibtex-"
# The original key of an entry whose key was not a valid key ('Duka_2007'), written back on export.
ORIGINAL_KEY = "citation-key"
# CSL's other date variables: an imported one is kept in `extra` as EDTF text and written back as a date.
OTHER_DATES = ("original-date", "event-date", "submitted", "available-date")
_SPACES = re.compile(r"\s+")


@dataclass
class Entry:
    """One imported work: its line in the file, the key it will have, its kind, the fields of a source by the
    project's names (`values`), its names and its `extra` fields."""

    line: int
    key: str
    kind: str
    values: dict[str, str | None]
    creators: list[Creator]
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"line {self.line} ({self.extra.get(ORIGINAL_KEY, self.key)})"


class FileProblems(list[tuple[int, str]]):
    """The problems of a file, each with its line; raised together, so that one run lists every one."""

    def add(self, line: int, message: str) -> None:
        self.append((line, message))

    def raise_if_any(self, path: str) -> None:
        if self:
            lines = [f"line {line}: {message}" for line, message in sorted(self, key=lambda p: p[0])]
            raise ValidationError(f"{path}: {len(lines)} problem{'s' if len(lines) != 1 else ''}, nothing was "
                                  "written:", lines, field="file")


def read_text(path: str | Path) -> str:
    """The text of a bibliography file: UTF-8 (a byte-order mark is dropped); another encoding is refused with
    the line of the first byte that is not UTF-8."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}", field="file") from None
    if len(data) > MAX_BYTES:
        raise ValidationError(f"{path}: the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it",
                              field="file")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(f"{path}: line {line}: not UTF-8 text (byte {data[exc.start]:#04x}); save the file "
                              "as UTF-8 (Zotero and Better BibTeX export UTF-8 by default), nothing was written",
                              field="file") from None


def one_line(value: Any) -> str | None:
    """A field's text with its runs of white space (line breaks of a wrapped field) made one space."""
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


def new_key(original: str | None, taken: set[str], fallback: str) -> str:
    """The key of an imported entry: its own when valid, else its slug ('Duka_2007' → 'duka-2007'), else one
    made from author and year (`fallback`); '-2', '-3'… when taken by another entry of the file."""
    base = original if original and valid_key(original) else slugify(original or "", max_length=60)
    if not base or len(base) > 60:
        base = slugify(fallback, max_length=60) or "source"
    key = base if base not in taken else next(f"{base}-{n}" for n in range(2, 100_000) if f"{base}-{n}" not in taken)
    taken.add(key)
    return key


def author_year(item: dict[str, Any]) -> str:
    """What a key is made of when an item has none that can be used: its first author's (or editor's) family or
    literal name, else its title, and its year ('Smith 2001')."""
    names = item.get("author") or item.get("editor") or [{}]
    first = names[0] if isinstance(names, list) and names and isinstance(names[0], dict) else {}
    return f"{first.get('family') or first.get('literal') or item.get('title') or 'source'} " \
           f"{(edtf_of(item.get('issued')) or '')[:4]}"


def keyed_entry(item: dict[str, Any], extra: dict[str, str], line: int, original: str | None, fallback: str,
                taken: set[str], problems: FileProblems) -> Entry | None:
    """The entry of an imported item under its key (`new_key`), the original kept in `extra` when it had to
    change (so that an export writes it back); None when the item has a problem (noted in `problems`)."""
    key = new_key(original, taken, fallback)
    if original is not None and key != original:
        extra[ORIGINAL_KEY] = original
    return entry_from_csl(item, extra, line, key, problems)


def _creators(item: dict[str, Any], line: int, problems: FileProblems) -> list[Creator]:
    creators = []
    for role in CREATOR_ROLES:
        names = item.get(role) or []
        if not isinstance(names, list):
            problems.add(line, f"{role!r} must be a list of names")
            continue
        for name in names:
            if isinstance(name, dict):
                creators.append(creator_from_csl(name, role))
            else:
                problems.add(line, f"a name of {role!r} must be an object with family/given or literal")
    return creators


def _checked_text(name: str, value: Any, line: int, problems: FileProblems) -> str | None:
    text = str(value) if name in MULTI_LINE_FIELDS else one_line(value)
    if text is not None:
        problem = control_problem(text, one_line=name not in MULTI_LINE_FIELDS)
        if problem:
            problems.add(line, f"the {name} {problem}")
            return None
    return text if text and text.strip() else None


def entry_from_csl(item: dict[str, Any], extra: dict[str, str], line: int, key: str,
                   problems: FileProblems) -> Entry | None:
    """The source fields of one CSL item (None, with problems noted, when it cannot be one)."""
    type_ = str(item.get("type") or "document")
    values: dict[str, str | None] = {}
    for variable, name in FIELD_OF_VARIABLE.items():
        if item.get(variable) not in (None, ""):
            values[name] = _checked_text(name, item[variable], line, problems)
    for name, variable in DATE_FIELDS.items():
        values[name] = edtf_of(item.get(variable))
    kind = kind_of(type_, archival=bool(values.get("archive")))
    values["csl_type"] = None if KIND_TO_CSL_TYPE[kind] == type_ else type_
    if not values.get("title"):
        # A work printed without a title (an archive file, a newspaper issue) is known by its designation.
        values["title"] = values.get("archive_location") or values.get("container")
    elif values["title"] in (values.get("archive_location"), values.get("container")):
        extra[TITLE_GIVEN] = "yes"
    if not values.get("title"):
        problems.add(line, "the entry has no title (a source needs one)")
        return None
    return Entry(line=line, key=key, kind=kind, values=values, creators=_creators(item, line, problems),
                 extra=extra)


def csl_of_extra(extra: dict[str, str]) -> dict[str, Any]:
    """The `extra` fields that CSL-JSON can carry back (not the format-spelling ones), dates as date-parts."""
    from relations_db.domain.csl import date_parts

    found: dict[str, Any] = {}
    for name, value in extra.items():
        if name.startswith(META_PREFIX) or name in CSL_VARIABLES.values():
            continue
        found[name] = date_parts(value) if name in OTHER_DATES else value
    return found
