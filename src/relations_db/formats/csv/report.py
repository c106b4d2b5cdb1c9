"""What an import of a CSV did (or, in a dry run, would do): counts and a line per event."""

from __future__ import annotations

from dataclasses import dataclass, field

# The report keeps this many lines of detail (an import of a million rows says the rest in its counts).
DETAIL_LINES = 1000


@dataclass
class ImportReport:
    """What a CSV import did to events: the counts, and a line per event (added, updated with each changed field
    as before → after, unchanged), the first DETAIL_LINES of each kind."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    citations_added: int = 0
    citations_updated: int = 0
    details: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # kind → (the row's line, detail)
    left_out: dict[str, int] = field(default_factory=dict)  # kind → the detail lines not kept

    def summary(self) -> str:
        cited = (f"; citations {self.citations_added} added, {self.citations_updated} updated"
                 if self.citations_added or self.citations_updated else "")
        return (f"events {self.added} added, {self.updated} updated, {self.unchanged} unchanged{cited}; "
                f"{self.seconds:.1f} s")

    def detail(self, line: int, text: str) -> None:
        """A detail about the row on `line`; its first word is its kind (added, updated, unchanged). The first
        DETAIL_LINES of each kind are kept."""
        kind = text.split(" ", 1)[0]
        kept = self.details.setdefault(kind, [])
        if len(kept) < DETAIL_LINES:
            kept.append((line, text))
        else:
            self.left_out[kind] = self.left_out.get(kind, 0) + 1

    def lines(self, kinds: tuple[str, ...] = ("added", "updated", "unchanged")) -> list[str]:
        """The detail lines of these kinds, in the file's order, and how many more there were."""
        kept = sorted((detail for kind in kinds for detail in self.details.get(kind, [])), key=lambda d: d[0])
        more = sum(self.left_out.get(kind, 0) for kind in kinds)
        return [text for _, text in kept] + ([f"… and {more:,} more"] if more else [])
