"""EDTF dates: every accepted form, every refusal, and properties over generated dates."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from relations_db.domain.dates import (
    ACCEPTED_FORMS,
    DateError,
    EDTFDate,
    display,
    is_valid,
    overlaps,
    parse,
    parse_year,
    sort_key,
    year_bounds,
    year_days,
)
from relations_db.domain.edtf_calendar import (
    MAX_DAY,
    MAX_YEAR,
    MIN_DAY,
    MIN_YEAR,
    day_number,
    era_year,
    from_day_number,
    is_leap,
    iso_day,
    month_length,
)

D = date
MIN, MAX = date.min, date.max


# ------------------------------------------------------------------------------------ accepted forms

FORMS = [
    # text, start, end, precision, approximate, uncertain, display
    ("1961-06-04", D(1961, 6, 4), D(1961, 6, 4), "day", False, False, "4 June 1961"),
    ("1960-06", D(1960, 6, 1), D(1960, 6, 30), "month", False, False, "June 1960"),
    ("1956", D(1956, 1, 1), D(1956, 12, 31), "year", False, False, "1956"),
    ("1959-10~", D(1959, 10, 1), D(1959, 10, 31), "month", True, False, "c. October 1959"),
    ("1961?", D(1961, 1, 1), D(1961, 12, 31), "year", False, True, "1961?"),
    ("1961-06-04%", D(1961, 6, 4), D(1961, 6, 4), "day", True, True, "c. 4 June 1961?"),
    ("196X", D(1960, 1, 1), D(1969, 12, 31), "decade", False, False, "1960s"),
    ("19XX", D(1900, 1, 1), D(1999, 12, 31), "century", False, False, "1900s"),
    ("190X", D(1900, 1, 1), D(1909, 12, 31), "decade", False, False, "1900–1909"),
    ("196X~", D(1960, 1, 1), D(1969, 12, 31), "decade", True, False, "c. 1960s"),
    ("1960-XX", D(1960, 1, 1), D(1960, 12, 31), "year", False, False, "1960"),
    ("1960-XX-XX", D(1960, 1, 1), D(1960, 12, 31), "year", False, False, "1960"),
    ("1960-06-XX", D(1960, 6, 1), D(1960, 6, 30), "month", False, False, "June 1960"),
    ("1960-21", D(1960, 3, 1), D(1960, 5, 31), "season", False, False, "spring 1960"),
    ("1960-22", D(1960, 6, 1), D(1960, 8, 31), "season", False, False, "summer 1960"),
    ("1960-23", D(1960, 9, 1), D(1960, 11, 30), "season", False, False, "autumn 1960"),
    ("1960-24", D(1960, 12, 1), D(1961, 2, 28), "season", False, False, "winter 1960–61"),
    ("1959-24", D(1959, 12, 1), D(1960, 2, 29), "season", False, False, "winter 1959–60"),
    ("1999-24", D(1999, 12, 1), D(2000, 2, 29), "season", False, False, "winter 1999–2000"),
    ("1960-21?", D(1960, 3, 1), D(1960, 5, 31), "season", False, True, "spring 1960?"),
    ("1954/1956", D(1954, 1, 1), D(1956, 12, 31), "interval", False, False, "1954–1956"),
    ("1960-06/1961-12-03", D(1960, 6, 1), D(1961, 12, 3), "interval", False, False, "June 1960 – 3 December 1961"),
    ("1957/..", D(1957, 1, 1), MAX, "interval", False, False, "from 1957"),
    ("../1948", MIN, D(1948, 12, 31), "interval", False, False, "until 1948"),
    ("1957/", D(1957, 1, 1), MAX, "interval", False, False, "1957 – end unknown"),
    ("/1948", MIN, D(1948, 12, 31), "interval", False, False, "start unknown – 1948"),
    ("1954~/1956", D(1954, 1, 1), D(1956, 12, 31), "interval", True, False, "c. 1954 – 1956"),
    ("1954/1956?", D(1954, 1, 1), D(1956, 12, 31), "interval", False, True, "1954–1956?"),
    ("1959-10~/1960-06%", D(1959, 10, 1), D(1960, 6, 30), "interval", True, True, "c. October 1959 – c. June 1960?"),
    ("1960-06-15/1960-06", D(1960, 6, 15), D(1960, 6, 30), "interval", False, False, "15 June 1960 – June 1960"),
    ("1961-06-04/1961-06-04", D(1961, 6, 4), D(1961, 6, 4), "interval", False, False, "4 June 1961 – 4 June 1961"),
    ("0001", D(1, 1, 1), D(1, 12, 31), "year", False, False, "1"),
    ("9999-12-31", D(9999, 12, 31), D(9999, 12, 31), "day", False, False, "31 December 9999"),
]


@pytest.mark.parametrize(("text", "start", "end", "precision", "approx", "uncertain", "shown"), FORMS)
def test_accepted_forms(text, start, end, precision, approx, uncertain, shown):
    d = parse(text)
    # `start`/`end` are the dates callers stored before the day numbers (date.min/max for open or unknown ends)
    assert (d.text, d.start, d.end, d.precision, d.approximate, d.uncertain) == (
        text, start, end, precision, approx, uncertain)
    assert (d.start_day, d.end_day) == (
        None if start == MIN and "/" in text else start.toordinal(),
        None if end == MAX and "/" in text else end.toordinal())
    assert display(d) == shown
    assert display(text) == shown
    assert is_valid(text)


def test_surrounding_whitespace_is_stripped():
    assert parse("  1956\n") == parse("1956")
    assert parse("\t1957/.. ").text == "1957/.."


def test_a_year_is_never_shown_as_a_day_or_month():
    for text in ("1956", "1956?", "1956~", "1960-XX", "1960-XX-XX", "1954/1956", "1957/..", "../1948"):
        assert re.fullmatch(r"[a-z. ?–]*\d{4}[a-z. ?–]*(\d{4}\??)?", display(text)), display(text)


def test_qualifiers_do_not_widen_bounds():
    for q in "?~%":
        assert (parse("1956" + q).start, parse("1956" + q).end) == (parse("1956").start, parse("1956").end)


def test_edtfdate_is_frozen():
    d = parse("1956")
    with pytest.raises(AttributeError):
        d.text = "1957"  # type: ignore[misc]


# -------------------------------------------------------------------------------------- leap years


@pytest.mark.parametrize(
    ("text", "last"),
    [("1960-02", 29), ("1961-02", 28), ("1900-02", 28), ("2000-02", 29), ("1600-02", 29), ("1700-02", 28)],
)
def test_february_length_follows_leap_years(text, last):
    assert parse(text).end == D(int(text[:4]), 2, last)


def test_leap_day():
    assert parse("1960-02-29").start == D(1960, 2, 29)
    assert parse("2000-02-29").precision == "day"
    with pytest.raises(DateError, match="not a leap year"):
        parse("1961-02-29")
    with pytest.raises(DateError, match="not a leap year"):
        parse("1900-02-29")


# ---------------------------------------------------------------------------------------- refusals

REFUSALS = [
    # text, words the reason must contain
    ("1961-13-45", "month 13 does not exist"),
    ("1961-02-30", "February 1961 has 28 days"),
    ("1960-02-30", "February 1960 has 29 days"),
    ("1961-04-31", "April 1961 has 30 days"),
    ("1961-06-00", "day 00 does not exist"),
    ("1961-06-32", "day 32 does not exist"),
    ("1961-00", "month 00 does not exist"),
    ("1961-20", "month 20 does not exist"),
    ("1961-25", "season 25 is EDTF level 2"),
    ("June", "month names are not accepted"),
    ("June 1960", "month names are not accepted"),
    ("mid-October 1959", "month names are not accepted"),
    ("61", "four digits"),
    ("961", "four digits"),
    ("10000", "after 9999"),
    ("1961-6-4", "two digits"),
    ("1961-06-4", "two digits"),
    ("", "empty"),
    ("   ", "empty"),
    ("1961/1962/1963", "exactly one '/'"),
    ("1961??", "one qualifier at most"),
    ("1961?~", "one qualifier at most"),
    ("?1961", "only at the end"),
    ("1961?-06", "only at the end"),
    ("junk", "letters"),
    ("abc-de", "letters"),
    ("19 61", "space"),
    ("1961-06 -04", "space"),
    ("196x", "capital X"),
    ("1960-xx", "capital X"),
    ("1XXX", "last one or two digits"),
    ("XXXX", "last one or two digits"),
    ("1X6X", "last one or two digits"),
    ("196X-06", "level 2"),
    ("19XX-XX", "level 2"),
    ("1960-0X", "two digits or XX"),
    ("1960-06-0X", "two digits or XX"),
    ("1960-XX-04", "month is unknown"),
    ("1960-21-01", "season"),
    ("1961-06-04T10:00", "times of day"),
    ("1961-06-04-01", "too many parts"),
    ("1962/1960", "ends (1960) before it starts (1962)"),
    ("1961-06-04/1961-06-01", "before it starts"),
    ("1961/1961-13", "its end '1961-13'"),
    ("1961-02-29/1962", "its start '1961-02-29'"),
    ("/", "at least one date"),
    ("../..", "at least one date"),
    ("../", "at least one date"),
    ("/..", "at least one date"),
    ("..", "open end"),
    ("1961/...", "not a date"),
    ("1961.06.04", "not in a recognised form"),
    ("٢٠٢٠", "not in a recognised form"),  # Arabic-Indic digits: int() would take them, EDTF does not
]


@pytest.mark.parametrize(("text", "reason"), REFUSALS)
def test_refusals_quote_the_input_give_the_reason_and_the_forms(text, reason):
    with pytest.raises(DateError) as caught:
        parse(text)
    message = str(caught.value)
    assert f"{text.strip()!r} is not a valid date" in message
    assert reason in message
    assert message.endswith(ACCEPTED_FORMS)
    for form in ("1961-06-04", "1960-06", "1956", "1959-10~", "1961?", "196X", "1954/1956", "1957/..", "../1948"):
        assert form in message
    assert not is_valid(text)
    with pytest.raises(DateError):
        display(text)


def test_the_documented_example_message():
    with pytest.raises(DateError) as caught:
        parse("1961-13-45")
    assert str(caught.value) == (
        "'1961-13-45' is not a valid date: month 13 does not exist. Accepted forms (EDTF): 1961-06-04 (day), "
        "1960-06 (month), 1956 (year), 1959-10~ (approximate), 1961? (uncertain), 1961-06-04% (both), "
        "196X (decade), 1954/1956 (interval), 1957/.. (open end), ../1948 (open start), 1957/ (end unknown), "
        "1960-21 (spring), -0043-03-15 (44 BC), Y170000002 (a year beyond 9999), 1985-04-12T23:20:30Z (with a "
        "time of day)"
    )


def test_date_error_is_a_value_error_and_a_user_error():
    from relations_db.errors import UserError

    assert issubclass(DateError, ValueError)
    assert issubclass(DateError, UserError)


def test_non_text_is_refused_with_date_error():
    with pytest.raises(DateError):
        parse(1956)  # type: ignore[arg-type]
    assert not is_valid(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- sorting and filters


def test_sort_key_orders_by_start_then_end():
    texts = ["1957/..", "1956", "1956-06", "1956-06-04", "196X", "../1948", "1956-21"]
    ordered = [d.text for d in sorted(map(parse, texts), key=sort_key)]
    assert ordered == ["../1948", "1956", "1956-21", "1956-06", "1956-06-04", "1957/..", "196X"]
    assert sort_key(parse("1956")) == (D(1956, 1, 1).toordinal(), D(1956, 12, 31).toordinal())


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("1956", 1956, True),
        ("1955-12-31", 1956, False),
        ("1955-24", 1956, True),  # winter 1955–56 reaches into 1956
        ("1954/1956", 1955, True),
        ("1957/..", 1956, False),
        ("1957/..", 2020, True),
        ("../1948", 1948, True),
        ("../1948", 1949, False),
        ("195X", 1956, True),
        ("196X", 1956, False),
    ],
)
def test_overlaps_a_year(text, year, expected):
    assert overlaps(parse(text), *year_bounds(year)) is expected


def test_overlaps_a_range_is_inclusive_at_both_ends():
    assert overlaps(parse("1955-12-31"), D(1955, 12, 31), D(1957, 1, 1))
    assert overlaps(parse("1957-01-01"), D(1955, 12, 31), D(1957, 1, 1))
    assert not overlaps(parse("1957-01-02"), D(1955, 12, 31), D(1957, 1, 1))


def test_year_bounds():
    assert year_bounds(1956) == (D(1956, 1, 1), D(1956, 12, 31))
    assert year_bounds(1) == (D(1, 1, 1), D(1, 12, 31))
    for bad in (0, 10000, -5, True, "1956"):
        with pytest.raises(DateError):
            year_bounds(bad)  # type: ignore[arg-type]


def test_parse_year():
    assert parse_year("1956") == 1956
    assert parse_year(" 1956 ") == 1956
    assert parse_year("0061") == 61
    assert parse_year("9999") == 9999


@pytest.mark.parametrize("text", ["19x0", "61", "1956.0", "10000", "", "1956?", "٢٠٢٠"])
def test_parse_year_refuses(text):
    with pytest.raises(DateError) as caught:
        parse_year(text)
    assert str(caught.value) == f"{text!r} is not a year: give four digits, e.g. 1960"


# ------------------------------------------------------------------------------------------ properties

DAYS = st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31))
QUALIFIER = st.sampled_from(["", "?", "~", "%"])


def _coarsen(day: date, form: str) -> str | None:
    """An EDTF date of the given form that contains `day`, or None if there is none in 0001–9999."""
    y, m = day.year, day.month
    if form == "day":
        return day.isoformat()
    if form == "month":
        return f"{y:04d}-{m:02d}"
    if form == "month-xx":
        return f"{y:04d}-{m:02d}-XX"
    if form == "year":
        return f"{y:04d}"
    if form == "year-xx":
        return f"{y:04d}-XX"
    if form == "year-xx-xx":
        return f"{y:04d}-XX-XX"
    if form == "decade":
        return f"{y // 10:03d}X" if y >= 10 else None
    if form == "century":
        return f"{y // 100:02d}XX" if y >= 100 else None
    if form == "season":
        if m in (1, 2):  # January and February belong to the winter that began the December before
            return f"{y - 1:04d}-24" if y > 1 else None
        if m == 12 and y == 9999:  # winter 9999 would end in the year 10000
            return None
        return f"{y:04d}-{20 + (m - 3) // 3 + 1}"
    raise AssertionError(form)


FORM_NAMES = ["day", "month", "month-xx", "year", "year-xx", "year-xx-xx", "decade", "century", "season"]


@st.composite
def single_dates(draw, day=None) -> str:
    day = draw(DAYS) if day is None else day
    text = _coarsen(day, draw(st.sampled_from(FORM_NAMES))) or day.isoformat()
    return text + draw(QUALIFIER)


@st.composite
def edtf_strings(draw) -> str:
    """Any valid level 0–1 string: a single date, or an interval whose ends contain two ordered days."""
    if draw(st.booleans()):
        return draw(single_dates())
    a, b = sorted([draw(DAYS), draw(DAYS)])
    left, right = draw(single_dates(a)), draw(single_dates(b))
    # Coarsening only widens each side, so the start of `left` stays before the end of `right`.
    match draw(st.sampled_from(["both", "open-end", "open-start", "unknown-end", "unknown-start"])):
        case "open-end":
            right = ".."
        case "open-start":
            left = ".."
        case "unknown-end":
            right = ""
        case "unknown-start":
            left = ""
    return f"{left}/{right}"


_MONTH = "(January|February|March|April|May|June|July|August|September|October|November|December)"
# What each precision may look like when displayed: nothing finer than the precision ever appears.
SHAPES = {
    "day": rf"\d{{1,2}} {_MONTH} \d{{1,4}}",
    "month": rf"{_MONTH} \d{{1,4}}",
    "season": r"(spring|summer|autumn) \d{1,4}|winter \d{1,4}–\d{2,4}",
    "year": r"\d{1,4}",
    "decade": r"\d{1,4}0s|\d{1,4}00–\d{1,4}09",
    "century": r"\d{1,2}00s",
}


def _shape(precision: str) -> str:
    return rf"(c\. )?({SHAPES[precision]})\??"


@given(edtf_strings())
@example("1957/")
@example("1961-06-04/1962")
def test_display_never_shows_more_precision_than_the_date_has(text):
    """Each date displays in its precision's shape; an interval shows each end in its own shape."""
    d = parse(text)
    shown = display(d)
    if d.precision != "interval":
        assert re.fullmatch(_shape(d.precision), shown), (text, shown)
        return
    left, right = (parse(side) if side not in ("", "..") else side for side in text.split("/"))
    ends = [_shape(e.precision) if isinstance(e, EDTFDate) else None for e in (left, right)]
    allowed = []
    if right == "..":
        allowed = [rf"from {ends[0]}"]
    elif left == "..":
        allowed = [rf"until {ends[1]}"]
    elif left == "":
        allowed = [rf"start unknown – {ends[1]}"]
    elif right == "":
        allowed = [rf"{ends[0]} – end unknown"]
    else:
        a, b = ends
        allowed = [rf"{a}–{b}", rf"{a} – {b}"]
    assert any(re.fullmatch(pattern, shown) for pattern in allowed), (text, shown)


