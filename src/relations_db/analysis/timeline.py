"""The relationship at a glance: events counted per year (or month), with the mean tone of each period.

An event is counted in the one period that holds its whole span: a day, a month or a season in the year (or
month) it falls in, a year in that year. With `by="month"`, an event known only to the year or season is
counted in a period of its own, the bare year ("1956": month unknown), listed before the months of that
year. An event whose span crosses years (an interval such as 1948/1961, a decade, an open-ended date) belongs
to no single period: it is not counted and not in any tone mean, but listed apart in `Timeline.spanning`, so
that a fourteen-year alliance does not colour each of its years with one number.

Tone is the seed's integer from −10 (hostile) to +10 (cooperative); events without a tone count as events
but not in the tone figures. Key events of a period are its events with the strongest |tone| first.

The text bars (`count_bar`, `tone_bar`) are plain characters, readable without colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from relations_db.domain.dates import iso_year, iso_ymd, period_label
from relations_db.domain.vocab import PERIODS

KEY_EVENTS = 3  # how many key events a period names in CSV and JSON


class PeriodDict(TypedDict):
    """A period as `timeline --format json` prints it (and CSV, in this order)."""

    period: str
    events: int
    mean_tone: float | None
    min_tone: int | None
    max_tone: int | None
    key_events: list[str]


@dataclass
class Period:
    """One row of the timeline: a year ("1956") or a month ("1956-06"), its events and their tones."""

    period: str
    events: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def is_month(self) -> bool:
        """True for a month ('1956-06', '-0043-03'), False for a year ('1956', '-0043', '+170000002')."""
        return "-" in self.period.lstrip("+-")

    @property
    def label(self) -> str:
        """The period as a reader writes it: '1956', '44 BC', 'June 1956' (CSV and JSON keep the ISO text)."""
        return period_label(self.period)

    @property
    def tones(self) -> list[int]:
        return [e["tone"] for e in self.events if e.get("tone") is not None]

    @property
    def mean_tone(self) -> float | None:
        tones = self.tones
        return round(sum(tones) / len(tones), 2) if tones else None

    @property
    def min_tone(self) -> int | None:
        return min(self.tones, default=None)

    @property
    def max_tone(self) -> int | None:
        return max(self.tones, default=None)

    def key_events(self) -> list[Mapping[str, Any]]:
        """The period's events, the most extreme |tone| first (untoned last), then in date order."""
        ranked = sorted(enumerate(self.events),
                        key=lambda p: (p[1].get("tone") is None, -abs(p[1].get("tone") or 0), p[0]))
        return [e for _, e in ranked]

    def as_dict(self, key_events: int = KEY_EVENTS) -> PeriodDict:
        """The numbers of the row (CSV and JSON): period, events, mean/min/max tone, the key events' titles."""
        return {"period": self.period, "events": self.count, "mean_tone": self.mean_tone,
                "min_tone": self.min_tone, "max_tone": self.max_tone,
                "key_events": [e["title"] for e in self.key_events()[:key_events]]}


@dataclass
class Timeline:
    """The periods in order, and the events that no single period holds."""

    periods: list[Period]
    spanning: list[Mapping[str, Any]]  # events that cross a year boundary: counted in no period

    @property
    def max_count(self) -> int:
        return max((p.count for p in self.periods), default=0)


def period_of(event: Mapping[str, Any], by: str = "year") -> str | None:
    """The period an event is counted in ('1956', '1956-06', '-0043' for 44 BC), or None when its span crosses
    years or an end is open or unknown."""
    if event["start"] is None or event["end"] is None:
        return None  # open or unknown end: no single period holds it
    (start_year, start_month, _), (end_year, end_month, _) = iso_ymd(event["start"]), iso_ymd(event["end"])
    # A season is one season even when it is winter and runs into the next year.
    in_one_year = start_year == end_year or event.get("precision") == "season"
    if not in_one_year:
        return None
    if by == "month" and (start_year, start_month) == (end_year, end_month):
        return f"{iso_year(start_year)}-{start_month:02d}"
    return iso_year(start_year)


# Gaps are filled between years this far apart at most: not the 170 million years up to a Y-year.
_FILL_AT_MOST = 10_000


def _period_order(period: str) -> tuple[int, int]:
    """'-0043' before '0001', '1956' (month unknown) before '1956-01'."""
    year, _, month = period.lstrip("+-").partition("-")
    return (-int(year) if period.startswith("-") else int(year), int(month) if month else 0)


def build(events: Iterable[Mapping[str, Any]], by: str = "year", fill_gaps: bool = True) -> Timeline:
    """Group `events` (in date order, as `queries.event_rows` yields them) into periods.

    With `fill_gaps` and `by="year"`, every year between the first and the last has a row, so that a quiet
    year shows as a gap instead of disappearing.
    """
    if by not in PERIODS:
        raise ValueError(f"by must be one of {PERIODS}")
    periods: dict[str, Period] = {}
    spanning: list[Mapping[str, Any]] = []
    for event in events:
        key = period_of(event, by)
        if key is None:
            spanning.append(event)
        else:
            periods.setdefault(key, Period(key)).events.append(event)
    if fill_gaps and by == "year" and periods:
        years = [int(k) for k in periods]
        if max(years) - min(years) <= _FILL_AT_MOST:
            for year in range(min(years), max(years) + 1):
                periods.setdefault(iso_year(year), Period(iso_year(year)))
    return Timeline(sorted(periods.values(), key=lambda p: _period_order(p.period)), spanning)


# --- text bars, readable without colour -------------------------------------------------------------------


def count_bar(count: int, largest: int, width: int = 12) -> str:
    """'████▌' style bar of `count` scaled so that `largest` fills `width`; any non-zero count shows."""
    if count <= 0 or largest <= 0:
        return ""
    eighths = max(1, round(count / largest * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


def tone_bar(tone: float | None, half: int = 8) -> str:
    """A signed bar around a centre line: hostility grows to the left in '-', cooperation to the right in '+'.

    tone_bar(-6, 5) == '  ---|     ', tone_bar(4, 5) == '     |++   ', tone_bar(None, 5) == '     ·     '.
    """
    if tone is None:
        return " " * half + "·" + " " * half
    cells = min(half, round(abs(tone) / 10 * half))
    if tone < 0:
        return " " * (half - cells) + "-" * cells + "|" + " " * half
    return " " * half + "|" + "+" * cells + " " * (half - cells)

