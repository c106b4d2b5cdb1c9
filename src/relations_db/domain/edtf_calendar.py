"""Day numbers of the proleptic Gregorian calendar, for every year from -999,999,999 to 999,999,999.

A day number counts days on the Gregorian calendar extended backwards without end (proleptic), with the epoch
of Python's `date.toordinal()`: 0001-01-01 is day 1, so `day_number(y, m, d) == date(y, m, d).toordinal()`
wherever `datetime.date` reaches (years 1–9999), and the days before it are 0, -1, -2…

Years are astronomical, as in ISO 8601 and EDTF: the year 0 is 1 BC, the year -1 is 2 BC, -43 is 44 BC. Year 0
is a leap year (divisible by 400), and so is every year that is a multiple of 4 except centuries not divisible
by 400, on both sides of it.

Pure integer arithmetic over the 400-year cycle (146,097 days), never `datetime`, which stops at years 1 and
9999. The day numbers of the supported years fit in 40 bits (|n| < 365,242,500,000), so a BIGINT holds them.
"""

from __future__ import annotations

__all__ = [
    "MAX_DAY",
    "MAX_YEAR",
    "MIN_DAY",
    "MIN_YEAR",
    "MONTHS",
    "day_number",
    "era_year",
    "from_day_number",
    "is_leap",
    "iso_day",
    "iso_year",
    "month_length",
]

MIN_YEAR = -999_999_999  # EDTF's Y-years reach as far as anyone writes them; beyond this a date is refused
MAX_YEAR = 999_999_999

# English names, not `calendar.month_name`, which follows the process locale.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)  # in a common year
_DAYS_IN_400_YEARS = 146_097
_DAYS_IN_100_YEARS = 36_524  # a century whose first year is not a leap year
_DAYS_IN_4_YEARS = 1_461


def is_leap(year: int) -> bool:
    """True if `year` (astronomical: 0 is 1 BC) has a 29 February in the proleptic Gregorian calendar."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def month_length(year: int, month: int) -> int:
    """Days in `month` (1–12) of `year`."""
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def day_number(year: int, month: int, day: int) -> int:
    """The day number of a calendar day: 0001-01-01 is 1, 0000-12-31 is 0, -0043-03-15 is -15,997.

    Raises ValueError for a month or day that does not exist (callers validate user input first).
    """
    if not 1 <= month <= 12 or not 1 <= day <= month_length(year, month):
        raise ValueError(f"no such day: {year}-{month}-{day}")
    before = year - 1  # whole years before this one, counted from the year 1; floor division extends it below
    days_before_year = before * 365 + before // 4 - before // 100 + before // 400
    leap_day = 1 if month > 2 and is_leap(year) else 0
    return days_before_year + _DAYS_BEFORE_MONTH[month - 1] + leap_day + day


def from_day_number(number: int) -> tuple[int, int, int]:
    """The calendar day (year, month, day) of a day number; the inverse of `day_number` for every integer."""
    # CPython's ordinal → date algorithm; Python's floor `divmod` carries it below day 1 unchanged.
    cycles, rest = divmod(number - 1, _DAYS_IN_400_YEARS)
    centuries, rest = divmod(rest, _DAYS_IN_100_YEARS)
    quads, rest = divmod(rest, _DAYS_IN_4_YEARS)
    years, rest = divmod(rest, 365)
    year = cycles * 400 + centuries * 100 + quads * 4 + years + 1
    if years == 4 or centuries == 4:  # the 366th day of a leap year ending a 4- or 400-year cycle
        return year - 1, 12, 31
    month = 1
    while month < 12 and rest >= _days_before(year, month + 1):
        month += 1
    return year, month, rest - _days_before(year, month) + 1


def _days_before(year: int, month: int) -> int:
    return _DAYS_BEFORE_MONTH[month - 1] + (1 if month > 2 and is_leap(year) else 0)


MIN_DAY = day_number(MIN_YEAR, 1, 1)
MAX_DAY = day_number(MAX_YEAR, 12, 31)


def iso_year(year: int) -> str:
    """A year as ISO 8601 writes it: four digits for 0–9999 (`0000` is 1 BC), a minus and at least four
    digits before that (`-0043`, `-170000002`), a plus and all the digits after 9999 (`+170000002`)."""
    if 0 <= year <= 9999:
        return f"{year:04d}"
    if year < 0:
        return f"-{-year:04d}"
    return f"+{year}"


def iso_day(number: int) -> str:
    """The ISO 8601 text of a day number, years expanded: '1961-06-04', '-0043-03-15', '+170000002-12-31'."""
    year, month, day = from_day_number(number)
    return f"{iso_year(year)}-{month:02d}-{day:02d}"


def era_year(year: int, ad: bool = False) -> str:
    """A year as a reader writes it: '1956', '44 BC' for -43, '1 BC' for 0; 'AD 14' when `ad` (beside a BC
    year). Years of five digits or more are grouped in thousands: '170,000,002'."""
    if year <= 0:
        return f"{_grouped(1 - year)} BC"
    return ("AD " if ad else "") + _grouped(year)


def _grouped(number: int) -> str:
    # Not for four-digit years: "1,956" reads as a count, not a year.
    return f"{number:,}" if number >= 10_000 else str(number)
