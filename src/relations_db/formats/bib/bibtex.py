"""BibTeX and BibLaTeX, as Zotero and Better BibTeX export them: read with bibtexparser 2 (LaTeX accents decoded
with pylatexenc: `{\\"e}` → ë, `{\\v{c}}` → č), written back in UTF-8 with LaTeX's special characters escaped.

Each entry becomes a CSL item (`entry.entry_from_csl`); a field with no CSL variable goes to `extra` verbatim.
How the entry was spelled — its entry type, and a field name other than the one this writer uses by default
(`journaltitle` for `journal`, `location` for `address`, `date` for `year`) — is kept in `extra` under
`bibtex-type` and `bibtex-names`, so that BibTeX → database → BibTeX gives the same fields back.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

from relations_db.domain.csl import Creator, edtf_of
from relations_db.formats.bib.entry import (
    META_PREFIX,
    ORIGINAL_KEY,
    Entry,
    FileProblems,
    keyed_entry,
    one_line,
)

# Entry type → CSL type. Anything else (`@foo`) is refused as an unknown entry type.
TYPE_OF_ENTRY = {
    "article": "article-journal", "book": "book", "mvbook": "book", "inbook": "chapter", "bookinbook": "chapter",
    "incollection": "chapter", "inproceedings": "paper-conference", "conference": "paper-conference",
    "proceedings": "book", "collection": "book", "mvcollection": "book", "phdthesis": "thesis",
    "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
    "manual": "report", "misc": "document", "unpublished": "manuscript", "online": "webpage",
    "electronic": "webpage", "www": "webpage", "booklet": "pamphlet", "periodical": "periodical",
    "patent": "patent", "dataset": "dataset", "software": "software", "inreference": "entry-encyclopedia",
    "reference": "book", "letter": "personal_communication", "artwork": "graphic", "image": "graphic",
    "movie": "motion_picture", "video": "motion_picture", "audio": "song", "music": "song",
    "legislation": "legislation", "jurisdiction": "legal_case", "standard": "standard",
}
# CSL type → the entry type written for it (when the source did not come from BibTeX with its own).
ENTRY_OF_TYPE = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "article": "article", "review": "article", "review-book": "article", "book": "book", "chapter": "incollection",
    "paper-conference": "inproceedings", "thesis": "phdthesis", "report": "techreport", "manuscript": "unpublished",
    "webpage": "online", "post": "online", "post-weblog": "online", "pamphlet": "booklet",
    "periodical": "periodical", "patent": "patent", "dataset": "dataset", "software": "software",
    "entry-encyclopedia": "inreference", "entry-dictionary": "inreference",
}
SUBTYPES = {"newspaper": "article-newspaper", "magazine": "article-magazine"}

# CSL variable → the BibTeX field names that carry it, the one written by default first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",), "container-title": ("journal", "journaltitle", "booktitle"),
    "collection-title": ("series",), "edition": ("edition",), "volume": ("volume",), "issue": ("number", "issue"),
    "number": ("number",), "page": ("pages",), "publisher": ("publisher", "institution", "school", "organization"),
    "publisher-place": ("address", "location"), "URL": ("url",), "DOI": ("doi",), "ISBN": ("isbn",),
    "ISSN": ("issn",), "language": ("language", "langid"), "note": ("note",), "genre": ("type",),
    "archive": ("archive",), "archive-place": ("archive_place",), "archive_location": ("archive_location",),
}
CREATOR_FIELDS = {"author": "author", "editor": "editor", "translator": "translator", "bookauthor": "container-author"}
ROLE_FIELDS = {role: name for name, role in CREATOR_FIELDS.items()}
DATE_NAMES = ("year", "month", "day", "date", "urldate")
# Fields read and written as they are: no LaTeX in them (a URL's % or _ is not markup).
VERBATIM = frozenset({"url", "doi", "file", "eprint", "urldate", "date", "isbn", "issn", "verba", "verbb"})
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NEEDS_DECODING = re.compile(r"[\\{}~$]|--|``|''")
_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\u00a0": "~"}
_SPECIAL = re.compile("|".join(re.escape(c) for c in _ESCAPES))


# --- reading ---------------------------------------------------------------------------------------------------


# The accents and symbols that make up nearly all of the LaTeX in a bibliography ({\\"e}, \\v{c}, \\&, --):
# decoded here, as pylatexenc decodes them, ten times faster; any other markup goes to pylatexenc.
_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
            "r": "\u030a", "d": "\u0323", "b": "\u0331"}
_ACCENT = re.compile(r"\\([\"'`^~=.]|[uvHckrdb](?![A-Za-z]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
            "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_LETTER = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|[oOlLij])(?![A-Za-z])\s?(?:\{\})?")
_SYMBOLS = re.compile(r"\\([&%$#_{}])|---|--|``|''|~")
_SYMBOL_TEXT = {"---": "\u2014", "--": "\u2013", "``": "\u201c", "''": "\u201d", "~": "\u00a0"}


def _accented(found: re.Match[str]) -> str:
    letter = found.group(2) or found.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return base + _ACCENTS[found.group(1)]


@functools.lru_cache(maxsize=1 << 16)
def _fast_decode(value: str) -> str | None:
    """The text of `value` if its only markup is accents, letters, escaped symbols and braces; else None."""
    text = _ACCENT.sub(_accented, value)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _SYMBOLS.sub(lambda m: m.group(1) or _SYMBOL_TEXT[m.group(0)], text.replace("\\\\", "\x00"))
    if "\\" in text or "$" in value.replace("\\$", "") or "\x00" in text:
        return None
    return unicodedata.normalize("NFC", text.replace("{", "").replace("}", ""))


class _Decoder:
    """LaTeX to text: the common markup here, the rest by pylatexenc (made once); plain values untouched."""

    def __init__(self) -> None:
        self._decoder: Any = None

    def __call__(self, value: str) -> str:
        if not _NEEDS_DECODING.search(value):
            return value
        fast = _fast_decode(value)
        if fast is not None:
            return fast
        if self._decoder is None:
            from pylatexenc.latex2text import LatexNodes2Text

            self._decoder = LatexNodes2Text()
        return str(self._decoder.latex_to_text(value))


def _braced_whole(raw: str) -> bool:
    """Whether a name is one braced group, '{World Health Organization}' (not '{\\"O}zdemir, Ali')."""
    if not (raw.startswith("{") and raw.endswith("}")):
        return False
    depth = 0
    for index, char in enumerate(raw):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and index < len(raw) - 1:
            return False
    return True


@functools.lru_cache(maxsize=1 << 16)
def _name_parts(raw: str) -> Any:
    """bibtexparser's split of a name (the same names recur throughout a library)."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    return parse_single_name_into_parts(raw)


