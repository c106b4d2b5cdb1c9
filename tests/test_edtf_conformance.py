"""Conformance with the EDTF specification (Library of Congress, 2019-02-04), with python-edtf as an oracle.

The examples are those of the specification's feature tables for levels 0, 1 and 2, and the level 0–1
strings of python-edtf's test suite (`edtf/parser/tests.py`, release 5). The specification's page could
not be fetched whole while these tests were written: its examples are written out from the specification
as published, checked against python-edtf's test suite (which lists them) and against the excerpts of the
page that could be read. Every expected bound is written by hand as ISO 8601 text (years expanded: -0043,
+170000002), never computed by the code under test; "open" and "unknown" mark an end without a day.

python-edtf (PyPI `edtf`, in the `test` extra) is the oracle: where both accept a string, the bounds agree,
except for the deliberate differences listed in DIFFERENT_BOUNDS (and in docs/dates.md), each with its
reason; and the strings only one of the two accepts are listed too, so that the tables stay complete.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relations_db.domain.dates import ACCEPTED_FORMS, DateError, parse
from relations_db.domain.edtf_calendar import day_number, month_length

# ------------------------------------------------------------------------------------------ level 0

LEVEL_0 = [
    # Date
    ("1985-04-12", "1985-04-12", "1985-04-12"),
    ("1985-04", "1985-04-01", "1985-04-30"),
    ("1985", "1985-01-01", "1985-12-31"),
    # Date and time: the day as written is the bound, whatever the offset
    ("1985-04-12T23:20:30", "1985-04-12", "1985-04-12"),
    ("1985-04-12T23:20:30Z", "1985-04-12", "1985-04-12"),
    ("1985-04-12T23:20:30-04", "1985-04-12", "1985-04-12"),
    ("1985-04-12T23:20:30+04:30", "1985-04-12", "1985-04-12"),
    # Time interval
    ("1964/2008", "1964-01-01", "2008-12-31"),
    ("2004-06/2006-08", "2004-06-01", "2006-08-31"),
    ("2004-02-01/2005-02-08", "2004-02-01", "2005-02-08"),
    ("2004-02-01/2005-02", "2004-02-01", "2005-02-28"),
    ("2004-02-01/2005", "2004-02-01", "2005-12-31"),
    ("2005/2006-02", "2005-01-01", "2006-02-28"),
]

# ------------------------------------------------------------------------------------------ level 1

LEVEL_1 = [
    # Letter-prefixed calendar year
    ("Y170000002", "+170000002-01-01", "+170000002-12-31"),
    ("Y-170000002", "-170000002-01-01", "-170000002-12-31"),
    # Seasons (meteorological, northern hemisphere)
    ("2001-21", "2001-03-01", "2001-05-31"),
    # Qualification of a date (complete)
    ("1984?", "1984-01-01", "1984-12-31"),
    ("2004-06~", "2004-06-01", "2004-06-30"),
    ("2004-06-11%", "2004-06-11", "2004-06-11"),
    # Unspecified digit(s) from the right
    ("201X", "2010-01-01", "2019-12-31"),
    ("20XX", "2000-01-01", "2099-12-31"),
    ("2004-XX", "2004-01-01", "2004-12-31"),
    ("1985-04-XX", "1985-04-01", "1985-04-30"),
    ("1985-XX-XX", "1985-01-01", "1985-12-31"),
    # Extended interval: open ends
    ("1985-04-12/..", "1985-04-12", "open"),
    ("1985-04/..", "1985-04-01", "open"),
    ("1985/..", "1985-01-01", "open"),
    ("../1985-04-12", "open", "1985-04-12"),
    ("../1985-04", "open", "1985-04-30"),
    ("../1985", "open", "1985-12-31"),
    # Extended interval: unknown ends
    ("1985-04-12/", "1985-04-12", "unknown"),
    ("1985-04/", "1985-04-01", "unknown"),
    ("1985/", "1985-01-01", "unknown"),
    ("/1985-04-12", "unknown", "1985-04-12"),
    ("/1985-04", "unknown", "1985-04-30"),
    ("/1985", "unknown", "1985-12-31"),
    # Negative calendar year
    ("-1985", "-1985-01-01", "-1985-12-31"),
]

# The level 0–1 strings of python-edtf's test suite that the specification's tables do not list.
PYTHON_EDTF_LEVEL_0_1 = [
    ("2001-02-03", "2001-02-03", "2001-02-03"),
    ("2008-12", "2008-12-01", "2008-12-31"),
    ("2008", "2008-01-01", "2008-12-31"),
    ("-0999", "-0999-01-01", "-0999-12-31"),
    ("0000", "0000-01-01", "0000-12-31"),
    ("2001-02-03T09:30:01", "2001-02-03", "2001-02-03"),
    ("2004-01-01T10:10:10Z", "2004-01-01", "2004-01-01"),
    ("2004-01-01T10:10:10+05:00", "2004-01-01", "2004-01-01"),
    ("-2005/-1999-02", "-2005-01-01", "-1999-02-28"),
    ("2004-06-11?", "2004-06-11", "2004-06-11"),
    ("2004-06?", "2004-06-01", "2004-06-30"),
    ("1984~", "1984-01-01", "1984-12-31"),
    ("1984%", "1984-01-01", "1984-12-31"),
    ("199X", "1990-01-01", "1999-12-31"),
    ("19XX", "1900-01-01", "1999-12-31"),
    ("1999-XX", "1999-01-01", "1999-12-31"),
    ("1999-01-XX", "1999-01-01", "1999-01-31"),
    ("1999-XX-XX", "1999-01-01", "1999-12-31"),
    ("-01XX", "-0199-01-01", "-0100-12-31"),
    ("-0275~", "-0275-01-01", "-0275-12-31"),
    ("-0001~", "-0001-01-01", "-0001-12-31"),
    ("0000~", "0000-01-01", "0000-12-31"),
    ("16XX~", "1600-01-01", "1699-12-31"),
    ("16XX%", "1600-01-01", "1699-12-31"),
    ("156X~", "1560-01-01", "1569-12-31"),
    ("-01XX~", "-0199-01-01", "-0100-12-31"),
    ("/2006", "unknown", "2006-12-31"),
    ("2004-06-01/", "2004-06-01", "unknown"),
    ("../2006", "open", "2006-12-31"),
    ("2004-01-01/..", "2004-01-01", "open"),
    ("1984~/2004-06", "1984-01-01", "2004-06-30"),
    ("1984/2004-06~", "1984-01-01", "2004-06-30"),
    ("1984?/2004%", "1984-01-01", "2004-12-31"),
    ("1984~/2004~", "1984-01-01", "2004-12-31"),
    ("1984-06?/2004-08?", "1984-06-01", "2004-08-31"),
    ("1984-06-02?/2004-08-08~", "1984-06-02", "2004-08-08"),
    ("1984-06-02?/", "1984-06-02", "unknown"),
    ("2003-22", "2003-06-01", "2003-08-31"),
    ("2000-23", "2000-09-01", "2000-11-30"),
    ("2010-24", "2010-12-01", "2011-02-28"),
]

# What a historian of antiquity writes, and the edges of the calendar: not in either list, as careful.
MORE = [
    ("-0043-03-15", "-0043-03-15", "-0043-03-15"),
    ("-0043-03-15T11:00:00", "-0043-03-15", "-0043-03-15"),
    ("-0043/0014", "-0043-01-01", "0014-12-31"),
    ("-0044-02-29", "-0044-02-29", "-0044-02-29"),
    ("0000-02", "0000-02-01", "0000-02-29"),
    ("-0043-21", "-0043-03-01", "-0043-05-31"),
    ("-0044-24", "-0044-12-01", "-0043-02-28"),
    ("0000-24", "0000-12-01", "0001-02-28"),
    ("1999-24", "1999-12-01", "2000-02-29"),
    ("-019X", "-0199-01-01", "-0190-12-31"),
    ("-000X", "-0009-01-01", "0000-12-31"),
    ("-00XX", "-0099-01-01", "0000-12-31"),
    ("000X", "0000-01-01", "0009-12-31"),
    ("Y10000", "+10000-01-01", "+10000-12-31"),
    ("Y-999999999", "-999999999-01-01", "-999999999-12-31"),
    ("Y999999999", "+999999999-01-01", "+999999999-12-31"),
    ("../-0100", "open", "-0100-12-31"),
    ("/1955~", "unknown", "1955-12-31"),
    ("1955~/", "1955-01-01", "unknown"),
    ("1985-04-12T00:30:00+14:00", "1985-04-12", "1985-04-12"),
    ("1985-04-12T23:59:59-12:00", "1985-04-12", "1985-04-12"),
    ("1985-04-12T24:00:00", "1985-04-12", "1985-04-12"),
    ("1985-04-12T23:20:30+00", "1985-04-12", "1985-04-12"),
    ("1985-04-12T23:20:30+00:00", "1985-04-12", "1985-04-12"),
    ("1960-21?", "1960-03-01", "1960-05-31"),
    ("196X~", "1960-01-01", "1969-12-31"),
    ("Y10000~", "+10000-01-01", "+10000-12-31"),
    ("-0043-XX", "-0043-01-01", "-0043-12-31"),
    ("-0043-02-XX", "-0043-02-01", "-0043-02-28"),
]

EXAMPLES = LEVEL_0 + LEVEL_1 + PYTHON_EDTF_LEVEL_0_1 + MORE


def _day(iso: str) -> int:
    sign = -1 if iso[0] == "-" else 1
    y, m, d = iso.lstrip("+-").split("-")
    return day_number(sign * int(y), int(m), int(d))


@pytest.mark.parametrize(("text", "start", "end"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_every_level_0_and_1_example_has_its_bounds(text, start, end):
    d = parse(text)
    for value, iso, day, kind in ((start, d.start_iso, d.start_day, d.start_kind),
                                  (end, d.end_iso, d.end_day, d.end_kind)):
        if value in ("open", "unknown"):
            assert (iso, day, kind) == (None, None, value)
        else:
            assert (iso, day, kind) == (value, _day(value), None)


def test_the_example_lists_are_complete():
    """Level 0 and level 1 as the specification lists them: 13 and 24 examples; python-edtf adds 40 (and the
    two of ONLY_PYTHON_EDTF with three X digits)."""
    assert (len(LEVEL_0), len(LEVEL_1), len(PYTHON_EDTF_LEVEL_0_1)) == (13, 24, 40)
    assert len({e[0] for e in EXAMPLES}) == len(EXAMPLES)


# ------------------------------------------------------------------------------------------ level 2

# Every level-2 example of the specification and of python-edtf's tests, with the words that name its feature.
LEVEL_2 = [
    # Exponential year
    ("Y-17E7", "exponential years"),
    ("Y17E7", "exponential years"),
    # Significant digits
    ("1950S2", "significant digits"),
    ("1953S2", "significant digits"),
    ("1953S3", "significant digits"),
    ("Y171010000S3", "significant digits"),
    ("Y3388E2S3", "exponential years"),
    ("Y17101E4S3", "exponential years"),
    # Sub-year groupings (seasons 25–41)
    ("2001-34", "sub-year grouping 34"),
    ("2001-29", "season 29"),
    ("1950-25", "season 25"),
    ("2001-41", "sub-year grouping 41"),
    # Set representation
    ("[1667,1668,1670..1672]", "sets of dates"),
    ("[..1760-12-03]", "sets of dates"),
    ("[1760-12..]", "sets of dates"),
    ("[1760-01,1760-02,1760-12..]", "sets of dates"),
    ("[1667,1760-12]", "sets of dates"),
    ("[..1984]", "sets of dates"),
    ("{1667,1668,1670..1672}", "sets of dates"),
    ("{1960,1961-12}", "sets of dates"),
    ("{..1984}", "sets of dates"),
    ("[1667, 1668, 1670..1672]", "sets of dates"),
    ("{1960, 1961-12}", "sets of dates"),
    # Qualification of a part of a date (group or individual component)
    ("2004-06~-11", "a qualifier on one part of a date"),
    ("2004?-06-11", "a qualifier on one part of a date"),
    ("?2004-06-~11", "a qualifier on one part of a date"),
    ("2004-%06-11", "a qualifier on one part of a date"),
    ("2004-06-~11", "a qualifier on one part of a date"),
    ("2004-%06", "a qualifier on one part of a date"),
    ("2004-?06-?11", "a qualifier on one part of a date"),
    ("2004?-06-~11", "a qualifier on one part of a date"),
    ("?2004-%06", "a qualifier on one part of a date"),
    ("2004?-%06", "a qualifier on one part of a date"),
    ("2004?-~06-~04", "a qualifier on one part of a date"),
    ("2011-~06-~04", "a qualifier on one part of a date"),
    # Unspecified digits elsewhere than at the right
    ("156X-12-25", "a month or day after a year with X digits"),
    ("15XX-12-25", "a month or day after a year with X digits"),
    ("XXXX-12-XX", "a month or day after a year with X digits"),
    ("1XXX-XX", "a month or day after a year with X digits"),
    ("1XXX-12", "a month or day after a year with X digits"),
    ("15XX-12-XX", "a month or day after a year with X digits"),
    ("XXXX-XX-23", "a month or day after a year with X digits"),
    ("1984-1X", "one X, as in 1984-1X"),
    ("1560-XX-25", "1560-XX-25 is EDTF level 2"),
    ("1XXX", "more, as in 1XXX"),
    ("1XXX~", "more, as in 1XXX"),
    # Level-2 interval
    ("2004-06-~01/2004-06-~20", "a qualifier on one part of a date"),
]

# Level-2 examples accepted on purpose (docs/dates.md): their meaning is plain level 1.
LEVEL_2_ACCEPTED = [
    # Listed under level 2's group qualification, but it is level 1's qualification of a complete date.
    ("2004-06-11%", "2004-06-11", "2004-06-11"),
    # An interval whose start has an unspecified day: each end is a level-1 date, and the tool has always
    # accepted any of its dates on either side of an interval (196X/1975).
    ("2004-06-XX/2004-07-03", "2004-06-01", "2004-07-03"),
]


@pytest.mark.parametrize(("text", "feature"), LEVEL_2, ids=[e[0] for e in LEVEL_2])
def test_every_level_2_example_is_refused_naming_its_feature(text, feature):
    with pytest.raises(DateError) as caught:
        parse(text)
    message = str(caught.value)
    assert message.startswith(f"{text!r} is not a valid date: ")
    assert feature in message and "EDTF level 2, not supported" in message
    assert message.endswith(ACCEPTED_FORMS)


@pytest.mark.parametrize(("text", "start", "end"), LEVEL_2_ACCEPTED)
def test_the_level_2_examples_accepted_on_purpose(text, start, end):
    d = parse(text)
    assert (d.start_iso, d.end_iso) == (start, end)


# python-edtf's strings that are not EDTF at any level.
NOT_EDTF = ["", "not a edtf string", "Y17E7-12-26", "2016-13-08", "2016-02-39", "-0000-01-01", "2004-(06)?-11",
            "2004-06-(11)~", "2004-(06)%", "2004-(06-11)?", "2004?-06-(11)~", "(2004-(06)~)?", "(2004)?-06-04~",
            "(2011)-06-04~", "2011-(06-04)~", "2004-06-(01)~/2004-06-(20)~"]


@pytest.mark.parametrize("text", NOT_EDTF)
def test_what_is_no_edtf_at_all_is_refused(text):
    with pytest.raises(DateError, match="is not a valid date"):
        parse(text)


# ------------------------------------------------------------------------------- python-edtf as oracle

# Where python-edtf and this module both accept a string and give other bounds, on purpose.
UNKNOWN_END = ("an unknown end: python-edtf puts it 10 years from the known end; here it has no day "
               "(end kind 'unknown'), because nobody knows it, and a filter treats it as unbounded")
WINTER = ("a winter: python-edtf ends it on 31 December; here it runs to the end of February (meteorological "
          "winter, December to February)")
BACKWARDS = ("a year before 0 with an unspecified month or day: python-edtf 5.0 gives it bounds that run "
             "backwards (-0043-XX from -0043-12-01 to -0043-01-31), a bug; here it is the whole year or month")
DIFFERENT_BOUNDS = {
    "-0043-XX": BACKWARDS,
    "-0043-02-XX": BACKWARDS,
    **{text: UNKNOWN_END for text in ("1985-04-12/", "1985-04/", "1985/", "/1985-04-12", "/1985-04", "/1985",
                                      "/2006", "2004-06-01/", "1984-06-02?/", "/1955~", "1955~/")},
    **{text: WINTER for text in ("2010-24", "-0044-24", "0000-24", "1999-24")},
}
# Strings python-edtf accepts and this module refuses, on purpose.
ONLY_PYTHON_EDTF = {
    "1XXX": "three unspecified digits of a year: level 1 allows one or two (201X, 20XX); more is level 2",
    "1XXX~": "three unspecified digits of a year (see 1XXX)",
    "2004-06~-11": "python-edtf parses qualifiers on a part of a date (level 2); refused here",
    "156X-12-25": "python-edtf parses unspecified digits inside a date (level 2); refused here",
}
# Strings this module accepts and python-edtf refuses, on purpose.
ONLY_HERE = {
    "1960-21?": "a qualified season: here any single date takes a qualifier (a historian writes 'spring 1960?')",
    "Y10000~": "a qualified Y-year: a Y-year is a date, and level 1 qualifies dates",
    "1985-04-12T23:20:30+00": "the offset +00: ISO 8601 allows ±hh for every offset up to 14 hours, zero too",
    "1985-04-12T23:20:30+00:00": "the offset +00:00 (as +00)",
}


def _python_edtf_bounds(text: str) -> tuple[object, object] | None:
    """python-edtf's strict bounds as (year, month, day) or ±inf, or None if it refuses `text`."""
    from edtf import parse_edtf  # the oracle: PyPI `edtf`, in the `test` extra

    try:
        parsed = parse_edtf(text)
    except Exception:  # EDTFParseException, and an AttributeError for some intervals of X dates (1960-XX/1970)
        return None

    def ymd(value: object) -> object:
        return value if isinstance(value, float) else (value.tm_year, value.tm_mon, value.tm_mday)  # type: ignore[attr-defined]

    return ymd(parsed.lower_strict()), ymd(parsed.upper_strict())


