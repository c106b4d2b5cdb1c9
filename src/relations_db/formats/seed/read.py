"""Reading seed-format YAML safely, keeping the line of every mapping and key for the validator's messages.

No anchors or aliases (a few lines of them can expand to gigabytes), no duplicate keys, no file over
`MAX_BYTES`, and dates left as text: `1961-06-04` must reach the EDTF parser, not become a `datetime.date`.
"""

from __future__ import annotations

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


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers, refuses duplicate keys, and leaves dates as text (EDTF)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    mapping = Mapping()
    mapping.line = _line(node.start_mark)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = _line(key_node.start_mark)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, name: str = "<seed>") -> Any:
    """Parse seed YAML: no anchors or aliases (they can blow up memory), line numbers kept, errors located."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValidationError(f"{name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; split it")
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ValidationError(
                    f"{name}, line {_line(event.start_mark)}: YAML anchors and aliases (&name, *name) are not "
                    "accepted in seed files; write each value out in full")
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
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
    """The text of a seed file, refused before reading when it is too large or not UTF-8."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise ValidationError(f"{path}: the file is {size // (1024 * 1024)} MiB, larger than the "
                              f"{MAX_BYTES // (1024 * 1024)} MiB a seed file may be; split it")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