@given(DAYS, DAYS)
def test_day_order_is_sort_order(a, b):
    if a < b:
        assert sort_key(parse(a.isoformat())) < sort_key(parse(b.isoformat()))
    elif a == b:
        assert parse(a.isoformat()) == parse(b.isoformat())


@given(DAYS)
def test_a_day_is_exactly_itself_and_inside_its_month_year_and_coarser_forms(day):
    d = parse(day.isoformat())
    assert (d.start, d.end, d.precision) == (day, day, "day")
    month, year = parse(day.isoformat()[:7]), parse(day.isoformat()[:4])
    assert year.start <= month.start <= d.start <= d.end <= month.end <= year.end
    for form in FORM_NAMES:
        coarse = _coarsen(day, form)
        if coarse is not None:
            wider = parse(coarse)
            assert wider.start <= day <= wider.end, coarse


@given(DAYS)
def test_a_month_is_inside_its_year(day):
    month = parse(day.isoformat()[:7])
    year = parse(day.isoformat()[:4])
    assert year.start <= month.start <= month.end <= year.end
    assert month.start.day == 1
    assert month.end == D(9999, 12, 31) or (month.end + timedelta(days=1)).day == 1


@given(st.text())
@example("1961-06-04\x00")
@example("1961-06-04\n1962")
def test_any_text_parses_or_raises_date_error(text):
    try:
        d = parse(text)
    except DateError as error:
        assert repr(text.strip()) in str(error)
        assert not is_valid(text)
    else:
        assert sort_key(d)[0] <= sort_key(d)[1]  # the bounds are day numbers: BC dates have no datetime.date
        assert is_valid(text)