def _bounds(text: str) -> tuple[object, object]:
    """This module's bounds in python-edtf's terms: an open end is ±inf; an unknown end stays 'unknown'."""
    d = parse(text)
    start = d.start_kind or _ymd(d.start_iso)
    end = d.end_kind or _ymd(d.end_iso)
    return (float("-inf") if start == "open" else start), (float("inf") if end == "open" else end)


def _ymd(iso: str | None) -> tuple[int, int, int]:
    assert iso is not None
    sign = -1 if iso[0] == "-" else 1
    y, m, d = iso.lstrip("+-").split("-")
    return sign * int(y), int(m), int(d)


ORACLE_CASES = [e[0] for e in EXAMPLES + LEVEL_2_ACCEPTED] + list(ONLY_PYTHON_EDTF)


@pytest.mark.parametrize("text", ORACLE_CASES)
def test_python_edtf_agrees_except_where_documented(text):
    theirs = _python_edtf_bounds(text)
    try:
        ours = _bounds(text)
    except DateError:
        assert text in ONLY_PYTHON_EDTF and theirs is not None, f"{text!r}: refused here, accepted by python-edtf"
        return
    if theirs is None:
        assert text in ONLY_HERE, f"{text!r}: python-edtf refuses it; add it to ONLY_HERE with the reason"
        return
    if text in DIFFERENT_BOUNDS:
        assert ours != theirs, f"{text!r} is listed as a difference but the bounds agree"
    else:
        assert ours == theirs


