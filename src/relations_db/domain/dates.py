"""EDTF dates (levels 0 and 1) for a chronology that never claims more precision than its sources.

A date is stored as its EDTF text (Library of Congress Extended Date/Time Format) plus the earliest and
latest day it can mean, so that the database can sort and filter on plain ISO days while the text keeps
exactly what the source said. Supported:

    1961-06-04   day                      1961? 1959-10~ 1961-06-04%   uncertain / approximate / both
    1960-06      month                    196X  19XX                    decade / century
    1956         year                     1960-XX  1960-XX-XX           year, month and day unknown
    1960-21      spring (22 summer,       1960-06-XX                    month, day unknown
                 23 autumn, 24 winter)
    1954/1956  1960-06/1961-12-03        intervals (any of the above on either side)
    1957/..  ../1948                      open end / open start
    1957/  /1948                          unknown end / unknown start

Only years 0001-9999 are supported, because `datetime.date` stops there. Qualifiers are flags: they never
widen `start`/`end`, so "c. 1956" still sorts and filters as 1956. A qualifier may end any single date,
including 196X~ and 1960-21? (strict level 1 qualifies only plain dates; a historian needs "c. 1960s").

Only `re`, `datetime`, `calendar` and `dataclasses` are imported: this module is loaded by every command.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

try:  # One exception class for the whole package, so the command line's `except UserError` catches it.
    from relations_db.errors import DateError
except ImportError:  # pragma: no cover - only when the module is used on its own

    class DateError(ValueError):  # type: ignore[no-redef]
        """A date that is not EDTF level 0–1 (the message shows the accepted forms)."""


__all__ = [
    "ACCEPTED_FORMS",
    "DateError",
    "EDTFDate",
    "display",
    "is_valid",
    "overlaps",
    "parse",
    "parse_year",
    "sort_key",
    "year_bounds",
]

ACCEPTED_FORMS = (
    "Accepted forms (EDTF): 1961-06-04 (day), 1960-06 (month), 1956 (year), 1959-10~ (approximate), "
    "1961? (uncertain), 1961-06-04% (both), 196X (decade), 1954/1956 (interval), 1957/.. (open end), "
    "../1948 (open start)"
)

# English names, not `calendar.month_name`, which follows the process locale.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
_SEASON_FIRST_MONTH = {21: 3, 22: 6, 23: 9, 24: 12}  # northern hemisphere, three months each
_QUALIFIERS = {"?": (False, True), "~": (True, False), "%": (True, True)}  # -> (approximate, uncertain)

# [0-9], never \d: \d also matches Arabic-Indic and other digits that int() would quietly accept.
_DATE = re.compile(r"(?P<year>[0-9X]{4})(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2}))?)?")
_DIGIT_PARTS = re.compile(r"[0-9]+(?:-[0-9]+)*")
_MONTH_WORD = re.compile(r"(?i)\b(?:" + "|".join(_MONTHS) + "|" + "|".join(m[:3] for m in _MONTHS) + r"|sept)\b")


@dataclass(frozen=True, slots=True)
class EDTFDate:
    """A parsed EDTF date: its canonical text and the span of days it can mean."""

    text: str  # the canonical EDTF string (the input, stripped)
    start: date  # earliest day the date can mean
    end: date  # latest day it can mean
    precision: str  # 'day' | 'month' | 'season' | 'year' | 'decade' | 'century' | 'interval'
    approximate: bool  # '~' or '%' anywhere
    uncertain: bool  # '?' or '%' anywhere


@dataclass(frozen=True, slots=True)
class _Single:
    """One date (not an interval), with the human label it displays as, qualifiers not included."""

    start: date
    end: date
    precision: str
    approximate: bool
    uncertain: bool
    label: str

    def shown(self) -> str:
        return ("c. " if self.approximate else "") + self.label + ("?" if self.uncertain else "")


class _Invalid(Exception):
    """Internal: why a piece of text is not a date. `parse` turns it into a DateError with the full input."""


# --------------------------------------------------------------------------------------------- parsing


def parse(text: str) -> EDTFDate:
    """Parse an EDTF level 0–1 string; raise DateError (quoting the input and the accepted forms) if bad."""
    stripped, kind, parts = _checked(text)
    if kind == "single":
        (one,) = parts
        return EDTFDate(stripped, one.start, one.end, one.precision, one.approximate, one.uncertain)
    left, right = parts
    dated = [p for p in parts if isinstance(p, _Single)]
    return EDTFDate(
        stripped,
        left.start if isinstance(left, _Single) else date.min,  # open or unknown start: as early as can be
        right.end if isinstance(right, _Single) else date.max,
        "interval",
        any(p.approximate for p in dated),
        any(p.uncertain for p in dated),
    )


def is_valid(text: str) -> bool:
    """True if `text` parses as an EDTF level 0–1 date."""
    try:
        parse(text)
    except DateError:
        return False
    return True


def _checked(text: str) -> tuple[str, str, list]:
    """Strip and parse `text`, turning the reason it is bad into a DateError that quotes it."""
    if not isinstance(text, str):
        raise DateError(f"{text!r} is not a valid date: a date must be text. {ACCEPTED_FORMS}")
    stripped = text.strip()
    try:
        return (stripped, *_parse(stripped))
    except _Invalid as bad:
        raise DateError(f"{stripped!r} is not a valid date: {bad}. {ACCEPTED_FORMS}") from None


def _parse(text: str) -> tuple[str, list]:
    """Split into ('single', [_Single]) or ('interval', [left, right]); ends may be '..' or '' (unknown)."""
    if not text:
        raise _Invalid("it is empty")
    if _MONTH_WORD.search(text):  # before the space check: "June 1960" is a month-name problem first
        raise _Invalid("month names are not accepted; write the month as a number, e.g. June 1960 as 1960-06")
    if any(c.isspace() for c in text):
        raise _Invalid("it contains a space or line break; write the date without spaces, e.g. 1960-06")
    if text.count("/") > 1:
        raise _Invalid("an interval has exactly one '/', e.g. 1954/1956")
    if "/" not in text:
        if text == "..":
            raise _Invalid("'..' marks an open end and is only used in an interval, e.g. 1957/.. or ../1948")
        return "single", [_single(text)]

    ends: list = []
    for side, part in zip(("start", "end"), text.split("/")):
        if part in ("", ".."):
            ends.append(part)  # unknown ('') or open ('..')
            continue
        try:
            ends.append(_single(part))
        except _Invalid as bad:
            raise _Invalid(f"its {side} {part!r} is not a date: {bad}") from None
    left, right = ends
    if not (isinstance(left, _Single) or isinstance(right, _Single)):
        raise _Invalid("an interval needs at least one date, e.g. 1957/.. or ../1948")
    if isinstance(left, _Single) and isinstance(right, _Single) and right.end < left.start:
        raise _Invalid(f"the interval ends ({right.shown()}) before it starts ({left.shown()})")
    return "interval", ends


def _single(text: str) -> _Single:
    """Parse one date with an optional trailing qualifier."""
    approximate = uncertain = False
    if text[-1] in _QUALIFIERS:
        approximate, uncertain = _QUALIFIERS[text[-1]]
        text = text[:-1]
        if text and text[-1] in _QUALIFIERS:
            raise _Invalid("a date takes one qualifier at most: ? (uncertain), ~ (approximate) or % (both)")
    if any(q in text for q in _QUALIFIERS):
        raise _Invalid("the qualifiers ?, ~ and % go only at the end of a date, e.g. 1961? or 1959-10~")
    match = _DATE.fullmatch(text)
    if match is None:
        raise _Invalid(_diagnose(text))
    start, end, precision, label = _bounds(match["year"], match["month"], match["day"])
    return _Single(start, end, precision, approximate, uncertain, label)


def _bounds(year: str, month: str | None, day: str | None) -> tuple[date, date, str, str]:
    """Days spanned, precision and label of a date whose shape (digits and X) already matched `_DATE`."""
    if "X" in year:
        if month is not None:
            raise _Invalid("a month or day after a year with X digits (e.g. 196X-06) is EDTF level 2, not supported")
        return _unspecified_year(year)
    y = int(year)
    if y == 0:
        raise _Invalid("year 0000 is outside the supported range 0001–9999")
    if month is None:
        return date(y, 1, 1), date(y, 12, 31), "year", str(y)
    if month == "XX":
        if day not in (None, "XX"):
            raise _Invalid("a day cannot be given when the month is unknown (XX)")
        return date(y, 1, 1), date(y, 12, 31), "year", str(y)
    if "X" in month:
        raise _Invalid("a month is two digits or XX, e.g. 1960-06 or 1960-XX")
    m = int(month)
    if 21 <= m <= 24:
        if day is not None:
            raise _Invalid(f"a season ({month}) cannot have a day")
        return _season(y, m)
    if not 1 <= m <= 12:
        if 25 <= m <= 41:
            raise _Invalid(f"season {month} is EDTF level 2, not supported; use 21–24 (spring, summer, autumn, winter)")
        raise _Invalid(f"month {month} does not exist")
    last = calendar.monthrange(y, m)[1]
    if day is None or day == "XX":
        return date(y, m, 1), date(y, m, last), "month", f"{_MONTHS[m - 1]} {y}"
    if "X" in day:
        raise _Invalid("a day is two digits or XX, e.g. 1960-06-04 or 1960-06-XX")
    d = int(day)
    if not 1 <= d <= last:
        if d == 0 or d > 31:
            raise _Invalid(f"day {day} does not exist")
        leap = " (not a leap year)" if m == 2 and d == 29 else ""
        raise _Invalid(f"{_MONTHS[m - 1]} {y} has {last} days{leap}")
    return date(y, m, d), date(y, m, d), "day", f"{d} {_MONTHS[m - 1]} {y}"


def _unspecified_year(year: str) -> tuple[date, date, str, str]:
    """196X (decade) or 19XX (century)."""
    digits = year.rstrip("X")
    if "X" in digits or len(digits) < 2:
        raise _Invalid("only the last one or two digits of a year may be X, e.g. 196X or 19XX")
    width = 10 ** (4 - len(digits))
    first = int(digits) * width
    if first == 0:
        raise _Invalid(f"{year} includes year 0, outside the supported range 0001–9999")
    last = first + width - 1
    if width == 100:
        return date(first, 1, 1), date(last, 12, 31), "century", f"{first}s"
    # "1900s" is how a century displays, so a decade starting a century spells out its years instead.
    label = f"{first}–{last}" if first % 100 == 0 else f"{first}s"
    return date(first, 1, 1), date(last, 12, 31), "decade", label


def _season(y: int, code: int) -> tuple[date, date, str, str]:
    """Seasons are three months; winter runs from December into the next year."""
    name = _SEASONS[code]
    first = _SEASON_FIRST_MONTH[code]
    if code == 24:
        if y == 9999:
            raise _Invalid("winter 9999 runs into the year 10000, outside the supported range 0001–9999")
        nxt = y + 1
        end = date(nxt, 2, calendar.monthrange(nxt, 2)[1])
        # "winter 1960–61", so the reader sees which January and February are meant.
        tail = f"{nxt % 100:02d}" if nxt // 100 == y // 100 else str(nxt)
        return date(y, 12, 1), end, "season", f"{name} {y}–{tail}"
    end = date(y, first + 2, calendar.monthrange(y, first + 2)[1])
    return date(y, first, 1), end, "season", f"{name} {y}"


def _diagnose(text: str) -> str:
    """Say as precisely as possible why `text` (no qualifiers, no '/') does not have the shape of a date."""
    if "x" in text:
        return "unspecified digits are written with a capital X, e.g. 196X"
    if re.match(r"-[0-9]", text):
        return "negative years (before 0001) are not supported; years must be 0001–9999"
    if re.match(r"Y-?[0-9]", text):
        return "'Y'-prefixed (long) years are not supported; years must be 0001–9999"
    if "T" in text or ":" in text:
        return "times of day are not supported; give the day at most, e.g. 1961-06-04"
    if re.search(r"[^\W\d_]", text):
        return "it contains letters; EDTF dates are written with digits, '-', X and the qualifiers ? ~ %"
    if _DIGIT_PARTS.fullmatch(text):
        parts = text.split("-")
        if len(parts) > 3:
            return "it has too many parts; a date is YYYY, YYYY-MM or YYYY-MM-DD"
        if len(parts[0]) > 4:
            return "years after 9999 are not supported"
        if len(parts[0]) < 4:
            return "the year must have four digits, e.g. 1961 (write the year 61 as 0061)"
        return "month and day must have two digits each, e.g. 1961-06-04"
    return "it is not in a recognised form"


# --------------------------------------------------------------------------------------------- display


def display(value: str | EDTFDate) -> str:
    """A human rendering that never shows more precision than the date has: '1956' never becomes 1 January.

    '1961-06-04' → '4 June 1961', '1959-10~' → 'c. October 1959', '1961?' → '1961?', '196X' → '1960s',
    '1954/1956' → '1954–1956', '1957/..' → 'from 1957', '1957/' → '1957 – ?'.
    """
    _, kind, parts = _checked(value.text if isinstance(value, EDTFDate) else value)
    if kind == "single":
        return parts[0].shown()
    left, right = parts  # `_parse` guarantees at least one of them is a date
    if right == "..":
        return f"from {left.shown()}"
    if left == "..":
        return f"until {right.shown()}"
    a = left.shown() if isinstance(left, _Single) else "?"
    b = right.shown() if isinstance(right, _Single) else "?"
    # A bare dash reads well between single words ("1954–1956"), a spaced one between phrases or a '?'.
    closed = " " not in a + b and "?" not in (a, b)
    return f"{a}–{b}" if closed else f"{a} – {b}"


# ------------------------------------------------------------------------------------ sorting, filters


def sort_key(d: EDTFDate) -> tuple[date, date]:
    """Chronological order: earliest possible day first, then the shorter span."""
    return (d.start, d.end)


def overlaps(d: EDTFDate, start: date, end: date) -> bool:
    """True if the days `d` can mean meet the closed range start..end (what `--year` and `--from/--to` ask)."""
    return d.start <= end and start <= d.end


def year_bounds(year: int) -> tuple[date, date]:
    """First and last day of `year` (1–9999)."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise DateError(f"{year!r} is not a year: years must be 1–9999")
    return date(year, 1, 1), date(year, 12, 31)


def parse_year(text: str) -> int:
    """The year of a `--year 1956` style filter: exactly four digits, 0001–9999.

    Four digits, not "any integer", so that `--year 61` is refused instead of silently meaning the year 61.
    """
    stripped = text.strip() if isinstance(text, str) else ""
    if re.fullmatch(r"[0-9]{4}", stripped) and stripped != "0000":
        return int(stripped)
    raise DateError(f"{text!r} is not a year: give four digits, e.g. 1960")
