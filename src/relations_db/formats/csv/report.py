"""What an import of a CSV did (or, in a dry run, would do): counts and a line per event."""

from __future__ import annotations

from dataclasses import dataclass, field

# The report keeps this many lines of detail (an import of a million rows says the rest in its counts).
DETAIL_LINES = 1000


@dataclass
class ImportReport:
    """What a CSV import did to events: the counts, and a line per event (added, updated with each changed field
    as before → after, unchanged), the first DETAIL_LINES of them."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    citations_added: int = 0
    citations_updated: int = 0
    details: list[tuple[int, str]] = field(default_factory=list)  # (the row's line, the detail)
    left_out: dict[str, int] = field(default_factory=dict)  # kind → the detail lines not kept

    def summary(self) -> str:
        cited = (f"; citations {self.citations_added} added, {self.citations_updated} updated"
                 if self.citations_added or self.citations_updated else "")
        return (f"events {self.added} added, {self.updated} updated, {self.unchanged} unchanged{cited}; "
                f"{self.seconds:.1f} s")

    def detail(self, line: int, text: str) -> None:
        """A detail about the row on `line` (the lines come out in the file's order)."""
        if len(self.details) < DETAIL_LINES:
            self.details.append((line, text))
        else:
            kind = text.split(" ", 1)[0]
            self.left_out[kind] = self.left_out.get(kind, 0) + 1

    def lines(self, kinds: tuple[str, ...] = ("added", "updated", "unchanged")) -> list[str]:
        """The detail lines of these kinds (each line starts with its kind), and how many more there were."""
        shown = [text for _, text in sorted(self.details, key=lambda d: d[0]) if text.split(" ", 1)[0] in kinds]
        more = sum(self.left_out.get(kind, 0) for kind in kinds)
        return shown + ([f"… and {more:,} more"] if more else [])
