"""Issue 19: the importers fuzzed. Whatever a YAML or CSV file holds — random text, seed-shaped documents with
adversarial values, deep nesting, long cells — `import` ends with exit 0, or 1/2 with an "Error:" message and
no traceback; and a refused file changes no table."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from write_sample import counts

# Values that have broken or bent importers: YAML's implicit types, escapes, tags, anchors, controls, bidi
# overrides, formula starts, separators of the CSV's list cells.
NASTY = ["yes", "no", "on", "off", "~", "null", "1961", "1.0e+3", "0x1F", ".nan", "2001-09-11", "12:30", "'",
         "''=x", "'=x", "=1+1", "@x", "-", "+", "\"\\ud800\"", "\"\\udfff x\"", "\"\\x00\"", "\"\\e[2J\"", "[a, b]",
         "{a: 1}", "? [a, b]", "&a x", "*a", "!!python/object/apply:os.system [id]", "!!binary aGk=", "|-\n  x",
         ">\n  x", "\u202e", "\u2066x", "\x85", "\u2028", "a; b", "a:b; :", ":", "; ;", "#", "- x", "%YAML 1.1",
         "---", "...", "\t", " ", ""]

text_value = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                       st.integers(0, 300_000).map(lambda n: "x" * n))


def nested(depth: int, flow: bool) -> str:
    return "[" * depth + "]" * depth if flow else "".join("  " * i + "- \n" for i in range(min(depth, 300)))


@st.composite
def seed_documents(draw) -> str:
    value = draw(st.lists(text_value, min_size=8, max_size=8))
    scalars = [json.dumps(v) if draw(st.booleans()) else v for v in value]
    body = (f"format: relations-db/seed 2\nsources:\n  - key: {scalars[0]}\n    kind: book\n    title: {scalars[1]}\n"
            f"    year: {scalars[2]}\nevents:\n  - slug: {scalars[3]}\n    date: {scalars[4]}\n"
            f"    title: {scalars[5]}\n    type: visit\n    tone: {scalars[6]}\n    citations:\n"
            f"      - source: {scalars[0]}\n        quote: {scalars[7]}\n")
    if draw(st.booleans()):
        body += f"  - {nested(draw(st.integers(1, 3000)), draw(st.booleans()))}\n"
    return body


@st.composite
def csv_documents(draw) -> str:
    rows = draw(st.lists(st.lists(text_value, min_size=0, max_size=10), max_size=4))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    if draw(st.booleans()):
        writer.writerow(["date", "start", "end", "title", "type", "place", "actors", "sources", "summary"])
    for row in rows:
        if len(row) == 9 and draw(st.booleans()):
            row[0], row[4], row[7] = "1960-05", "visit", "Lala 2014"
        writer.writerow(row)
    return out.getvalue() + draw(st.sampled_from(["", "\"unclosed", "\x00", "a,\"b\"c"]))


def _check(cli, engine, db_url, path, text: str, fmt: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = counts(engine)
    result = cli(db_url, "import", str(path), "--format", fmt)  # (a traceback would raise here)
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code != 0:
        assert result.stderr.startswith("Error: "), result.stderr
        assert counts(engine) == before


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])


@pytest.fixture
def seeded(engine):
    from write_sample import load

    load(engine)
    return engine


@FUZZ
@given(text=st.one_of(seed_documents(), st.text(max_size=300)))
def test_yaml_import_never_ends_in_a_traceback(cli, seeded, db_url, tmp_path, text):
    _check(cli, seeded, db_url, tmp_path / "in.yaml", text, "yaml")


@FUZZ
@given(text=st.one_of(csv_documents(), st.text(max_size=300)))
def test_csv_import_never_ends_in_a_traceback(cli, seeded, db_url, tmp_path, text):
    _check(cli, seeded, db_url, tmp_path / "in.csv", text, "csv")