def _name(raw: str, role: str, decode: _Decoder) -> Creator:
    """One BibTeX name: '{World Health Organization}' (braced whole) is an institution's literal name;
    'von Neumann, Jr., John' is split by bibtexparser into its parts, the particle kept with the family name."""
    raw = raw.strip()
    if _braced_whole(raw) or raw == "others":
        return Creator(role=role, literal=one_line(decode(raw[1:-1] if raw != "others" else raw)))
    parts = _name_parts(raw)
    family = one_line(decode(" ".join(parts.von + parts.last)))
    given = one_line(decode(" ".join(parts.first)))
    suffix = one_line(decode(" ".join(parts.jr)))
    if family is None:
        return Creator(role=role, literal=given)
    return Creator(role=role, family=family, given=given, suffix=suffix)


def _names(value: str, role: str, decode: _Decoder) -> list[dict[str, str]]:
    from bibtexparser.middlewares.names import split_multiple_persons_names

    return [{"literal": c.literal} if c.literal is not None else
            {k: v for k, v in (("family", c.family), ("given", c.given), ("suffix", c.suffix)) if v}
            for c in (_name(raw, role, decode) for raw in split_multiple_persons_names(value))]


def _month(value: str) -> int | None:
    text = value.strip().lower()[:3]
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return MONTHS.index(text) + 1 if text in MONTHS else None