@given(st.text(alphabet="0123456789-X?~%/. x"))
def test_edtf_like_text_parses_or_raises_date_error(text):
    try:
        d = parse(text)
    except DateError:
        return
    assert sort_key(d)[0] <= sort_key(d)[1]
    assert parse(d.text) == d
    display(d)


def _year_option(text: str) -> int | None:
    """What `parse_year` should make of `text`: its documented forms, written out independently."""
    if re.fullmatch(r"[0-9]{4}", text):
        return int(text)
    if re.fullmatch(r"-[0-9]{1,9}", text) and int(text) != 0:
        return int(text)
    if re.fullmatch(r"Y-?[1-9][0-9]{4,8}", text):
        return int(text[1:])
    if re.fullmatch(r"[1-9][0-9]{0,8} ?(BC|BCE)", text, re.IGNORECASE):
        return 1 - int(re.match(r"[0-9]+", text)[0])  # type: ignore[index]
    return None


@given(st.one_of(st.text(), st.text(alphabet="0123456789-Y BCEbce")))
@example("-43")
@example("44 BC")
@example("0000")
@example("-0")
@example("Y10000")
def test_parse_year_takes_only_its_forms(text):
    """Four digits (never fewer: `61` is refused), a deliberate minus, a Y-year or a year BC; nothing else."""
    expected = _year_option(text.strip())
    try:
        year = parse_year(text)
    except DateError:
        assert expected is None
    else:
        assert year == expected


