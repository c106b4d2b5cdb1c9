"""A source as CSL-JSON sees it: creators with roles and names, and the item that Zotero, pandoc and citeproc
read (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html).

A source's fields are named as the project names them (`container`, `place`, `pages`); `CSL_VARIABLES` says
which CSL variable each one is. `kind` stays the project's word and maps to a CSL `type`; a source imported with
a finer type (`thesis`, `paper-conference`) keeps it in `csl_type`. Dates are EDTF text (`1953-08-03`), turned
into CSL's `date-parts` here. Pure Python: the importers, the seed format and the read path share it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from relations_db.domain.vocab import CREATOR_ROLES, KIND_OF_CSL_TYPE, KIND_TO_CSL_TYPE

# The project's name of each scalar field → its CSL variable (in the order CSL-JSON is written).
CSL_VARIABLES: dict[str, str] = {
    "title": "title", "container": "container-title", "collection": "collection-title", "genre": "genre",
    "edition": "edition", "volume": "volume", "issue": "issue", "pages": "page", "number": "number",
    "publisher": "publisher", "place": "publisher-place", "archive": "archive", "archive_place": "archive-place",
    "archive_location": "archive_location", "url": "URL", "doi": "DOI", "isbn": "ISBN", "issn": "ISSN",
    "language": "language", "note": "note",
}
DATE_FIELDS = {"issued": "issued", "accessed": "accessed"}
FIELD_OF_VARIABLE = {v: k for k, v in CSL_VARIABLES.items()}
# The key of `extra` that marks an imported work whose title is its own even where it repeats its archive
# location or container (the formats' own keys start "bibtex-" and are never written to CSL).
TITLE_GIVEN = "bibtex-title-given"


@dataclass(frozen=True)
class Creator:
    """One name of a work, in its role: a person (`family`, `given`, `suffix`) or an institution (`literal`)."""

    role: str = "author"
    family: str | None = None
    given: str | None = None
    literal: str | None = None
    suffix: str | None = None

    def display(self) -> str:
        """'Duka, V.', 'Ford, Henry, Jr.' or the literal name."""
        if self.literal is not None:
            return self.literal
        return ", ".join(p for p in (self.family, self.given, self.suffix) if p)

    def as_csl(self) -> dict[str, str]:
        if self.literal is not None:
            return {"literal": self.literal}
        return {k: v for k, v in (("family", self.family), ("given", self.given), ("suffix", self.suffix)) if v}

    def as_dict(self) -> dict[str, str]:
        """The seed format's mapping: the name parts, and the role when it is not `author`."""
        return {**self.as_csl(), **({"role": self.role} if self.role != "author" else {})}


def creators_by_source(rows: Iterable[Sequence[Any]]) -> dict[int, list[Creator]]:
    """Each source's creators, in the order of `rows`: (source id, role, family, given, literal, suffix), as
    the read paths select them from `source_creators`."""
    found: dict[int, list[Creator]] = {}
    for source_id, role, family, given, literal, suffix in rows:
        found.setdefault(source_id, []).append(Creator(role=role, family=family, given=given, literal=literal,
                                                       suffix=suffix))
    return found


def stored_extra(text: str | None) -> dict[str, str]:
    """A source's `extra` as stored (a JSON object, or nothing) as the mapping `to_csl` reads."""
    return json.loads(text) if text else {}


def parse_name(text: str, role: str = "author") -> Creator:
    """A name as a person types it: 'Duka, V.' is a family and given name; a name without a comma ('Central
    Archive of the Armed Forces', 'FBI Documents') is kept whole, as an institution's literal name, since
    guessing which word of it is a family name would change what is printed. So is any name that would not be
    displayed again exactly as given ('Duka,V.', ', V.')."""
    text = text.strip()
    if "," not in text:
        return Creator(role=role, literal=text)
    family, given = (part.strip() for part in text.split(",", 1))
    person = Creator(role=role, family=family or None, given=given or None)
    return person if family and person.display() == text else Creator(role=role, literal=text)


def parse_names(text: str | None, role: str = "author") -> list[Creator]:
    """Names joined by '; ' (the form `author` is displayed in): 'Smith, J.; Doe, A.'. A text that would not
    be displayed again exactly as given is kept whole, as one literal name: the names never change a text."""
    if not text or not text.strip():
        return []
    names = [parse_name(part, role) for part in text.split(";") if part.strip()]
    return names if display_names(names, role) == text.strip() else [Creator(role=role, literal=text.strip())]


def display_names(creators: list[Creator], role: str = "author") -> str | None:
    """The creators of one role as one string ('Smith, J.; Doe, A.'), or None when there are none."""
    names = [c.display() for c in creators if c.role == role]
    return "; ".join(names) or None


def creator_problem(creator: Creator) -> str | None:
    """What is wrong with a creator, or None: an unknown role, or neither/both of a family and a literal name."""
    if creator.role not in CREATOR_ROLES:
        return f"the role {creator.role!r} is not one of {', '.join(CREATOR_ROLES)}"
    if (creator.literal is None) == (creator.family is None):
        return "a name has either a family name (with a given name) or a literal name, not both or neither"
    if creator.literal is not None and (creator.given or creator.suffix):
        return "a literal name has no given name or suffix"
    return None