def _issued(fields: dict[str, str], line: int, problems: FileProblems) -> str | None:
    """The EDTF date of an entry: its `date` (BibLaTeX: already EDTF-like), else `year`, `month` and `day`."""
    if fields.get("date"):
        return fields["date"].strip()
    year = fields.get("year", "").strip()
    if not year:
        return None
    if not re.fullmatch(r"-?\d{1,4}", year):
        problems.add(line, f"the year {year!r} is not a year such as 2007")
        return None
    text = f"{int(year):04d}"
    month = _month(fields["month"]) if fields.get("month") else None
    if fields.get("month") and month is None:
        problems.add(line, f"the month {fields['month']!r} is not a month such as jun or 6")
    if month:
        text += f"-{month:02d}"
        if fields.get("day", "").strip().isdigit():
            text += f"-{int(fields['day']):02d}"
    return text


def _csl_type(entry_type: str, fields: dict[str, str]) -> str:
    type_ = TYPE_OF_ENTRY[entry_type]
    if entry_type == "article" and fields.get("entrysubtype", "").lower() in SUBTYPES:
        return SUBTYPES[fields["entrysubtype"].lower()]
    if entry_type == "misc" and fields.get("archive"):
        return "manuscript"
    return type_


def _variable_fields(type_: str) -> dict[str, tuple[str, ...]]:
    """FIELDS for an entry of this CSL type: `number` is an article's issue, and a report's or a book's
    number otherwise; a chapter's container is its `booktitle`."""
    article = type_.startswith("article")
    fields = {v: names for v, names in FIELDS.items() if v != ("number" if article else "issue")}
    if type_ in ("chapter", "paper-conference", "entry-encyclopedia", "entry-dictionary"):
        fields["container-title"] = ("booktitle", "journal", "journaltitle")
    elif type_ == "report":
        fields["publisher"] = ("institution", "publisher", "organization")
    elif type_ == "thesis":
        fields["publisher"] = ("school", "institution", "publisher")
    return fields


def _item(entry_type: str, fields: dict[str, str], line: int, problems: FileProblems, decode: _Decoder
          ) -> tuple[dict[str, Any], dict[str, str]]:
    """The CSL item of one entry's fields, and its extra fields (with how it was spelled)."""
    type_ = _csl_type(entry_type, fields)
    item: dict[str, Any] = {"type": type_}
    extra: dict[str, str] = {f"{META_PREFIX}type": entry_type}
    used, renamed = set(), []
    for variable, names in _variable_fields(type_).items():
        name = next((n for n in names if fields.get(n)), None)
        if name is not None:
            item[variable] = fields[name] if name in VERBATIM else decode(fields[name])
            used.add(name)
            if name != names[0]:
                renamed.append(f"{variable}={name}")
    for name, role in CREATOR_FIELDS.items():
        if fields.get(name):
            item[role] = _names(fields[name], role, decode)
            used.add(name)
    issued = _issued(fields, line, problems)
    if issued:
        item["issued"] = {"raw": issued}
        if "date" in fields:
            renamed.append("issued=date")
    if fields.get("urldate"):
        item["accessed"] = {"raw": fields["urldate"].strip()}
    for name, value in fields.items():
        if name not in used and name not in DATE_NAMES and value:
            extra[name] = value if name in VERBATIM else decode(value)
    if renamed:
        extra[f"{META_PREFIX}names"] = ",".join(renamed)
    return item, extra


def _parse(text: str) -> Any:
    import bibtexparser

    # (bibtexparser logs each failed block; this module reports them itself, with their lines)
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)


def _failed(library: Any, problems: FileProblems) -> None:
    from bibtexparser.model import DuplicateBlockKeyBlock

    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            problems.add(line, f"the key {block.key!r} is used twice")
        else:
            error = getattr(block, "error", None)
            reason = (getattr(error, "abort_reason", None) or str(error or "")).strip().rstrip(".")
            problems.add(line, "BibTeX syntax error in the entry starting here" + (f": {reason}" if reason else
                                                                                    " (an unclosed brace?)"))


