"""EDTF dates (all of levels 0 and 1) for a chronology that never claims more precision than its sources.

A date is stored as its EDTF text (Library of Congress Extended Date/Time Format, 2019 specification) plus
the earliest and latest day it can mean, as day numbers of the proleptic Gregorian calendar
(`edtf_calendar`: 0001-01-01 is day 1, as in `date.toordinal()`; 44 BC is before 0), so that the database
sorts and filters on integers while the text keeps exactly what the source said. Supported (docs/dates.md):

    1961-06-04   day                      1961? 1959-10~ 1961-06-04%   uncertain / approximate / both
    1960-06      month                    196X  19XX  -01XX             decade / century
    1956         year                     1960-XX  1960-XX-XX           year, month and day unknown
    -0043-03-15  15 March 44 BC           1960-06-XX                    month, day unknown
    0000         1 BC                     Y170000002  Y-170000002       years beyond four digits
    1960-21      spring (22 summer,       1985-04-12T23:20:30           a time of day (also …Z, …-04,
                 23 autumn, 24 winter)                                  …+04:30): the day is the bound
    1954/1956  1960-06/1961-12-03        intervals (dates on either side, without a time of day)
    1957/..  ../1948                      open end / open start: no limit
    1957/  /1948                          unknown end / unknown start: a limit nobody knows

An open or unknown end has no day (`start_day`/`end_day` is None) and says which it is (`start_kind`/
`end_kind`). Qualifiers are flags: they never widen the bounds, so "c. 1956" still sorts and filters as 1956.
A qualifier may end any single date, including 196X~ and 1960-21? (strict level 1 qualifies only plain
dates; a historian needs "c. 1960s"), but not a date-time.

Only `re`, `datetime`, `dataclasses` and `typing` are imported: this module is loaded by every command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from relations_db.domain.edtf_calendar import (
    MAX_DAY,
    MAX_YEAR,
    MIN_DAY,
    MIN_YEAR,
    day_number,
    era_year,
    iso_day,
    iso_year,
    month_length,
)
from relations_db.domain.edtf_labels import day_label, interval_label, month_label, shown, year_span
from relations_db.domain.edtf_parse import OPEN, Interval, Invalid, Single, parse_edtf

try:  # One exception class for the whole package, so the command line's `except UserError` catches it.
    from relations_db.errors import DateError
except ImportError:  # pragma: no cover - only when the module is used on its own

    class DateError(ValueError):  # type: ignore[no-redef]
        """A date that is not EDTF level 0–1 (the message shows the accepted forms)."""


__all__ = [
    "ACCEPTED_FORMS",
    "DateError",
    "EDTFDate",
    "EndKind",
    "bound_label",
    "display",
    "era_year",
    "is_valid",
    "iso_year",
    "iso_ymd",
    "overlaps",
    "parse",
    "parse_year",
    "period_label",
    "slug_date",
    "sort_key",
    "year_bounds",
    "year_days",
    "year_span",
]

ACCEPTED_FORMS = (
    "Accepted forms (EDTF): 1961-06-04 (day), 1960-06 (month), 1956 (year), 1959-10~ (approximate), "
    "1961? (uncertain), 1961-06-04% (both), 196X (decade), 1954/1956 (interval), 1957/.. (open end), "
    "../1948 (open start), 1957/ (end unknown), 1960-21 (spring), -0043-03-15 (44 BC), "
    "Y170000002 (a year beyond 9999), 1985-04-12T23:20:30Z (with a time of day)"
)

EndKind = Literal["open", "unknown"]


@dataclass(frozen=True, slots=True)
class EDTFDate:
    """A parsed EDTF date: its canonical text and the span of days it can mean.

    `start_day`/`end_day` are day numbers (`edtf_calendar.day_number`; the same numbers as
    `date.toordinal()` for years 1–9999), None for an open or unknown end, whose kind `start_kind`/`end_kind`
    says ("open": no limit, "1957/.."; "unknown": a limit nobody knows, "1957/"). Single dates have both days.
    """

    text: str  # the canonical EDTF string (the input, stripped)
    start_day: int | None  # earliest day the date can mean
    end_day: int | None  # latest day it can mean
    precision: str  # 'second' | 'day' | 'month' | 'season' | 'year' | 'decade' | 'century' | 'interval'
    approximate: bool  # '~' or '%' anywhere
    uncertain: bool  # '?' or '%' anywhere
    start_kind: EndKind | None = None  # why `start_day` is None; None when it is a day
    end_kind: EndKind | None = None

    @property
    def start_iso(self) -> str | None:
        """The first day as ISO 8601 text with expanded years ('-0043-03-15', '+170000002-01-01'), or None."""
        return None if self.start_day is None else iso_day(self.start_day)

    @property
    def end_iso(self) -> str | None:
        """The last day as ISO 8601 text with expanded years, or None for an open or unknown end."""
        return None if self.end_day is None else iso_day(self.end_day)

    @property
    def start(self) -> date:
        """The first day as a `datetime.date`, `date.min` for an open or unknown start (the sentinel of the old
        schema, before migration 0004). DateError when the day is outside years 1–9999."""
        return date.min if self.start_day is None else self._as_date(self.start_day)

    @property
    def end(self) -> date:
        """The last day as a `datetime.date`, `date.max` for an open or unknown end; see `start`."""
        return date.max if self.end_day is None else self._as_date(self.end_day)

    def _as_date(self, day: int) -> date:
        if not date.min.toordinal() <= day <= date.max.toordinal():
            raise DateError(f"{self.text!r} is a valid date, but days before 0001-01-01 or after 9999-12-31 "
                            "cannot be stored yet")
        return date.fromordinal(day)


# --------------------------------------------------------------------------------------------- parsing


def parse(text: str) -> EDTFDate:
    """Parse an EDTF level 0–1 string; raise DateError (quoting the input and the accepted forms) if bad."""
    stripped, parsed = _checked(text)
    if isinstance(parsed, Single):
        return EDTFDate(stripped, parsed.first, parsed.last, parsed.precision, parsed.approximate, parsed.uncertain)
    start, end = parsed.start, parsed.end
    dated = [p for p in (start, end) if isinstance(p, Single)]
    return EDTFDate(
        stripped,
        start.first if isinstance(start, Single) else None,
        end.last if isinstance(end, Single) else None,
        "interval",
        any(p.approximate for p in dated),
        any(p.uncertain for p in dated),
        None if isinstance(start, Single) else _kind(start),
        None if isinstance(end, Single) else _kind(end),
    )


def _kind(end: str) -> EndKind:
    return "open" if end == OPEN else "unknown"


def is_valid(text: str) -> bool:
    """True if `text` parses as an EDTF level 0–1 date."""
    try:
        parse(text)
    except DateError:
        return False
    return True


def _checked(text: str) -> tuple[str, Single | Interval]:
    """Strip and parse `text`, turning the reason it is bad into a DateError that quotes it."""
    if not isinstance(text, str):
        raise DateError(f"{text!r} is not a valid date: a date must be text. {ACCEPTED_FORMS}")
    stripped = text.strip()
    try:
        parsed = parse_edtf(stripped)
        if isinstance(parsed, Interval):
            _check_order(parsed)
    except Invalid as bad:
        raise DateError(f"{stripped!r} is not a valid date: {bad}. {ACCEPTED_FORMS}") from None
    return stripped, parsed


def _check_order(interval: Interval) -> None:
    start, end = interval.start, interval.end
    if isinstance(start, Single) and isinstance(end, Single) and end.last < start.first:
        raise Invalid(f"the interval ends ({shown(end)}) before it starts ({shown(start)})")


# --------------------------------------------------------------------------------------------- display


def display(value: str | EDTFDate) -> str:
    """A human rendering that never shows more precision than the date has: '1956' never becomes 1 January.

    '1961-06-04' → '4 June 1961', '1959-10~' → 'c. October 1959', '1961?' → '1961?', '196X' → '1960s',
    '-0043-03-15' → '15 March 44 BC', '1985-04-12T23:20:30Z' → '12 April 1985, 23:20:30 UTC',
    '1954/1956' → '1954–1956', '1957/..' → 'from 1957', '1957/' → '1957 – end unknown'.
    """
    text = value.text if isinstance(value, EDTFDate) else value
    plain = _PLAIN.match(text) if isinstance(text, str) else None
    if plain is not None:  # (most dates of a chronology: read without the parser, which costs ten times more)
        year, month, day = plain.groups()
        if month is None:
            return year
        if "01" <= month <= "12":
            if day is None:
                return month_label(int(year), int(month))
            if "01" <= day and int(day) <= month_length(int(year), int(month)):
                return day_label(int(year), int(month), int(day))
    _, parsed = _checked(text)
    return shown(parsed) if isinstance(parsed, Single) else interval_label(parsed)


# A year of 1000 to 9999, its month, its day: no qualifier, sign, letter or interval (see `display`).
_PLAIN = re.compile(r"([1-9][0-9]{3})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")


def bound_label(iso: str | None, kind: str | None = None) -> str:
    """A stored bound as a reader writes it: '-0043-03-15' → '15 March 44 BC'; a missing end by its kind ('no
    limit' for an open end, 'unknown' for an unknown one)."""
    if iso is None:
        return "no limit" if kind == "open" else "unknown"
    return day_label(*iso_ymd(iso))


_PERIOD = re.compile(r"([+-]?[0-9]{4,9})(?:-([0-9]{2}))?")


def period_label(period: str) -> str:
    """A year or month as ISO writes it ('1956', '-0043', '1956-06', '+170000002') as a reader does: '1956',
    '44 BC', 'June 1956', '170,000,002'."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"{period!r} is not an ISO year or month")
    year = int(match[1])
    return era_year(year) if match[2] is None else month_label(year, int(match[2]))


# A year before the year 1 at the start of a date or of an interval's end: -0043, Y-170000002 (y- once folded).
_MINUS_YEAR = re.compile(r"(^|/)[Yy]?-([0-9Xx]+)")


def slug_date(text: str) -> str:
    """A date as the start of a slug, which keeps only letters and digits: a year before the year 1 as a reader
    writes it, so that '-0043-03-15' does not become '0043-03-15' (AD 43) but '44bc-03-15'. A year with
    unspecified digits keeps them after 'minus' ('-01XX' → 'minus-01XX'). Other dates are unchanged."""
    if "-" not in text[:2] and "/" not in text:  # (the usual case, once per imported row)
        return text
    return _MINUS_YEAR.sub(_era_slug, text)


def _era_slug(match: re.Match[str]) -> str:
    digits = match[2]
    return match[1] + (f"minus-{digits}" if not digits.isdigit() else f"{1 + int(digits)}bc")


# ------------------------------------------------------------------------------------ sorting, filters


def sort_key(d: EDTFDate) -> tuple[int, int]:
    """Chronological order: earliest possible day first, then the shorter span. An open or unknown start
    sorts before every day, an open or unknown end after every day."""
    return (MIN_DAY - 1 if d.start_day is None else d.start_day, MAX_DAY + 1 if d.end_day is None else d.end_day)


def overlaps(d: EDTFDate, start: date | int | None, end: date | int | None) -> bool:
    """True if the days `d` can mean meet the closed range start..end (what `--year` and `--from/--to` ask).

    `start`/`end` are dates or day numbers; None is no limit. An open or unknown end of `d` reaches any day.
    """
    first, last = _day(start), _day(end)
    starts_in_time = d.start_day is None or last is None or d.start_day <= last
    ends_in_time = d.end_day is None or first is None or first <= d.end_day
    return starts_in_time and ends_in_time


def _day(value: date | int | None) -> int | None:
    return value.toordinal() if isinstance(value, date) else value  # the same numbering: 0001-01-01 is 1


def year_bounds(year: int) -> tuple[date, date]:
    """First and last day of `year` (1–9999) as dates; `year_days` covers every year."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise DateError(f"{year!r} is not a year: years must be 1–9999")
    return date(year, 1, 1), date(year, 12, 31)


def year_days(year: int) -> tuple[int, int]:
    """Day numbers of the first and last day of `year` (astronomical: 0 is 1 BC, -43 is 44 BC)."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(f"{year!r} is not a year: years must be -999,999,999–999,999,999")
    return day_number(year, 1, 1), day_number(year, 12, 31)


_ISO_DAY = re.compile(r"([+-]?[0-9]{4,9})-([0-9]{2})-([0-9]{2})")


def iso_ymd(iso: str) -> tuple[int, int, int]:
    """(year, month, day) of a bound as `start_iso`/`end_iso` write it: '-0043-03-15' → (-43, 3, 15), the year
    astronomical. ValueError for other text."""
    match = _ISO_DAY.fullmatch(iso)
    if match is None:
        raise ValueError(f"{iso!r} is not an ISO day")
    return int(match[1]), int(match[2]), int(match[3])


# Four digits for the common era, not "any integer", so that `--year 61` is refused instead of silently
# meaning the year 61; a minus makes a year before the year 1 deliberate (`-43`, as in the EDTF -0043).
_YEAR_OPTION = re.compile(
    r"(?P<plain>[0-9]{4})|-(?P<minus>[0-9]{1,9})|Y(?P<long_sign>-?)(?P<long>[1-9][0-9]{4,8})"
    r"|(?P<bc>[1-9][0-9]{0,8}) ?(?i:BCE?)"
)


def parse_year(text: str) -> int:
    """The year of a `--year 1956` style filter, astronomical (0 is 1 BC, -43 is 44 BC).

    Accepted: four digits (1956, 0061, 0000), a minus and up to nine digits (-43, -0043), a Y-year (Y170000002,
    Y-170000002) and a year before Christ (44BC, 44 BC, 44 BCE: -43).
    """
    match = _YEAR_OPTION.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is not None:
        if match["plain"] is not None:
            return int(match["plain"])
        if match["minus"] is not None and match["minus"].strip("0"):  # "-0000" is not a year, as in EDTF
            return -int(match["minus"])
        if match["long"] is not None:
            return -int(match["long"]) if match["long_sign"] else int(match["long"])
        if match["bc"] is not None:
            return 1 - int(match["bc"])
    raise DateError(f"{text!r} is not a year: give four digits, e.g. 1960")
