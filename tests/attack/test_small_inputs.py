"""Issue 19, items 4 and 11 (the reader's bounds and the smaller refusals): each a one-line message, exit 1, on
both backends, and nothing written by a refused write."""

from __future__ import annotations

import json

import pytest

EVENT = ["add", "event", "--date", "1962-01", "--title", "Albania draws closer to China", "--type", "diplomatic",
         "--actor", "albania", "--source", "lala-2014", "--locator", "p. 343", "--quote", "turned to China"]


def _refused(result, words: str) -> None:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr, result.stderr


def _count(cli, url) -> int:
    return len(json.loads(cli(url, "events", "--format", "json").stdout))


@pytest.mark.parametrize("words", [200, 1000])
def test_a_long_search_is_refused_with_a_message(cli, seeded_url, words):
    text = " ".join(f"word{n}" for n in range(words))
    _refused(cli(seeded_url, "events", "--search", text), "at most 64 words")
    _refused(cli(seeded_url, "search", text), "at most 64 words")


def test_a_search_of_64_words_runs(cli, seeded_url):
    # 64 words, each a name with other spellings on PostgreSQL's tsquery: built flat, not nested 64 deep.
    text = " ".join(["albania", "vlora", "khrushchev", "hoxha"] * 16)
    result = cli(seeded_url, "events", "--search", text)
    assert result.exit_code == 0, result.stderr


def test_the_postgresql_query_of_many_words_compiles(seeded_url):
    from sqlalchemy.dialects import postgresql

    from relations_db.domain.search_query import Query, Term
    from relations_db.read.fulltext import pg_tsquery

    many = Query([[Term((f"w{n}",)), Term((f"x{n}", f"y{n}"))] for n in range(2000)])
    compiled = pg_tsquery(many).compile(dialect=postgresql.dialect())  # (one flat text: no nesting to recurse)
    assert "to_tsquery" in str(compiled) and len(compiled.params) == 1


@pytest.mark.parametrize("limit", ["9223372036854775808", "99999999999999999999999"])
def test_a_limit_beyond_64_bits_is_refused(cli, seeded_url, limit):
    _refused(cli(seeded_url, "events", "--limit", limit), "--limit")
    _refused(cli(seeded_url, "search", "albania", "--limit", limit), "--limit")


def test_the_largest_limit_is_taken(cli, seeded_url):
    assert cli(seeded_url, "events", "--limit", "9223372036854775807").exit_code == 0


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_search_is_refused_like_a_blank_one(cli, seeded_url, text):
    _refused(cli(seeded_url, "events", "--search", text), "nothing to search for")


def test_an_all_digit_slug_is_refused(cli, seeded_url):
    before = _count(cli, seeded_url)
    _refused(cli(seeded_url, *EVENT, "--slug", "12"), "not digits alone")
    assert _count(cli, seeded_url) == before


@pytest.mark.parametrize("actor", [":", "-", " : "])
def test_an_actor_named_by_punctuation_alone_is_refused(cli, seeded_url, actor):
    before = _count(cli, seeded_url)
    _refused(cli(seeded_url, *EVENT[:-8], "--actor", actor, "--new-actor", "person", *EVENT[-6:]),
             "NAME or NAME:ROLE")
    assert _count(cli, seeded_url) == before
    _refused(cli(seeded_url, "add", "actor", actor, "--kind", "person"), "names nothing")


def test_a_citation_quoted_in_its_own_source_is_refused(cli, seeded_url):
    before = _count(cli, seeded_url)
    _refused(cli(seeded_url, *EVENT, "--cited-in", "lala-2014"), "its own source")
    assert _count(cli, seeded_url) == before


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder holding a seeded database, mounted read-only (a bind mount: even root cannot write there);
    skipped where mounting is not allowed."""
    import shutil
    import subprocess

    from relations_db.formats.seed.apply import load_default_seed
    from relations_db.store import db

    source, mounted = tmp_path / "source", tmp_path / "mounted"
    source.mkdir()
    mounted.mkdir()
    engine = db.make_engine(f"sqlite:///{source / 't.db'}")
    db.set_up_if_empty(engine, load_default_seed)
    engine.dispose()
    for extra in source.glob("t.db-*"):
        extra.unlink()
    if not shutil.which("mount") or subprocess.run(["mount", "--bind", str(source), str(mounted)],
                                                   capture_output=True).returncode:
        pytest.skip("cannot bind-mount a folder here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], capture_output=True).returncode:
            pytest.skip("cannot remount a folder read-only here")
        yield mounted
    finally:
        subprocess.run(["umount", str(mounted)], capture_output=True)


def test_a_read_from_a_read_only_folder_says_so(cli, read_only_folder):
    for args in (["events"], ["show", "1"], ["db", "current"]):
        result = cli(str(read_only_folder / "t.db"), *args)
        _refused(result, "is read-only")
        assert "readonly database" not in result.stderr and "unable to open" not in result.stderr