def read_bibtex(text: str, problems: FileProblems) -> list[Entry]:
    """The entries of a BibTeX/BibLaTeX text, every problem noted in `problems` with its line."""
    library = _parse(text)
    _failed(library, problems)
    decode = _Decoder()
    taken: set[str] = set()
    entries = []
    for block in library.entries:
        line = block.start_line + 1
        entry_type = block.entry_type.lower()
        if entry_type not in TYPE_OF_ENTRY:
            problems.add(line, f"unknown entry type @{block.entry_type} (BibTeX and BibLaTeX types are known: "
                         "article, book, incollection, inproceedings, thesis, report, misc, online…)")
            continue
        fields = {f.key.lower(): str(f.value) for f in block.fields}
        item, extra = _item(entry_type, fields, line, problems, decode)
        entry = keyed_entry(item, extra, line, block.key, block.key, taken, problems)
        if entry is not None:
            entries.append(entry)
    return entries


# --- writing ---------------------------------------------------------------------------------------------------


def escape(value: str) -> str:
    """Text as a BibTeX field value: LaTeX's special characters escaped (`&` → `\\&`), the rest as UTF-8."""
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group(0)], value)


def _name_text(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"] if name["literal"] == "others" else "{" + escape(name["literal"]) + "}"
    parts = [name.get("family", ""), name.get("suffix", ""), name.get("given", "")]
    return ", ".join(escape(p) for p in parts if p) if name.get("suffix") else \
        ", ".join(escape(p) for p in (parts[0], parts[2]) if p)


def _date_fields(item: dict[str, Any], spelled: dict[str, str]) -> list[tuple[str, str]]:
    issued = edtf_of(item.get("issued"))
    fields: list[tuple[str, str]] = []
    if issued:
        plain = re.fullmatch(r"(-?\d{4})(?:-(\d\d))?(?:-(\d\d))?", issued)
        if spelled.get("issued") == "date" or plain is None or (plain.group(3) and not plain.group(2)):
            fields.append(("date", issued))
        else:
            fields.append(("year", str(int(plain.group(1)))))
            if plain.group(2):
                fields.append(("month", MONTHS[int(plain.group(2)) - 1]))
            if plain.group(3):
                fields.append(("day", str(int(plain.group(3)))))
    accessed = edtf_of(item.get("accessed"))
    if accessed:
        fields.append(("urldate", accessed))
    return fields


def entry_text(item: dict[str, Any], extra: dict[str, str]) -> str:
    """One source as a BibTeX entry (its CSL item and extra fields)."""
    type_ = item["type"]
    entry_type = extra.get(f"{META_PREFIX}type") or ENTRY_OF_TYPE.get(type_, "misc")
    if type_ == "manuscript" and item.get("archive") and f"{META_PREFIX}type" not in extra:
        entry_type = "misc"  # an archive file, as Better BibTeX writes an archival document
    spelled = dict(p.split("=", 1) for p in extra.get(f"{META_PREFIX}names", "").split(",") if "=" in p)
    fields: list[tuple[str, str]] = []
    for name, role in CREATOR_FIELDS.items():
        if item.get(role):
            fields.append((name, " and ".join(_name_text(n) for n in item[role])))
    for variable, names in _variable_fields(type_).items():
        if item.get(variable):
            name = spelled.get(variable, names[0])
            fields.append((name, str(item[variable])))
    fields += _date_fields(item, spelled)
    if type_ in SUBTYPES.values() and "entrysubtype" not in extra and f"{META_PREFIX}type" not in extra:
        fields.append(("entrysubtype", type_.removeprefix("article-")))
    fields += [(name, value) for name, value in extra.items()
               if not name.startswith(META_PREFIX) and name != ORIGINAL_KEY and re.fullmatch(r"[\w:.+-]+", name)]
    body = ",\n".join(f"  {name} = {_value(name, value)}" for name, value in fields)
    return f"@{entry_type}{{{extra.get(ORIGINAL_KEY) or item['id']},\n{body}\n}}\n"


def _value(name: str, value: str) -> str:
    if name == "month" and value in MONTHS:
        return value
    # (names are escaped part by part, `_name_text`, their braces marking an institution)
    text = value if name in VERBATIM or name in CREATOR_FIELDS else escape(value)
    return "{" + text + "}"


def write_bibtex(records: Iterable[Any], out: IO[str]) -> int:
    """Write sources (`read.bibliography.SourceRecord`s) as BibTeX entries; return how many."""
    count = 0
    for record in records:
        out.write(("\n" if count else "") + entry_text(record.csl(), record["extra"]))
        count += 1
    return count