@pytest.mark.parametrize(("text", "year"), [
    ("-43", -43), ("-0043", -43), ("44BC", -43), ("44 BC", -43), ("44 bce", -43), ("1 BC", 0), ("0000", 0),
    ("-1956", -1956), ("Y170000002", 170000002), ("Y-170000002", -170000002), ("-999999999", -999999999),
])
def test_parse_year_takes_years_before_christ_and_beyond_9999(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize("text", ["-0", "-0000", "0 BC", "Y2001", "Y-0043", "-1000000000", "44 B.C.", "+1956"])
def test_parse_year_refuses_the_other_forms(text):
    with pytest.raises(DateError, match="is not a year"):
        parse_year(text)


# ------------------------------------------------------------- BC, Y-years, times of day, unknown ends

NEW_FORMS = [
    # text, start (ISO), end (ISO), precision, approximate, uncertain, start kind, end kind, display
    ("-0043-03-15", "-0043-03-15", "-0043-03-15", "day", False, False, None, None, "15 March 44 BC"),
    ("-0043-03", "-0043-03-01", "-0043-03-31", "month", False, False, None, None, "March 44 BC"),
    ("-0500", "-0500-01-01", "-0500-12-31", "year", False, False, None, None, "501 BC"),
    ("0000", "0000-01-01", "0000-12-31", "year", False, False, None, None, "1 BC"),
    ("0000-02", "0000-02-01", "0000-02-29", "month", False, False, None, None, "February 1 BC"),  # leap year
    ("-0044-02-29", "-0044-02-29", "-0044-02-29", "day", False, False, None, None, "29 February 45 BC"),
    ("-0275~", "-0275-01-01", "-0275-12-31", "year", True, False, None, None, "c. 276 BC"),
    ("-01XX", "-0199-01-01", "-0100-12-31", "century", False, False, None, None, "200–101 BC"),
    ("-019X", "-0199-01-01", "-0190-12-31", "decade", False, False, None, None, "200–191 BC"),
    ("000X", "0000-01-01", "0009-12-31", "decade", False, False, None, None, "1 BC – AD 9"),
    ("00XX", "0000-01-01", "0099-12-31", "century", False, False, None, None, "1 BC – AD 99"),
    ("-0043-21", "-0043-03-01", "-0043-05-31", "season", False, False, None, None, "spring 44 BC"),
    ("-0044-24", "-0044-12-01", "-0043-02-28", "season", False, False, None, None, "winter 45–44 BC"),
    ("0000-24", "0000-12-01", "0001-02-28", "season", False, False, None, None, "winter 1 BC – AD 1"),
    ("9999-24", "9999-12-01", "+10000-02-29", "season", False, False, None, None, "winter 9999–10,000"),
    ("Y170000002", "+170000002-01-01", "+170000002-12-31", "year", False, False, None, None, "170,000,002"),
    ("Y-170000002", "-170000002-01-01", "-170000002-12-31", "year", False, False, None, None,
     "170,000,003 BC"),
    ("Y10000~", "+10000-01-01", "+10000-12-31", "year", True, False, None, None, "c. 10,000"),
    ("Y-999999999", "-999999999-01-01", "-999999999-12-31", "year", False, False, None, None,
     "1,000,000,000 BC"),
    ("1985-04-12T23:20:30", "1985-04-12", "1985-04-12", "second", False, False, None, None,
     "12 April 1985, 23:20:30"),
    ("1985-04-12T23:20:30Z", "1985-04-12", "1985-04-12", "second", False, False, None, None,
     "12 April 1985, 23:20:30 UTC"),
    ("1985-04-12T23:20:30-04", "1985-04-12", "1985-04-12", "second", False, False, None, None,
     "12 April 1985, 23:20:30 UTC-04"),
    ("1985-04-12T23:20:30+04:30", "1985-04-12", "1985-04-12", "second", False, False, None, None,
     "12 April 1985, 23:20:30 UTC+04:30"),
    ("1985-04-12T00:30:00+14:00", "1985-04-12", "1985-04-12", "second", False, False, None, None,
     "12 April 1985, 00:30:00 UTC+14:00"),  # the day as written, whatever the offset
    ("1985-04-12T24:00:00", "1985-04-12", "1985-04-12", "second", False, False, None, None,
     "12 April 1985, 24:00:00"),
    ("-0043-03-15T11:00:00", "-0043-03-15", "-0043-03-15", "second", False, False, None, None,
     "15 March 44 BC, 11:00:00"),
    ("1955/", "1955-01-01", None, "interval", False, False, None, "unknown", "1955 – end unknown"),
    ("/1955", None, "1955-12-31", "interval", False, False, "unknown", None, "start unknown – 1955"),
    ("1955/..", "1955-01-01", None, "interval", False, False, None, "open", "from 1955"),
    ("../1955", None, "1955-12-31", "interval", False, False, "open", None, "until 1955"),
    ("1984-06-02?/", "1984-06-02", None, "interval", False, True, None, "unknown", "2 June 1984? – end unknown"),
    ("/1955~", None, "1955-12-31", "interval", True, False, "unknown", None, "start unknown – c. 1955"),
    ("-0043/0014", "-0043-01-01", "0014-12-31", "interval", False, False, None, None, "44 BC – AD 14"),
    ("-0050/-0040", "-0050-01-01", "-0040-12-31", "interval", False, False, None, None, "51 BC – 41 BC"),
    ("-2005/-1999-02", "-2005-01-01", "-1999-02-28", "interval", False, False, None, None,
     "2006 BC – February 2000 BC"),
    ("Y-170000002/-0043", "-170000002-01-01", "-0043-12-31", "interval", False, False, None, None,
     "170,000,003 BC – 44 BC"),
    ("-0043-03-15/..", "-0043-03-15", None, "interval", False, False, None, "open", "from 15 March 44 BC"),
]


@pytest.mark.parametrize(
    ("text", "start", "end", "precision", "approx", "uncertain", "start_kind", "end_kind", "shown"), NEW_FORMS)
def test_forms_beyond_the_years_1_to_9999(text, start, end, precision, approx, uncertain, start_kind, end_kind,
                                          shown):
    d = parse(text)
    assert (d.start_iso, d.end_iso, d.precision, d.approximate, d.uncertain) == (
        start, end, precision, approx, uncertain)
    assert (d.start_kind, d.end_kind) == (start_kind, end_kind)
    assert d.start_day == (None if start is None else _day_of(start))
    assert d.end_day == (None if end is None else _day_of(end))
    assert display(d) == display(text) == shown
    assert parse(d.text) == d and is_valid(text)


def _day_of(iso: str) -> int:
    """The day number of an ISO day with an expanded year, through `day_number` (tested on its own below)."""
    sign = -1 if iso[0] == "-" else 1
    y, m, d = iso.lstrip("+-").split("-")
    return day_number(sign * int(y), int(m), int(d))


def test_open_and_unknown_ends_are_told_apart_and_have_no_day():
    unknown, opened = parse("1955/"), parse("1955/..")
    assert unknown.end_day is None and opened.end_day is None
    assert (unknown.end_kind, opened.end_kind) == ("unknown", "open")
    assert unknown != opened
    # no sentinel day: an event dated 9999 or 0001 is not open-ended
    assert parse("9999").end_day == date(9999, 12, 31).toordinal() and parse("9999").end_kind is None
    assert parse("0001").start_day == 1 and parse("0001").start_kind is None


def test_the_datetime_dates_of_the_old_callers_stay_as_they_were():
    """`start`/`end` keep their dates (date.min/max for open or unknown ends) until the schema stores days;
    a day outside 0001–9999 is refused there with a DateError, not a crash."""
    assert (parse("1957/").start, parse("1957/").end) == (D(1957, 1, 1), MAX)
    assert (parse("../1948").start, parse("../1948").end) == (MIN, D(1948, 12, 31))
    assert parse("1985-04-12T23:20:30Z").start == D(1985, 4, 12)
    for text in ("-0043-03-15", "0000", "Y170000002", "9999-24", "-0043/1956"):
        d = parse(text)
        with pytest.raises(DateError, match="cannot be stored yet"):
            (d.start, d.end)  # noqa: B018 - the attribute access is what is tested


def test_sort_key_orders_across_the_era_boundary():
    texts = ["0001", "-0043-03-15", "0000", "Y-170000002", "-0044", "Y170000002", "../-0100", "-0043-03-15/"]
    ordered = [d.text for d in sorted(map(parse, texts), key=sort_key)]
    assert ordered == ["../-0100", "Y-170000002", "-0044", "-0043-03-15", "-0043-03-15/", "0000", "0001",
                       "Y170000002"]


def test_overlaps_takes_day_numbers_and_open_limits():
    caesar = parse("-0043-03-15")
    assert overlaps(caesar, *year_days(-43))
    assert not overlaps(caesar, *year_days(-42))
    assert overlaps(caesar, None, year_days(-43)[0] + 100)
    assert overlaps(parse("1955/"), *year_days(2500))  # an unknown end is unbounded for a filter
    assert overlaps(parse("/1955"), *year_days(-5000))
    assert not overlaps(parse("/1955"), *year_days(1956))


def test_year_days():
    assert year_days(1956) == (D(1956, 1, 1).toordinal(), D(1956, 12, 31).toordinal())
    assert year_days(0) == (-365, 0)
    assert year_days(-43) == (_day_of("-0043-01-01"), _day_of("-0043-12-31"))
    for bad in (1_000_000_000, -1_000_000_000, True, "1956"):
        with pytest.raises(DateError):
            year_days(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "reason"), [
    ("-0000", "1 BC is written 0000"),
    ("-0000-01-01", "1 BC is written 0000"),
    ("Y2001", "five digits or more"),
    ("Y09999", "five digits or more"),
    ("Y1000000000", "±999,999,999"),
    ("Y-1000000000", "±999,999,999"),
    ("Y" + "9" * 5000, "±999,999,999"),  # before int(), which refuses 4300 digits and more
    ("Y170000002-01", "a year only"),
    ("y170000002", "capital Y"),
    ("-10000", "Y-10000"),
    ("1985-04-12T25:00:00", "hour 25 does not exist"),
    ("1985-04-12T23:60:00", "minute 60 does not exist"),
    ("1985-04-12T23:20:60", "second 60 does not exist"),
    ("1985-04-12T23:20:30+15", "offset +15 does not exist"),
    ("1985-04-12T23:20:30+04:60", "offset +04:60 does not exist"),
    ("1985-04-12T23:20", "times of day"),
    ("1985-04-12T23:20:30.5", "times of day"),
    ("1985-04T23:20:30", "times of day"),
    ("1985-04-XXT23:20:30", "a time of day follows a full date"),
    ("1985-04-12T23:20:30Z~", "no qualifier"),
    ("1985-04-12T23:20:30/1985-04-13", "ends of an interval are dates"),
    ("1985/1985-04-12T23:20:30", "ends of an interval are dates"),
    ("-0040/-0050", "ends (51 BC) before it starts (41 BC)"),
])
def test_refusals_of_the_new_forms(text, reason):
    with pytest.raises(DateError) as caught:
        parse(text)
    assert f"{text!r} is not a valid date" in str(caught.value) and reason in str(caught.value)
    assert str(caught.value).endswith(ACCEPTED_FORMS)


