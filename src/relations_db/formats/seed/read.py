"""Reading seed-format YAML safely, keeping the line of every mapping and key for the validator's messages.

No anchors or aliases (a few lines of them can expand to gigabytes), no duplicate keys, no file over
`MAX_BYTES`, no nesting deeper than the format's (`MAX_DEPTH`), and every scalar left as the text written:
`1961-06-04` must reach the EDTF parser, not become a `datetime.date`, and `summary: no` is "no", not false.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml

from relations_db.errors import UserError, ValidationError

MAX_BYTES = 50 * 1024 * 1024

_T = TypeVar("_T")


class Mapping(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


def date_problem(text: str) -> str | None:
    """What is wrong with an EDTF date of a seed file (the parser's message), or None: one check for an event's
    date and a date claim's."""
    from relations_db.domain import dates
    from relations_db.errors import DateError

    try:
        dates.parse(text)
    except DateError as exc:
        return str(exc)
    return None


def text_of(value: _T) -> _T | str:
    """A scalar as text (YAML reads `3` and `434/3` differently; `true` stays 'true'); None, a list or a
    mapping comes back as it is, for the validator to refuse where text is required."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, (int, float)) else value


class _Mark(Protocol):
    """A parser position (PyYAML's pure-Python and libyaml marks both have this)."""

    line: int  # 0-based


def _line(mark: _Mark | None) -> int:
    """The 1-based line of a parser position (0 when the parser gives none)."""
    return mark.line + 1 if mark is not None else 0


class _Loader(yaml.BaseLoader):
    """PyYAML's BaseLoader (every scalar is text, as written: `no`, `on`, `1961`, `1.0e+3`, `1961-06-04` stay the
    characters of the file) that keeps line numbers, refuses duplicate and non-text keys and lone surrogates,
    and reads a plain `~`, `null` or nothing as None. The few numbers of the format become numbers afterwards,
    by field (`_whole_numbers`)."""


# A plain (unquoted) scalar that means "no value", as YAML 1.1 writes it.
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# The fields the format holds as whole numbers, by section (an event's citations: `confidence`).
_WHOLE = re.compile(r"[-+]?[0-9]+")

# How deep the format nests: the document, a section's list, an entry, its list of claims (or citations,
# participants, aliases, a meeting's details), a claim (or a citation), the claim's list of citation positions
# (`supports: [1, 2]`, version 5). A deeper document is refused while it is parsed, before it is built.
MAX_DEPTH = 6


def _scalar(loader: _Loader, node: yaml.ScalarNode) -> str | None:
    if node.style is None and node.value in _NULLS:
        return None
    if any("\ud800" <= ch <= "\udfff" for ch in node.value):
        raise yaml.constructor.ConstructorError(
            None, None, "a lone surrogate (an escape such as \\ud800) is not a character", node.start_mark)
    return str(node.value)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    mapping = Mapping()
    mapping.line = _line(node.start_mark)
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain name, not a list or a mapping (`? …` keys)", key_node.start_mark)
        key = _scalar(loader, key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = _line(key_node.start_mark)
    return mapping


def _construct_any(loader: _Loader, node: yaml.Node) -> Any:
    """Any node, whatever its tag (`!!int`, `!!python/object` are no more than text, a list or a mapping)."""
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node)
    if isinstance(node, yaml.SequenceNode):
        return [loader.construct_object(child, deep=True) for child in node.value]
    assert isinstance(node, yaml.ScalarNode)  # (a node is one of the three)
    return _scalar(loader, node)


_Loader.add_constructor(None, _construct_any)


def _whole_numbers(data: Any) -> Any:
    """The format's whole-number fields (a source's `year`, an event's `tone`, a citation's `confidence`, a
    claim's citation positions) as numbers when they are written as one; anything else is left for the
    validator to refuse."""
    for source in _entries(data, "sources"):
        _to_int(source, "year")
    for event in _entries(data, "events"):
        _to_int(event, "tone")
        for citation in _entries(event, "citations"):
            _to_int(citation, "confidence")
        for claim in _entries(event, "claims"):
            for stance in ("supports", "disputes"):
                positions = claim.get(stance)
                if isinstance(positions, list):
                    claim[stance] = [int(p) if isinstance(p, str) and _WHOLE.fullmatch(p.strip()) else p
                                     for p in positions]
    return data


def _entries(mapping: Any, key: str) -> list[Mapping]:
    value = mapping.get(key) if isinstance(mapping, Mapping) else None
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _to_int(mapping: Mapping, key: str) -> None:
    value = mapping.get(key)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        mapping[key] = int(value)


def parse_yaml(text: str, name: str = "<seed>") -> Any:
    """Parse seed YAML: no anchors or aliases (they can blow up memory), no nesting deeper than the format's,
    line numbers kept, errors located; every scalar text as written but the format's numbers."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValidationError(f"{name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it")
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ValidationError(
                    f"{name}, line {_line(event.start_mark)}: YAML anchors and aliases (&name, *name) are not "
                    "accepted in seed files; write each value out in full")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ValidationError(
                        f"{name}, line {_line(event.start_mark)}: nested deeper than a seed file is ({MAX_DEPTH} "
                        "levels: the file, a section, an entry, its claims, a claim, its citations)")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return _whole_numbers(yaml.load(text, Loader=_Loader))  # noqa: S506 - BaseLoader: text, lists, mappings
    except yaml.reader.ReaderError as exc:  # (its message spans lines and gives an offset, not a line)
        line = text.count("\n", 0, exc.position) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ValidationError(f"{name}, line {line}: not valid YAML: the character U+{character:04X} is not "
                              "allowed (a control character)") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{name}{_where(exc)}: not valid YAML: {_problem(exc)}") from None


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f", line {mark.line + 1}" if mark is not None else ""


def _problem(exc: yaml.YAMLError) -> str:
    problem: str = getattr(exc, "problem", None) or str(exc)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:  # where the unfinished construct began
        problem += f" ({context} at line {context_mark.line + 1})"
    return problem


def read_file(path: str | Path) -> str:
    """The text of a seed file, refused when it is larger than MAX_BYTES (counted as it is read: a pipe or a
    device has no size to ask for beforehand) or not UTF-8."""
    path = Path(path)
    too_large = ValidationError(f"{path}: the file is larger than the {MAX_BYTES // (1024 * 1024)} MiB a seed "
                                "file may be; split it")
    try:
        if path.stat().st_size > MAX_BYTES:  # (a regular file: refused before reading)
            raise too_large
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise too_large
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from None
