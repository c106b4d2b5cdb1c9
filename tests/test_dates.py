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