def test_calendar_examples():
    assert day_number(1, 1, 1) == 1 and day_number(0, 12, 31) == 0 and day_number(0, 1, 1) == -365
    assert from_day_number(0) == (0, 12, 31) and from_day_number(-365) == (0, 1, 1)
    assert iso_day(day_number(-43, 3, 15)) == "-0043-03-15"
    assert iso_day(day_number(10000, 1, 1)) == "+10000-01-01"
    assert iso_day(day_number(-170000002, 12, 31)) == "-170000002-12-31"
    assert (iso_day(MIN_DAY), iso_day(MAX_DAY)) == ("-999999999-01-01", "+999999999-12-31")
    assert [is_leap(y) for y in (0, -4, -100, -400, 1900, 2000, -1)] == [True, True, False, True, False, True,
                                                                         False]
    assert (era_year(-43), era_year(0), era_year(14, ad=True), era_year(170000002)) == (
        "44 BC", "1 BC", "AD 14", "170,000,002")
    with pytest.raises(ValueError):
        day_number(1961, 2, 29)


# ------------------------------------------------------------------------- properties over every year

YEARS = st.integers(MIN_YEAR, MAX_YEAR)
FOUR_DIGIT_YEARS = st.integers(-9999, 9999)


@st.composite
def calendar_days(draw, years=YEARS) -> tuple[int, int, int]:
    y = draw(years)
    m = draw(st.integers(1, 12))
    return y, m, draw(st.integers(1, month_length(y, m)))


