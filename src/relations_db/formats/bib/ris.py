"""RIS (`TY  - BOOK` … `ER  -`), as Zotero, EndNote and library catalogues export it, read and written with rispy.

rispy drops a record that has no end tag without a word, so the records are first delimited here, each with
its line: a record left open (a `TY` before the last one's `ER`, or the end of the file) is refused with its
line. Tags with no CSL variable are kept in `extra` under their tag (`KW`, `AB`, `ZZ`…) and written back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any

from relations_db.domain.csl import edtf_of
from relations_db.formats.bib.entry import ORIGINAL_KEY, Entry, FileProblems, author_year, keyed_entry, one_line

TYPE_OF_RIS = {"JOUR": "article-journal", "JFULL": "article-journal", "EJOUR": "article-journal",
               "MGZN": "article-magazine", "NEWS": "article-newspaper", "BOOK": "book", "EBOOK": "book",
               "EDBOOK": "book", "CHAP": "chapter", "ECHAP": "chapter", "CONF": "paper-conference",
               "CPAPER": "paper-conference", "THES": "thesis", "RPRT": "report", "ELEC": "webpage", "WEB": "webpage",
               "BLOG": "post-weblog", "MANSCPT": "manuscript", "UNPB": "manuscript", "GEN": "document",
               "PAMP": "pamphlet", "PAT": "patent", "DATA": "dataset", "COMP": "software", "MAP": "map",
               "ENCYC": "entry-encyclopedia", "DICT": "entry-dictionary", "PCOMM": "personal_communication",
               "LEGAL": "legislation", "CASE": "legal_case", "STAT": "legislation", "BILL": "bill",
               "HEAR": "hearing", "MPCT": "motion_picture", "VIDEO": "motion_picture", "SOUND": "song",
               "ART": "graphic", "SER": "book", "STD": "standard"}
RIS_OF_TYPE = {"article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS", "book": "BOOK",
               "chapter": "CHAP", "paper-conference": "CPAPER", "thesis": "THES", "report": "RPRT",
               "webpage": "ELEC", "post-weblog": "BLOG", "manuscript": "MANSCPT", "document": "GEN",
               "pamphlet": "PAMP", "patent": "PAT", "dataset": "DATA", "software": "COMP", "map": "MAP",
               "entry-encyclopedia": "ENCYC", "entry-dictionary": "DICT", "personal_communication": "PCOMM",
               "legislation": "LEGAL", "legal_case": "CASE", "bill": "BILL", "hearing": "HEAR",
               "motion_picture": "MPCT", "song": "SOUND", "graphic": "ART", "standard": "STD"}
# rispy's key → CSL variable (one value).
VARIABLES = {"title": "title", "primary_title": "title", "secondary_title": "container-title",
             "journal_name": "container-title", "alternate_title3": "container-title",
             "tertiary_title": "collection-title", "edition": "edition", "volume": "volume", "number": "issue",
             "publisher": "publisher", "place_published": "publisher-place", "doi": "DOI", "language": "language",
             "type_of_work": "genre", "name_of_database": "archive", "call_number": "archive_location",
             "notes": "note", "note": "note"}
WRITTEN = {"title": "title", "container-title": "secondary_title", "collection-title": "tertiary_title",
           "edition": "edition", "volume": "volume", "issue": "number", "publisher": "publisher",
           "publisher-place": "place_published", "DOI": "doi", "language": "language", "genre": "type_of_work",
           "archive": "name_of_database", "archive_location": "call_number", "note": "notes"}
ROLES = {"authors": "author", "first_authors": "author", "secondary_authors": "editor",
         "tertiary_authors": "collection-editor", "translated_author": "translator"}
_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( (.*))?$")


def _records(text: str, problems: FileProblems) -> list[tuple[int, str]]:
    """Each record's text with the line of its TY tag; an unterminated record is a problem."""
    records, start, lines = [], None, text.splitlines()
    for number, line in enumerate(lines, 1):
        tag = _TAG.match(line.rstrip())
        if tag is None:
            continue
        if tag.group(1) == "TY":
            if start is not None:
                problems.add(start, "the record has no end tag (ER  - ) before the next TY")
            start = number
        elif tag.group(1) == "ER":
            if start is None:
                problems.add(number, "an end tag (ER  - ) without a record (TY  - ) before it")
            else:
                records.append((start, "\n".join(lines[start - 1:number]) + "\n"))
            start = None
    if start is not None:
        problems.add(start, "the record has no end tag (ER  - ): the file ends inside it")
    if not records and not problems and text.strip():
        problems.add(1, "no RIS record (a record starts with 'TY  - ' and ends with 'ER  - ')")
    return records


