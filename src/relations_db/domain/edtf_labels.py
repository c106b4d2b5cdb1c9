"""How a parsed EDTF date reads: '4 June 1961', 'c. October 1959', 'winter 1960–61', '15 March 44 BC'.

Never more precision than the date has: a year is never shown as 1 January, a decade is '1960s'. Years before
the year 1 are BC (astronomical year 0 is 1 BC); an AD year carries 'AD' only beside a BC one, as in
'44 BC – AD 14'.
"""

from __future__ import annotations

from relations_db.domain.edtf_calendar import MONTHS, era_year
from relations_db.domain.edtf_parse import OPEN, SEASONS, Interval, Single

__all__ = ["day_label", "interval_label", "month_label", "shown", "year_span"]


def shown(one: Single, ad: bool = False) -> str:
    """A date with its qualifiers: 'c. ' for approximate, a trailing '?' for uncertain."""
    return ("c. " if one.approximate else "") + _label(one, ad) + ("?" if one.uncertain else "")


def interval_label(interval: Interval) -> str:
    """'1954–1956', 'June 1960 – 3 December 1961', 'from 1957', 'until 1948', '1955 – end unknown'."""
    start, end = interval.start, interval.end
    if isinstance(start, Single) and isinstance(end, Single):
        crosses = _bc(start) and not _bc(end)  # '44 BC – AD 14', so that the second year is not read as BC
        a, b = shown(start), shown(end, ad=crosses)
        # A bare dash reads well between single words ("1954–1956"), a spaced one between phrases or a '?'.
        closed = " " not in a + b and "?" not in (a, b)
        return f"{a}–{b}" if closed else f"{a} – {b}"
    if isinstance(start, Single):
        return f"from {shown(start)}" if end == OPEN else f"{shown(start)} – end unknown"
    if isinstance(end, Single):
        return f"until {shown(end)}" if start == OPEN else f"start unknown – {shown(end)}"
    raise ValueError("an interval without a date")  # `parse_edtf` never makes one


def year_span(first: int, last: int) -> str:
    """Years from `first` to `last` (astronomical) as a reader writes them: '1959', '1957–1961', '50–44 BC',
    '44 BC – AD 14'."""
    if first == last:
        return era_year(first)
    if first >= 1:
        return f"{era_year(first)}–{era_year(last)}"
    if last <= 0:  # one 'BC' for both: '50–44 BC'
        return f"{era_year(first).removesuffix(' BC')}–{era_year(last)}"
    return f"{era_year(first)} – {era_year(last, ad=True)}"


def month_label(year: int, month: int) -> str:
    """'June 1956', 'March 44 BC'."""
    return f"{MONTHS[month - 1]} {era_year(year)}"


def day_label(year: int, month: int, day: int) -> str:
    """'4 June 1961', '15 March 44 BC', '31 December 170,000,002'."""
    return f"{day} {month_label(year, month)}"


def _bc(one: Single) -> bool:
    return one.year <= 0


def _label(one: Single, ad: bool) -> str:
    if one.last_year is not None:
        return _span(one.year, one.last_year, one.precision)
    if one.precision == "season" and one.month is not None:
        return _season(one.year, one.month, ad)
    year = era_year(one.year, ad)
    if one.month is None:
        return year
    if one.day is None:
        return f"{MONTHS[one.month - 1]} {year}"
    day = f"{one.day} {MONTHS[one.month - 1]} {year}"
    return day if one.time is None else f"{day}, {one.time}{_offset(one.offset)}"


def _offset(offset: str | None) -> str:
    """'Z' is UTC; '+04:30' is UTC+04:30; no offset is local time, shown as the time alone."""
    if offset is None:
        return ""
    return " UTC" if offset == "Z" else f" UTC{offset}"


def _span(first: int, last: int, precision: str) -> str:
    """196X → '1960s', 19XX → '1900s', 190X → '1900–1909', -01XX → '200–101 BC', 000X → '1 BC – AD 9'."""
    if first >= 1:
        if precision == "century":
            return f"{first}s"
        # "1900s" is how a century displays, so a decade starting a century spells out its years instead.
        return f"{first}–{last}" if first % 100 == 0 else f"{first}s"
    if last <= 0:  # "the 190s BC" would be 199–190 BC, not -199…-190 (200–191 BC): spell the years out
        return f"{1 - first}–{1 - last} BC"
    return f"{era_year(first)} – {era_year(last, ad=True)}"


def _season(year: int, code: int, ad: bool) -> str:
    name = SEASONS[code]
    if code != 24:
        return f"{name} {era_year(year, ad)}"
    following = year + 1  # "winter 1960–61", so that the reader sees which January and February are meant
    if year >= 1:
        same_century = following // 100 == year // 100
        tail = f"{following % 100:02d}" if same_century else era_year(following)
        return f"{name} {era_year(year, ad)}–{tail}"
    if following <= 0:
        return f"{name} {1 - year}–{1 - following} BC"
    return f"{name} {era_year(year)} – {era_year(following, ad=True)}"
