"""CSL-JSON, as Zotero exports it ("Export Library… → CSL JSON") and pandoc and citeproc read it: a list of items.

Each item's variables map to a source's fields through `domain.csl`; a variable CSL knows but a source has no
field for (`abstract`, `keyword`, `number-of-pages`, `original-date`…) and any other key is kept in `extra`, as
text, and written back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from relations_db.domain.csl import CSL_VARIABLES, DATE_FIELDS, edtf_of
from relations_db.domain.vocab import CREATOR_ROLES
from relations_db.formats.bib.entry import (
    ORIGINAL_KEY,
    OTHER_DATES,
    Entry,
    FileProblems,
    author_year,
    csl_of_extra,
    keyed_entry,
)

_KNOWN = {"id", "type", *CSL_VARIABLES.values(), *DATE_FIELDS.values(), *CREATOR_ROLES}


def _items(text: str, problems: FileProblems) -> list[tuple[int, Any]]:
    """The top-level items of a JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")
        return []
    if not isinstance(document, list):
        problems.add(1, f"CSL-JSON is a list of items ([{{...}}, ...]), not a {type(document).__name__}")
        return []
    found, position = [], text.index("[") + 1
    for _ in document:
        while text[position] in " \t\r\n,":
            position += 1
        item, end = decoder.raw_decode(text, position)
        found.append((text.count("\n", 0, position) + 1, item))
        position = end
    return found


def _extra(item: dict[str, Any]) -> dict[str, str]:
    extra: dict[str, str] = {}
    for name, value in item.items():
        if name in _KNOWN or value in (None, "", [], {}):
            continue
        if name in OTHER_DATES:
            extra[name] = edtf_of(value) or ""
        else:
            extra[name] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return extra


def read_csljson(text: str, problems: FileProblems) -> list[Entry]:
    """The entries of a CSL-JSON text, every problem noted in `problems` with its line."""
    taken: set[str] = set()
    entries = []
    for line, item in _items(text, problems):
        if not isinstance(item, dict):
            problems.add(line, f"an item is an object ({{\"id\": …, \"type\": …}}), not a {type(item).__name__}")
            continue
        if not isinstance(item.get("type"), str) or not item["type"]:
            # (an events export, `export --format json`, is a list of objects too: not to become sources)
            problems.add(line, "the item has no CSL \"type\" (book, article-journal…): is this CSL-JSON?")
            continue
        original = str(item.get("id") or "") or None
        entry = keyed_entry(item, _extra(item), line, original, author_year(item), taken, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def csl_item(record: Any) -> dict[str, Any]:
    """A source as a CSL-JSON item, with its extra fields and its original id (when it was imported with one)."""
    item = record.csl()
    extra = record["extra"]
    item.update({k: v for k, v in csl_of_extra(extra).items() if k not in item and k != ORIGINAL_KEY})
    if extra.get(ORIGINAL_KEY):
        item["id"] = extra[ORIGINAL_KEY]
    for name, value in list(item.items()):  # (extra numbers and lists were kept as JSON text)
        if name in extra and isinstance(value, str) and value[:1] in "[{" and name not in _KNOWN:
            try:
                item[name] = json.loads(value)
            except json.JSONDecodeError:
                pass
    item.pop("citation-key", None)
    return item


def write_csljson(records: Iterable[Any], out: IO[str]) -> int:
    """Write sources (`read.bibliography.SourceRecord`s) as one CSL-JSON array; return how many."""
    count = 0
    out.write("[")
    for record in records:
        out.write(("," if count else "") + "\n  " + json.dumps(csl_item(record), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