@given(calendar_days())
@example((MIN_YEAR, 1, 1))
@example((MAX_YEAR, 12, 31))
@example((0, 2, 29))
@example((-1, 12, 31))
def test_day_numbers_round_trip(ymd):
    assert from_day_number(day_number(*ymd)) == ymd


@given(st.integers(MIN_DAY - 1000, MAX_DAY + 1000))
def test_every_day_number_is_a_calendar_day(n):
    assert day_number(*from_day_number(n)) == n


@given(calendar_days(), calendar_days())
def test_day_numbers_order_as_calendar_days(a, b):
    assert (a < b) == (day_number(*a) < day_number(*b))
    assert (a == b) == (day_number(*a) == day_number(*b))


@given(calendar_days())
def test_the_next_day_is_the_next_number(ymd):
    y, m, d = ymd
    following = (y, m, d + 1) if d < month_length(y, m) else (y, m + 1, 1) if m < 12 else (y + 1, 1, 1)
    assert from_day_number(day_number(y, m, d) + 1) == following


@given(DAYS)
def test_day_numbers_are_python_ordinals(day):
    assert day_number(day.year, day.month, day.day) == day.toordinal()
    assert iso_day(day.toordinal()) == day.isoformat()


def _year4(y: int) -> str:
    return f"{y:04d}" if y >= 0 else f"-{-y:04d}"