def creator_from_csl(item: dict[str, Any], role: str) -> Creator:
    """A CSL-JSON name (`{"family", "given"}`, `{"literal"}`); particles are joined to the family name as printed."""
    def part(name: str) -> str | None:
        value = item.get(name)
        return str(value).strip() or None if value is not None else None

    if part("literal") is not None:
        return Creator(role=role, literal=part("literal"))
    family = " ".join(p for p in (part("non-dropping-particle"), part("family")) if p) or None
    given = " ".join(p for p in (part("given"), part("dropping-particle")) if p) or None
    if family is None and given is not None:  # a mononym given as a given name only
        return Creator(role=role, literal=given)
    return Creator(role=role, family=family, given=given, suffix=part("suffix"))


# --- types ---------------------------------------------------------------------------------------------------


def csl_type(kind: str, stored: str | None) -> str:
    """The CSL type of a source: the one it was imported with, else its kind's."""
    return stored or KIND_TO_CSL_TYPE[kind]


def kind_of(type_: str, *, archival: bool = False) -> str:
    """The project's kind of a CSL type (a manuscript held by an archive is an archive file)."""
    if type_ == "manuscript" and archival:
        return "archive"
    return KIND_OF_CSL_TYPE.get(type_, "other")


# --- dates ---------------------------------------------------------------------------------------------------

_EDTF_DAY = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def date_parts(edtf: str | None) -> dict[str, Any] | None:
    """CSL's date of an EDTF text: `{"date-parts": [[1953, 8, 3]]}` for a plain year, month or day; anything
    else (ranges, `~`, `X`) as CSL's `raw`, which citeproc reads as written."""
    if not edtf:
        return None
    found = _EDTF_DAY.match(edtf)
    if found is None:
        return {"raw": edtf}
    return {"date-parts": [[int(p) for p in found.groups() if p is not None]]}


def edtf_of(date: Any) -> str | None:
    """The EDTF text of a CSL date (`date-parts`, `raw` or `literal`), or None when it has none."""
    if not isinstance(date, dict):
        return str(date).strip() or None if date else None
    parts = date.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = [int(p) for p in parts[0][:3]]
        text = f"{first[0]:04d}" + "".join(f"-{p:02d}" for p in first[1:])
        if len(parts) > 1 and isinstance(parts[1], list) and parts[1]:
            second = [int(p) for p in parts[1][:3]]
            text += "/" + f"{second[0]:04d}" + "".join(f"-{p:02d}" for p in second[1:])
        return text
    for name in ("raw", "literal"):
        if date.get(name):
            return str(date[name]).strip()
    return None


def year_of(edtf: str | None) -> int | None:
    """The year an EDTF date falls in, when it names one (the `year` a short form prints), else None."""
    found = re.match(r"^(\d{4})", edtf or "")
    year = int(found.group(1)) if found else None
    return year if year and 1 <= year <= 9999 else None


# --- the CSL-JSON item ----------------------------------------------------------------------------------------


def _shown_title(values: dict[str, Any]) -> str | None:
    """The title CSL prints. A work printed without a title stores its designation as the title (an archive
    file's 'File. 170', a newspaper issue's name): CSL would print it twice ('File. 170. File. 170.'), so a title
    that only repeats the archive location or the container is left out."""
    title = values.get("title")
    given = TITLE_GIVEN in (values.get("extra") or {})  # (an imported work's own title, whatever it repeats)
    if title and not given and title in (values.get("archive_location"), values.get("container")):
        return None
    return title


def archive_location(values: dict[str, Any]) -> str | None:
    """The archive location as printed, else built from the fund and file ('Fund 14, File 19')."""
    if values.get("archive_location"):
        return str(values["archive_location"])
    parts = [f"{label} {values[name]}" for name, label in (("fund", "Fund"), ("file", "File")) if values.get(name)]
    return ", ".join(parts) or None


def to_csl(values: dict[str, Any], creators: list[Creator]) -> dict[str, Any]:
    """The CSL-JSON item of a source (`values`: its fields by the project's names, `extra` a dict)."""
    item: dict[str, Any] = {"id": values["key"], "type": csl_type(values["kind"], values.get("csl_type"))}
    for role in CREATOR_ROLES:
        names = [c.as_csl() for c in creators if c.role == role]
        if names:
            item[role] = names
    shown = {**values, "archive_location": archive_location(values)}
    for field, variable in CSL_VARIABLES.items():
        value = _shown_title(shown) if field == "title" else shown.get(field)
        if value not in (None, ""):
            item[variable] = str(value)
    issued = values.get("issued") or (str(values["year"]) if values.get("year") else None)
    for field, variable in (("issued", "issued"), ("accessed", "accessed")):
        date = date_parts(issued if field == "issued" else values.get(field))
        if date is not None:
            item[variable] = date
    extra = values.get("extra") or {}
    if extra.get("citation-key"):
        item["citation-key"] = extra["citation-key"]
    return item
