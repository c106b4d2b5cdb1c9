"""Issue 19, items 2, 4 (YAML) and 11 (YAML): a seed file's text is stored as written, and a hostile one is a
message, never a traceback, a silent change or unbounded work; nothing is written on refusal."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from write_sample import counts

from relations_db.errors import ValidationError

HEAD = """\
format: relations-db/seed 2
sources:
  - key: lala-2014
    kind: article
    author: Lala, Brisejda
    title: Disruption of Albanian-Soviet Relations
    year: 2014
events:
"""


def event(title: str = "Khrushchev visits Albania", summary: str = "A visit.", quote: str = "he came",
          extra: str = "") -> str:
    return f"""\
  - slug: e1
    date: 1959-05
    title: {title}
    summary: {summary}
    type: visit
    tone: 7
{extra}    citations:
      - source: lala-2014
        locator: p. 341
        quote: {quote}
        confidence: 3
"""


def load(engine, text: str):
    from relations_db.formats.seed.apply import load_seed_text
    from relations_db.store import db

    with db.session_scope(engine, write=True) as session:
        return load_seed_text(session, text)


def stored(engine) -> tuple[str, str | None, str | None, int, int]:
    from sqlalchemy import select

    from relations_db.store import db
    from relations_db.store.models import Citation, Event

    with db.session_scope(engine) as session:
        e = session.scalars(select(Event)).one()
        c = session.scalars(select(Citation)).one()
        return e.title, e.summary, c.quote, e.tone, c.confidence


@pytest.mark.parametrize(("title", "summary", "quote", "expected"), [
    ("yes", "no", "on", ("yes", "no", "on")),
    ("1961", "off", "true", ("1961", "off", "true")),
    ("1.0e+3", "NO", "Yes", ("1.0e+3", "NO", "Yes")),
    ("0x1F", "1_000", "0o17", ("0x1F", "1_000", "0o17")),
    ("2001-09-11", "12:30:00", ".inf", ("2001-09-11", "12:30:00", ".inf")),
])
def test_yaml_scalars_are_stored_as_written(engine, title, summary, quote, expected):
    load(engine, HEAD + event(title, summary, quote))
    assert stored(engine) == (*expected, 7, 3)


def test_numbers_only_where_the_format_has_them(engine):
    """tone, confidence and a source's year are numbers (quoted or not); a tone of `yes` or 1.5 is refused."""
    load(engine, HEAD.replace("year: 2014", "year: '2014'") + event().replace("tone: 7", "tone: '-3'"))
    assert stored(engine)[3:] == (-3, 3)
    before = counts(engine)
    for bad in ("tone: yes", "tone: 1.5", "tone: 1e1", "tone: 0x5"):
        with pytest.raises(ValidationError, match="tone"):
            load(engine, HEAD + event().replace("tone: 7", bad))
    assert counts(engine) == before


@pytest.mark.parametrize("body", [
    '  - slug: e1\n    title: "\\ud800"\n',
    '  - {"\\udfff": 1}\n',
    "  - ? [a, b]\n    : 1\n",
    "  - ? {a: 1}\n    : 1\n",
    "  - !!python/object/apply:os.system [echo hi]\n",
    "  - !!binary aGVsbG8=\n",
    "  - title: x\n    title: y\n",
    "  - &a x\n  - *a\n",
    "  - \x07\n",
])
def test_hostile_yaml_is_a_located_message(engine, body):
    before = counts(engine)
    with pytest.raises(ValidationError) as caught:
        load(engine, HEAD + body)
    assert "line" in str(caught.value) or caught.value.problems
    assert counts(engine) == before


@pytest.mark.parametrize("depth", [6, 2_000, 100_000])
def test_deep_nesting_is_refused_early(engine, depth):
    before = counts(engine)
    started = time.perf_counter()
    block = min(depth, 2_000)  # (indented lines: 100,000 levels would be a 10 GB file)
    for text in (f"format: relations-db/seed 2\nevents: {'[' * depth}{']' * depth}\n",
                 "format: relations-db/seed 2\nevents:\n" + "".join("  " * i + "- \n" for i in range(block))):
        with pytest.raises(ValidationError, match="nested deeper"):
            load(engine, text)
    assert time.perf_counter() - started < 5
    assert counts(engine) == before


def test_a_seed_file_at_the_deepest_the_format_goes_loads(engine):
    load(engine, HEAD + event(extra="    meeting: {format: visit, outcome: friendly words}\n").replace(
        "  - slug: e1\n", "  - slug: e1\n    kind: meeting\n"))
    assert stored(engine)[0] == "Khrushchev visits Albania"


def _cli(url: str, *args: str, tmp, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tmp), "TMPDIR": str(tmp)}
    return subprocess.run([sys.executable, "-m", "relations_db", "--db", url, *args], env=env, capture_output=True,
                          timeout=120, **kwargs)


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_an_endless_input_is_refused_by_the_bytes_read(db_url, tmp_path, fmt):
    """/dev/zero has no size to ask for: the 50 MiB limit is counted as the file is read (and a pipe too)."""
    assert _cli(db_url, "db", "upgrade", tmp=tmp_path).returncode == 0
    started = time.perf_counter()
    proc = _cli(db_url, "import", "/dev/zero", "--format", fmt, tmp=tmp_path)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert b"50 MiB" in proc.stderr or b"52,428,800 characters" in proc.stderr
    assert time.perf_counter() - started < 60
    big = b"format: relations-db/seed 2\n" + b"# padding\n" * (6 * 1024 * 1024)
    proc = _cli(db_url, "import", "/dev/stdin", "--format", "yaml", tmp=tmp_path, input=big)
    assert proc.returncode == 1 and b"50 MiB" in proc.stderr, proc.stderr[-2000:]


def test_a_yaml_import_from_a_pipe_stores_text_as_written(db_url, tmp_path):
    assert _cli(db_url, "db", "upgrade", tmp=tmp_path).returncode == 0
    proc = _cli(db_url, "import", "/dev/stdin", "--format", "yaml", tmp=tmp_path,
                input=(HEAD + event("1961", "no", "on")).encode())
    assert proc.returncode == 0, proc.stderr
    shown = _cli(db_url, "show", "e1", tmp=tmp_path).stdout.decode()
    assert shown.startswith("1961\n") and "Summary:    no" in shown and "“on”" in shown