def _coarsen_any(y: int, m: int, d: int, form: str) -> str | None:
    """An EDTF date of the given form, in any four-digit year (BC too), that contains the day y-m-d."""
    simple = {"day": f"{_year4(y)}-{m:02d}-{d:02d}", "month": f"{_year4(y)}-{m:02d}", "year": _year4(y),
              "month-xx": f"{_year4(y)}-{m:02d}-XX", "year-xx": f"{_year4(y)}-XX",
              "time": f"{_year4(y)}-{m:02d}-{d:02d}T12:34:56Z"}
    if form in simple:
        return simple[form]
    sign = "-" if y < 0 else ""
    if form == "decade":
        return f"{sign}{abs(y) // 10:03d}X"
    if form == "century":
        return f"{sign}{abs(y) // 100:02d}XX"
    if m in (1, 2):  # season: January and February belong to the winter that began the December before
        return f"{_year4(y - 1)}-24" if y > -9999 else None
    return f"{_year4(y)}-{20 + (m - 3) // 3 + 1}"


ANY_FORMS = ["day", "month", "year", "month-xx", "year-xx", "time", "decade", "century", "season"]


@st.composite
def dated_texts(draw, day=None) -> tuple[str, tuple[int, int, int]]:
    """An EDTF date in any year (four digits, or a Y-year) with a day it contains."""
    if day is None:
        day = draw(st.one_of(calendar_days(FOUR_DIGIT_YEARS), calendar_days(YEARS)))
    y, m, d = day
    if abs(y) > 9999:
        return f"Y{y}" + draw(QUALIFIER), day
    form = draw(st.sampled_from(ANY_FORMS))
    text = _coarsen_any(y, m, d, form) or f"{_year4(y)}-{m:02d}-{d:02d}"
    return text + ("" if form == "time" else draw(QUALIFIER)), day


