"""JSON and JSON Lines: streaming writers over an iterator of event dicts (the JSON shape of
`queries.event_rows`) or any other JSON-ready records (actors, sources).

Each writer takes any iterable and a text stream, writes as it reads, and returns how many items it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

# JSON Lines are written this many at a time (see `write_jsonl`).
_LINES_PER_WRITE = 500


def _dumps(item: Mapping[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, default=str)


def write_json(events: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """One JSON array, one element per line, written as the events arrive (`[]` when there are none)."""
    count = 0
    for item in events:
        out.write(("[\n" if count == 0 else ",\n") + _dumps(item))
        count += 1
    out.write("[]\n" if count == 0 else "\n]\n")
    return count


def write_jsonl(events: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """One JSON object a line (written 500 lines at a time: one write call a line costs a tenth of the time)."""
    count = 0
    lines: list[str] = []
    for item in events:
        lines.append(_dumps(item))
        if len(lines) == _LINES_PER_WRITE:
            out.write("\n".join(lines) + "\n")
            count += _LINES_PER_WRITE
            lines = []
    if lines:
        out.write("\n".join(lines) + "\n")
    return count + len(lines)