def _date(record: dict[str, Any]) -> str | None:
    """RIS dates: DA/Y1 '1953/08/03/' or PY '1953'."""
    for name in ("date", "publication_year", "year"):
        value = str(record.get(name) or "").strip()
        parts = [p for p in re.split(r"[/-]", value) if p.strip()]
        if parts and parts[0].isdigit():
            return "-".join([f"{int(parts[0]):04d}", *(f"{int(p):02d}" for p in parts[1:3] if p.isdigit())])
    return None


def _item(record: dict[str, Any], line: int, problems: FileProblems) -> tuple[dict[str, Any], dict[str, str]]:
    type_ = TYPE_OF_RIS.get(str(record.get("type_of_reference", "")).upper())
    if type_ is None:
        problems.add(line, f"unknown RIS type {record.get('type_of_reference')!r} (e.g. JOUR, BOOK, CHAP, GEN)")
        type_ = "document"
    item: dict[str, Any] = {"type": type_}
    for name, variable in VARIABLES.items():
        if record.get(name) and variable not in item:
            value = record[name]
            item[variable] = "; ".join(value) if isinstance(value, list) else str(value)
    for name, role in ROLES.items():
        for person in record.get(name) or []:
            text = one_line(person) or ""
            family, _, given = text.partition(",")
            item.setdefault(role, []).append({"family": family.strip(), "given": given.strip()} if given.strip()
                                             else {"literal": text})
    pages = "-".join(str(record[p]) for p in ("start_page", "end_page") if record.get(p))
    if pages:
        item["page"] = pages
    if record.get("urls"):
        item["URL"] = record["urls"][0]
    if record.get("issn"):
        item["ISBN" if type_ in ("book", "chapter") else "ISSN"] = record["issn"]
    if _date(record):
        item["issued"] = {"raw": _date(record)}
    if record.get("access_date"):
        item["accessed"] = {"raw": _date({"date": record["access_date"]}) or str(record["access_date"])}
    extra = {tag: "; ".join(values) for tag, values in (record.get("unknown_tag") or {}).items()}
    if record.get("keywords"):
        extra["KW"] = "; ".join(record["keywords"])
    if record.get("abstract"):
        extra["AB"] = str(record["abstract"])
    return item, extra


def read_ris(text: str, problems: FileProblems) -> list[Entry]:
    """The entries of a RIS text, every problem noted in `problems` with its line."""
    import rispy

    taken: set[str] = set()
    entries = []
    for line, chunk in _records(text, problems):
        (record,) = rispy.loads(chunk) or [{}]
        item, extra = _item(record, line, problems)
        original = str(record.get("id") or "") or None
        entry = keyed_entry(item, extra, line, original, author_year(item), taken, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _ris_record(record: Any) -> dict[str, Any]:
    item = record.csl()
    ris: dict[str, Any] = {"type_of_reference": RIS_OF_TYPE.get(item["type"], "GEN"),
                           "id": record["extra"].get(ORIGINAL_KEY) or record["key"]}
    for role, name in (("author", "authors"), ("editor", "secondary_authors"),
                       ("collection-editor", "tertiary_authors"), ("translator", "translated_author")):
        if item.get(role):
            ris[name] = [n.get("literal") or ", ".join(p for p in (n.get("family"), n.get("given")) if p)
                         for n in item[role]]
    for variable, name in WRITTEN.items():
        if item.get(variable):
            ris[name] = [item[variable]] if name == "notes" else item[variable]
    if item.get("page"):
        start, _, end = str(item["page"]).partition("-")
        ris["start_page"], ris["end_page"] = start, end or None
    issued, accessed = edtf_of(item.get("issued")), edtf_of(item.get("accessed"))
    if issued:
        ris["year"] = issued[:4]
        if len(issued) > 4:
            ris["date"] = issued.replace("-", "/")
    if accessed:
        ris["access_date"] = accessed.replace("-", "/")
    if item.get("URL"):
        ris["urls"] = [item["URL"]]
    if item.get("ISBN") or item.get("ISSN"):
        ris["issn"] = item.get("ISBN") or item.get("ISSN")
    extra = {tag: value for tag, value in record["extra"].items() if re.fullmatch(r"[A-Z][A-Z0-9]", tag)}
    if extra:
        ris["unknown_tag"] = {tag: [value] for tag, value in extra.items()}
    return {k: v for k, v in ris.items() if v not in (None, "")}


def write_ris(records: Iterable[Any], out: IO[str]) -> int:
    """Write sources (`read.bibliography.SourceRecord`s) as RIS records; return how many."""
    import rispy
    from rispy.writer import RisWriter

    class _Writer(RisWriter):  # (rispy numbers the records, "1.", which RIS readers do not expect)
        def set_header(self, count: int) -> str:
            return ""

    rows = [_ris_record(record) for record in records]
    if rows:
        text = rispy.dumps(rows, implementation=_Writer, skip_unknown_tags=False)
        out.write(text.lstrip("\n"))
    return len(rows)