def test_the_difference_tables_name_only_examples():
    assert set(DIFFERENT_BOUNDS) | set(ONLY_HERE) <= set(ORACLE_CASES)


@st.composite
def _four_digit_days(draw) -> tuple[int, int, int]:
    y, m = draw(st.integers(-9999, 9999)), draw(st.integers(1, 12))
    return y, m, draw(st.integers(1, month_length(y, m)))


@st.composite
def single_dates(draw) -> str:
    """Single dates of every level-1 form python-edtf takes, in any four-digit year (BC too), winters aside."""
    y, m, d = draw(_four_digit_days())
    year = f"{y:04d}" if y >= 0 else f"-{-y:04d}"
    sign = "-" if y < 0 else ""
    dates = [f"{year}-{m:02d}-{d:02d}", f"{year}-{m:02d}", year, f"{year}-XX", f"{year}-{m:02d}-XX",
             f"{year}-XX-XX", f"{sign}{abs(y) // 10:03d}X", f"{sign}{abs(y) // 100:02d}XX"]
    kind = draw(st.sampled_from(["date", "time", "season"]))
    if kind == "time":  # python-edtf qualifies neither date-times nor seasons
        return f"{year}-{m:02d}-{d:02d}T{d % 24:02d}:{m:02d}:{d:02d}Z"
    if kind == "season":
        return f"{year}-{draw(st.sampled_from([21, 22, 23]))}"
    text = draw(st.sampled_from(dates))
    qualify = draw(st.booleans())
    return text + (draw(st.sampled_from("?~%")) if qualify else "")


@settings(deadline=None)  # python-edtf's parser builds its grammar on first use
@given(single_dates(), single_dates(), st.sampled_from(["single", "interval", "open", "unknown"]))
def test_python_edtf_agrees_on_generated_dates(a, b, shape):
    if shape == "interval":
        text = f"{a.split('T')[0]}/{b.split('T')[0]}"  # an interval's ends are dates: drop the times
    elif shape == "open":
        text = f"{a.split('T')[0]}/.."
    elif shape == "unknown":
        text = f"/{a.split('T')[0]}"
    else:
        text = a
    theirs = _python_edtf_bounds(text)
    try:
        ours = _bounds(text)
    except DateError as error:
        assert "before it starts" in str(error)  # python-edtf does not check the order of an interval's ends
        return
    if theirs is None:
        return  # qualified seasons (ONLY_HERE)
    if any(re.fullmatch(r"-[0-9]{4}-.*XX.*", part) for part in text.split("/")):
        return  # BACKWARDS, as in DIFFERENT_BOUNDS
    if shape == "unknown":
        assert ours[0] == "unknown" and ours[1] == theirs[1]
    else:
        assert ours == theirs