@given(dated_texts())
def test_a_date_in_any_year_contains_its_day_and_reads_back(pair):
    text, day = pair
    d = parse(text)
    assert d.start_day is not None and d.end_day is not None
    assert d.start_day <= day_number(*day) <= d.end_day
    assert parse(d.text) == d
    shown = display(d)
    assert ("BC" in shown) == (d.start_day <= 0) or d.precision in ("decade", "century")


@given(dated_texts(), dated_texts(), st.sampled_from(["both", "open-end", "open-start", "unknown-end",
                                                       "unknown-start"]))
def test_intervals_in_any_years(a, b, ends):
    (left, day_a), (right, day_b) = sorted([a, b], key=lambda pair: pair[1])
    left, right = left.split("T")[0], right.split("T")[0]  # an interval's ends are dates
    text = {"both": f"{left}/{right}", "open-end": f"{left}/..", "open-start": f"../{right}",
            "unknown-end": f"{left}/", "unknown-start": f"/{right}"}[ends]
    try:
        d = parse(text)
    except DateError as error:  # two coarsened ends may be ordered the wrong way round (winter vs year)
        assert "before it starts" in str(error)
        return
    assert sort_key(d)[0] <= sort_key(d)[1]
    assert (d.start_day is None) == ends.endswith("start") and (d.end_day is None) == ends.endswith("end")
    assert parse(d.text) == d
    display(d)


@given(calendar_days(FOUR_DIGIT_YEARS), calendar_days(FOUR_DIGIT_YEARS))
def test_day_order_is_sort_order_in_any_year(a, b):
    da, db = (parse(f"{_year4(y)}-{m:02d}-{d:02d}") for y, m, d in (a, b))
    assert (a < b) == (sort_key(da) < sort_key(db))


@given(st.text(alphabet="0123456789-X?~%/.Y:TZ+ES[]{},x"))
@example("Y" + "1" * 5000)
@example("-" + "1" * 5000)
def test_any_edtf_like_text_parses_or_raises_date_error(text):
    try:
        d = parse(text)
    except DateError:
        return
    assert sort_key(d)[0] <= sort_key(d)[1]
    assert parse(d.text) == d
    display(d)


@given(st.integers(1000, 9999), st.integers(0, 13), st.integers(0, 32), st.sampled_from(["y", "ym", "ymd"]))
@example(1960, 2, 29, "ymd")
@example(1961, 2, 29, "ymd")
@example(2000, 2, 29, "ymd")
def test_a_plain_date_reads_as_the_parser_reads_it(year, month, day, form):
    """`display` reads a plain year, month or day without the parser (the CSV export renders every distinct
    date): it must answer what the parser's rendering answers, and refuse what the parser refuses."""
    from relations_db.domain.dates import _checked, shown

    text = {"y": f"{year}", "ym": f"{year}-{month:02d}", "ymd": f"{year}-{month:02d}-{day:02d}"}[form]
    try:
        _, parsed = _checked(text)
    except DateError:
        with pytest.raises(DateError):
            display(text)
        return
    assert display(text) == shown(parsed)  # type: ignore[arg-type]
