"""The EDTF grammar, levels 0 and 1 of the 2019 Library of Congress specification: text → `Single` or `Interval`.

Everything here raises `Invalid` with the reason a text is not a date; `dates.parse` turns that into a
DateError that quotes the input and lists the accepted forms. Level-2 features are recognised on purpose, so
that the reason names the feature ("exponential years (Y17E7) are EDTF level 2, not supported").

Only `re` and `dataclasses`: this module is loaded by every command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from relations_db.domain.edtf_calendar import MONTHS, day_number, era_year, month_length

__all__ = ["OPEN", "QUALIFIERS", "SEASONS", "UNKNOWN", "Interval", "Invalid", "Single", "parse_edtf"]

OPEN, UNKNOWN = "..", ""  # the two kinds of missing interval end, as EDTF writes them
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
_SEASON_FIRST_MONTH = {21: 3, 22: 6, 23: 9, 24: 12}  # meteorological, northern hemisphere: three months each
QUALIFIERS = {"?": (False, True), "~": (True, False), "%": (True, True)}  # -> (approximate, uncertain)

# [0-9], never \d: \d also matches Arabic-Indic and other digits that int() would quietly accept.
_DATE = re.compile(
    r"(?P<sign>-?)(?P<year>[0-9X]{4})(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2})"
    r"(?:T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<offset>Z|[+-][0-9]{2}(?::[0-9]{2})?)?)?)?)?"
)
_LONG_YEAR = re.compile(r"Y(?P<sign>-?)(?P<digits>[0-9]+)")
_SET = re.compile(r"[\[\]{}]")
_SPACE = re.compile(r"\s")  # str.isspace()'s characters: Unicode white space, line breaks included
_DIGIT_PARTS = re.compile(r"-?[0-9]+(?:-[0-9]+)*")
_MONTH_WORD = re.compile(r"(?i)\b(?:" + "|".join(MONTHS) + "|" + "|".join(m[:3] for m in MONTHS) + r"|sept)\b")

_QUALIFIER_PLACE = ("the qualifiers ?, ~ and % go only at the end of a date, e.g. 1961? or 1959-10~ (a qualifier "
                    "on one part of a date, as in 2004?-06-11 or 2004-06-~11, is EDTF level 2, not supported)")
_TIME_FORM = ("times of day are written after a full date as T, hours, minutes and seconds, then Z, +04 or +04:30 "
              "if the offset is known, e.g. 1985-04-12T23:20:30Z")


class Invalid(Exception):
    """Why a piece of text is not an EDTF level 0–1 date (the reason only, without the input)."""


@dataclass(frozen=True, slots=True)
class Single:
    """One date (not an interval): the first and last day it can mean and what a reader's label needs.

    `year`, `month` (1–12, or 21–24 for a season) and `day` are as written; an unspecified (XX) month or day
    is None. A decade or century (196X, 19XX) has `year` and `last_year`, its first and last year. A date-time
    keeps its `time` ("23:20:30") and `offset` ("Z", "-04", "+04:30") as written.
    """

    first: int  # day number (edtf_calendar) of the earliest day
    last: int
    precision: str  # 'second' | 'day' | 'month' | 'season' | 'year' | 'decade' | 'century'
    approximate: bool
    uncertain: bool
    year: int
    month: int | None = None
    day: int | None = None
    last_year: int | None = None
    time: str | None = None
    offset: str | None = None


@dataclass(frozen=True, slots=True)
class Interval:
    """Two ends, each a date, OPEN ('..': no limit) or UNKNOWN ('': a limit nobody knows); one at least is a date."""

    start: Single | str
    end: Single | str


def parse_edtf(text: str) -> Single | Interval:
    """Parse stripped text; raise Invalid (the reason) if it is not an EDTF level 0–1 date."""
    if not text:
        raise Invalid("it is empty")
    if _MONTH_WORD.search(text):  # before the space check: "June 1960" is a month-name problem first
        raise Invalid("month names are not accepted; write the month as a number, e.g. June 1960 as 1960-06")
    if _SET.search(text):  # before the space check too: the specification writes "[1667, 1668]"
        raise Invalid("sets of dates ([1667,1668] one of them, {1667,1668} all of them) are EDTF level 2, "
                      "not supported; give an interval, e.g. 1667/1668")
    if _SPACE.search(text):
        raise Invalid("it contains a space or line break; write the date without spaces, e.g. 1960-06")
    if text.count("/") > 1:
        raise Invalid("an interval has exactly one '/', e.g. 1954/1956")
    if "/" in text:
        return _interval(text)
    if text == OPEN:
        raise Invalid("'..' marks an open end and is only used in an interval, e.g. 1957/.. or ../1948")
    return single(text)


def _interval(text: str) -> Interval:
    ends: list[Single | str] = []
    for side, part in zip(("start", "end"), text.split("/"), strict=True):
        if part in (OPEN, UNKNOWN):
            ends.append(part)
            continue
        try:
            one = single(part)
        except Invalid as bad:
            raise Invalid(f"its {side} {part!r} is not a date: {bad}") from None
        if one.time is not None:  # EDTF's intervals run from day to day (level 0: "time of day is excluded")
            raise Invalid(f"its {side} {part!r} has a time of day; the ends of an interval are dates, "
                          "e.g. 1985-04-12/1985-04-13")
        ends.append(one)
    start, end = ends
    if not (isinstance(start, Single) or isinstance(end, Single)):
        raise Invalid("an interval needs at least one date, e.g. 1957/.. or ../1948")
    return Interval(start, end)


def single(text: str) -> Single:
    """Parse one date (no '/'), with an optional trailing qualifier."""
    body, approximate, uncertain = _unqualified(text)
    long_year = _LONG_YEAR.fullmatch(body)
    if long_year is not None:
        return _long_year(long_year["sign"], long_year["digits"], approximate, uncertain)
    match = _DATE.fullmatch(body)
    if match is None:
        raise Invalid(diagnose(body))
    one = _dated(match["sign"], match["year"], match["month"], match["day"], approximate, uncertain)
    if match["time"] is None:
        return one
    if one.precision != "day":
        raise Invalid(f"a time of day follows a full date, with no X; {_TIME_FORM}")
    if approximate or uncertain:
        raise Invalid("a date with a time of day takes no qualifier: EDTF qualifies dates, e.g. 1985-04-12~")
    _check_time(match["time"])
    _check_offset(match["offset"])
    return replace(one, precision="second", time=match["time"], offset=match["offset"])


def _unqualified(text: str) -> tuple[str, bool, bool]:
    """The date without its trailing qualifier, and the flags the qualifier sets."""
    approximate = uncertain = False
    if text[-1] in QUALIFIERS:
        approximate, uncertain = QUALIFIERS[text[-1]]
        text = text[:-1]
        if text and text[-1] in QUALIFIERS:
            raise Invalid("a date takes one qualifier at most: ? (uncertain), ~ (approximate) or % (both)")
    if any(q in text for q in QUALIFIERS):
        raise Invalid(_QUALIFIER_PLACE)
    return text, approximate, uncertain


def _long_year(sign: str, digits: str, approximate: bool, uncertain: bool) -> Single:
    """Y170000002, Y-170000002: a year of more than four digits (level 1), a year only."""
    if len(digits) <= 4 or digits[0] == "0":
        raise Invalid("'Y' marks a year of five digits or more, without leading zeros, e.g. Y170000002; "
                      "write other years with four digits, e.g. 2001 or -0043")
    if len(digits) > 9:  # before int(): Python refuses to convert thousands of digits
        raise Invalid("years beyond ±999,999,999 are not supported")
    year = -int(digits) if sign else int(digits)
    return Single(day_number(year, 1, 1), day_number(year, 12, 31), "year", approximate, uncertain, year)


def _dated(sign: str, year: str, month: str | None, day: str | None, approximate: bool, uncertain: bool) -> Single:
    """A date whose shape (sign, digits and X) already matched `_DATE`, without its time of day."""
    if "X" in year:
        if month is not None:
            raise Invalid("a month or day after a year with X digits (e.g. 196X-06) is EDTF level 2, not supported")
        return _unspecified_year(sign, year, approximate, uncertain)
    if sign and year == "0000":
        raise Invalid("-0000 is not a year: the year 1 BC is written 0000")
    y = -int(year) if sign else int(year)
    if month is None or month == "XX":
        if day not in (None, "XX"):
            raise Invalid("a day cannot be given when the month is unknown (XX); 1560-XX-25 is EDTF level 2, "
                          "not supported")
        return Single(day_number(y, 1, 1), day_number(y, 12, 31), "year", approximate, uncertain, y)
    if "X" in month:
        raise Invalid("a month is two digits or XX, e.g. 1960-06 or 1960-XX (one X, as in 1984-1X, is EDTF "
                      "level 2, not supported)")
    m = int(month)
    if m in SEASONS:
        if day is not None:
            raise Invalid(f"a season ({month}) cannot have a day")
        return _season(y, m, approximate, uncertain)
    _check_month(month, m)
    return _in_month(y, m, day, approximate, uncertain)


def _check_month(text: str, month: int) -> None:
    if 25 <= month <= 32:
        raise Invalid(f"season {text} is EDTF level 2, not supported; use 21–24 (spring, summer, autumn, winter)")
    if 33 <= month <= 41:
        raise Invalid(f"sub-year grouping {text} (quarters, quadrimesters, semesters) is EDTF level 2, not "
                      "supported; use 21–24 for the seasons or give the months as an interval")
    if not 1 <= month <= 12:
        raise Invalid(f"month {text} does not exist")


def _in_month(y: int, m: int, day: str | None, approximate: bool, uncertain: bool) -> Single:
    last = month_length(y, m)
    if day is None or day == "XX":
        first_day, last_day = day_number(y, m, 1), day_number(y, m, last)
        return Single(first_day, last_day, "month", approximate, uncertain, y, m)
    if "X" in day:
        raise Invalid("a day is two digits or XX, e.g. 1960-06-04 or 1960-06-XX (one X, as in 1960-06-1X, "
                      "is EDTF level 2, not supported)")
    d = int(day)
    if not 1 <= d <= last:
        if d == 0 or d > 31:
            raise Invalid(f"day {day} does not exist")
        leap = " (not a leap year)" if m == 2 and d == 29 else ""
        raise Invalid(f"{MONTHS[m - 1]} {era_year(y)} has {last} days{leap}")
    n = day_number(y, m, d)
    return Single(n, n, "day", approximate, uncertain, y, m, d)


def _unspecified_year(sign: str, year: str, approximate: bool, uncertain: bool) -> Single:
    """196X (a decade), 19XX (a century), -01XX (the years -199 to -100: 200 to 101 BC)."""
    digits = year.rstrip("X")
    if "X" in digits or len(digits) < 2:
        raise Invalid("only the last one or two digits of a year may be X, e.g. 196X or 19XX (more, as in "
                      "1XXX or 1X6X, is EDTF level 2, not supported)")
    width = 10 ** (4 - len(digits))
    low = int(digits) * width
    high = low + width - 1
    if sign:  # -019X is every year written -019d: -199 … -190
        low, high = -high, -low
    precision = "century" if width == 100 else "decade"
    return Single(day_number(low, 1, 1), day_number(high, 12, 31), precision, approximate, uncertain, low,
                  last_year=high)


def _season(y: int, code: int, approximate: bool, uncertain: bool) -> Single:
    """Meteorological seasons of the northern hemisphere; winter runs from December into the next year."""
    first = _SEASON_FIRST_MONTH[code]
    end_year, end_month = (y + 1, 2) if code == 24 else (y, first + 2)
    last = day_number(end_year, end_month, month_length(end_year, end_month))
    return Single(day_number(y, first, 1), last, "season", approximate, uncertain, y, code)


def _check_time(time: str) -> None:
    hours, minutes, seconds = (int(part) for part in time.split(":"))
    if (hours, minutes, seconds) == (24, 0, 0):  # ISO 8601's end of the day, still the day as written
        return
    for value, unit, top in ((hours, "hour", 23), (minutes, "minute", 59), (seconds, "second", 59)):
        if value > top:
            raise Invalid(f"{unit} {value:02d} does not exist (00–{top})")


def _check_offset(offset: str | None) -> None:
    if offset is None or offset == "Z":
        return
    hours, minutes = int(offset[1:3]), int(offset[4:6] or 0)
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        raise Invalid(f"the offset {offset} does not exist; offsets run from -14:00 to +14:00")


def diagnose(text: str) -> str:
    """Say as precisely as possible why `text` (no qualifiers, no '/') does not have the shape of a date."""
    if "x" in text:
        return "unspecified digits are written with a capital X, e.g. 196X"
    level_2 = _level_2_feature(text)
    if level_2:
        return f"{level_2} EDTF level 2, not supported"
    if re.match(r"Y-?[0-9]+-", text):
        return "a 'Y' year is a year only (EDTF gives it no month or day), e.g. Y170000002"
    if re.match(r"y-?[0-9]", text):
        return "the year prefix is a capital Y, e.g. Y170000002"
    if "T" in text or ":" in text:
        return _TIME_FORM
    if re.search(r"[^\W\d_]", text):
        return "it contains letters; EDTF dates are written with digits, '-', X and the qualifiers ? ~ %"
    if _DIGIT_PARTS.fullmatch(text):
        return _digit_shape(text)
    return "it is not in a recognised form"


def _level_2_feature(text: str) -> str | None:
    """The level-2 feature `text` uses, worded to precede 'EDTF level 2', or None."""
    if re.match(r"Y-?[0-9]+E", text):
        return "exponential years (Y17E7, Y-17E7) are"
    if re.search(r"[0-9]S[0-9]*$", text):
        return "significant digits (1950S2, Y171010000S3) are"
    return None


def _digit_shape(text: str) -> str:
    """What is wrong with digits and hyphens that do not make a date."""
    negative = text.startswith("-")
    parts = text.lstrip("-").split("-")
    if len(parts) > 3:
        return "it has too many parts; a date is YYYY, YYYY-MM or YYYY-MM-DD"
    if len(parts[0]) > 4:
        if negative:
            return "years before -9999 are written with a leading Y and stand alone, e.g. Y-10000"
        return "years after 9999 are written with a leading Y and stand alone, e.g. Y10000"
    if len(parts[0]) < 4:
        return "the year must have four digits, e.g. 1961 (write the year 61 as 0061)"
    return "month and day must have two digits each, e.g. 1961-06-04"
