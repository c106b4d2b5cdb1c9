"""`export --format html` in a real headless browser (Debian's chromium): the page loads with no console
error, shows every exported event, and filtering by actor (or year) hides exactly the others.

The browser is driven with `--dump-dom` (the DOM after the page's script has run) and its console read from
`--enable-logging=stderr`: page messages, uncaught exceptions and Content-Security-Policy violations (any
attempt to load something from outside the page) all appear there as CONSOLE lines. The filters are set
through the address (`page.html#actor=…`), which the page honours. SQLite only: the page does not depend on
the backend, and the queries behind it are tested on both elsewhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from relations_db.formats.seed.apply import load_seed_text
from relations_db.store import db

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no headless browser: install Debian's chromium "
                                                         "(apt-get install chromium); .ci/run does")


def browse(page: Path, fragment: str = "", tmp: Path | None = None) -> tuple[str, list[str]]:
    """The DOM after load and the page's console lines, for `page` opened at `#fragment`."""
    profile = (tmp or page.parent) / f"profile-{abs(hash(fragment))}"
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return result.stdout, console


class Page(HTMLParser):
    """What a reader sees: each event (slug → hidden?), the year headings, the status line, the options."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.events: dict[str, bool] = {}
        self.years: dict[str, bool] = {}
        self.options: dict[str, list[str]] = {}
        self.scripts = 0
        self.tags: set[str] = set()
        self._select: str | None = None
        self._status = False
        self.status = ""
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        classes = (a.get("class") or "").split()
        if tag == "li" and "event" in classes:
            self.events[a["data-slug"]] = "hidden" in a
        elif tag == "li" and "year" in classes:
            self.years[a["data-group"]] = "hidden" in a
        elif tag == "select":
            self._select = a["id"]
            self.options[self._select] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(a.get("value", ""))
        elif tag == "script":
            self.scripts += 1
        elif tag == "p" and a.get("id") == "status":
            self._status = True

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "p":
            self._status = False

    def handle_data(self, data):
        if self._status:
            self.status += data

    def shown(self) -> list[str]:
        return [slug for slug, hidden in self.events.items() if not hidden]


@pytest.fixture
def seed_page(cli, tmp_path, seeded_url):
    """The seed's chronology exported as HTML through the command line, and the database's URL."""
    url = seeded_url
    page = tmp_path / "chronology.html"
    result = cli(url, "export", "--format", "html", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    return url, page


def slugs(cli, url, *filters) -> list[str]:
    return [e["slug"] for e in json.loads(cli(url, "events", "--format", "json", *filters).stdout)]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_page_loads_cleanly_and_shows_every_event(cli, seed_page, tmp_path):
    url, page = seed_page
    dom, console = browse(page, tmp=tmp_path)
    assert console == []
    seen = Page(dom)
    everything = slugs(cli, url)
    assert len(everything) > 40
    assert list(seen.events) == everything  # every event, in date order
    assert seen.shown() == everything  # none hidden without a filter
    assert seen.status == f"{len(everything)} of {len(everything)} events shown"
    # The filter controls offer every actor of the export and every year.
    actors = {a["name"] for e in json.loads(cli(url, "events", "--format", "json").stdout) for a in e["actors"]}
    assert set(seen.options["f-actor"]) == actors | {""}
    assert {"1948", "1956", "1961"} <= set(seen.options["f-from"])
    # What a reader needs of each event is in the page: the date as written, roles, tone, quotations.
    text = page.read_text(encoding="utf-8")
    assert "3 December 1961" in text and "Nikita Khrushchev (guest)" in text and "tone -10 (hostile)" in text
    assert "printed as (Albanian Central Archive, 1949)" in text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_filtering_by_an_actor_hides_the_others(cli, seed_page, tmp_path):
    url, page = seed_page
    dom, console = browse(page, "actor=" + quote("Nikita Khrushchev"), tmp=tmp_path)
    assert console == []
    seen = Page(dom)
    wanted = slugs(cli, url, "--actor", "Nikita Khrushchev")
    assert 0 < len(wanted) < len(seen.events)
    assert seen.shown() == wanted
    assert all(hidden for slug, hidden in seen.events.items() if slug not in wanted)
    assert seen.status == f"{len(wanted)} of {len(seen.events)} events shown"
    # A year without any of his events loses its heading too.
    assert seen.years["1948"] is True and seen.years["1959"] is False


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_filtering_by_year_and_by_an_unknown_actor(cli, seed_page, tmp_path):
    url, page = seed_page
    dom, console = browse(page, "year=1960", tmp=tmp_path)
    assert console == []
    assert Page(dom).shown() == slugs(cli, url, "--year", "1960")
    dom, console = browse(page, "actor=Hoxha&from=1955&to=1957", tmp=tmp_path)  # not a canonical name
    assert console == []
    seen = Page(dom)
    assert seen.shown() == [] and "no event here involves “Hoxha”" in seen.status
    dom, _ = browse(page, "actor=enver%20hoxha&from=1955&to=1957", tmp=tmp_path)  # any case
    assert Page(dom).shown() == slugs(cli, url, "--actor", "Enver Hoxha", "--from", "1955", "--to", "1957")


NASTY = textwrap.dedent("""\
    format: relations-db/seed 1
    sources:
      - {key: src-1, kind: book, author: "O'Brien & <Sons>", title: "</title><script>window.x=1</script>", year: 1990}
    actors:
      - {name: "Dr <b>Evil</b> \\"&\\" Co", kind: person}
      - {name: Plain Actor, kind: person}
    events:
      - slug: e1-nasty
        date: 1960-06
        title: "<script>document.title='pwned'</script> & <img src=x onerror=alert(1)>"
        summary: "He said \\"</p><p id=status>hacked\\" — and left."
        type: "<i>visit</i>"
        tone: -3
        participants: [{actor: "Dr <b>Evil</b> \\"&\\" Co", role: "<u>host</u>"}]
        citations:
          - {source: src-1, quote: "</blockquote><script>alert(2)</script>", cited_as: "(O'Brien, 1990)",
             note: "<!-- comment -->"}
      - slug: e2-plain
        date: "1961"
        title: A plain event
        type: visit
        participants: [{actor: Plain Actor, role: guest}]
        citations: [{source: src-1, quote: plain}]
""")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_text_is_escaped(cli, db_url, engine, tmp_path):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, NASTY)
    page = tmp_path / "nasty.html"
    assert cli(db_url, "export", "--format", "html", "-o", str(page)).exit_code == 0
    nasty_actor = 'Dr <b>Evil</b> "&" Co'
    dom, console = browse(page, "actor=" + quote(nasty_actor), tmp=tmp_path)
    assert console == []
    seen = Page(dom)
    assert seen.events == {"e1-nasty": False, "e2-plain": True}  # the actor's name round-trips through JSON
    assert seen.scripts == 1 and not {"img", "b", "i", "u"} & seen.tags
    assert seen.status == "1 of 2 events shown"
    assert nasty_actor in seen.options["f-actor"]
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "<title>Chronology</title>" in dom


def test_the_page_is_self_contained():
    import html
    import io

    from relations_db.formats.html import CSP, write_html

    out = io.StringIO()
    assert write_html([], out) == 0
    page = out.getvalue()
    assert not re.search(r"\b(src|href)\s*=|<link|@import|url\(", page)
    assert "default-src 'none'" in CSP and html.escape(CSP) in page
    assert "No events." in page


def test_the_harness_sees_console_errors(tmp_path):
    """The checks above can fail: a script error and a blocked request both reach the console lines."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                    'script-src \'unsafe-inline\'"><title>x</title><script>undefinedFunction();</script>'
                    '<img src="http://example.invalid/x.png">', encoding="utf-8")
    _, console = browse(page, tmp=tmp_path)
    assert any("Uncaught ReferenceError" in line for line in console)
    assert any("Content Security Policy" in line for line in console)


ERAS = textwrap.dedent("""\
    format: relations-db/seed 2
    sources:
      - {key: src-1, kind: book, author: A, title: T, year: 1990}
    actors:
      - {name: Rome, kind: state}
    events:
      - {slug: ides-of-march, date: "-0043-03-15", title: Caesar is murdered, type: assassination,
         participants: [{actor: Rome, role: party}], citations: [{source: src-1, quote: q}]}
      - {slug: one-bc, date: "0000", title: The year before the first, type: other,
         participants: [{actor: Rome, role: party}], citations: [{source: src-1, quote: q}]}
      - {slug: ad-one, date: "0001", title: The first year, type: other,
         participants: [{actor: Rome, role: party}], citations: [{source: src-1, quote: q}]}
      - {slug: the-break, date: 1961-12-03, title: The break, type: break,
         participants: [{actor: Rome, role: party}], citations: [{source: src-1, quote: q}]}
""")
FAR = ("  - {slug: far-future, date: Y170000002, title: Far ahead, type: other,\n"
       "     participants: [{actor: Rome, role: party}], citations: [{source: src-1, quote: q}]}\n")


def year_options(dom: str) -> dict[str, str]:
    """The `from` filter's options, value → the text a reader sees."""
    select = re.search(r'<select id="f-from">(.*?)</select>', dom, re.S)
    assert select is not None
    return dict(re.findall(r'<option value="([^"]*)">([^<]*)</option>', select[1]))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_year_filters_read_bc_years_as_integers_and_show_them_as_a_reader_writes_them(cli, db_url, engine,
                                                                                         tmp_path):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, ERAS)
    page = tmp_path / "eras.html"
    assert cli(db_url, "export", "--format", "html", "-o", str(page)).exit_code == 0
    dom, console = browse(page, tmp=tmp_path)
    assert console == []
    options = year_options(dom)
    # Every year from 44 BC to 1961, in order, valued as astronomical integers, labelled BC/AD as in `show`.
    assert list(options)[:4] == ["", "-43", "-42", "-41"] and list(options)[-1] == "1961"
    assert (options["-43"], options["0"], options["1"], options["1961"]) == ("44 BC", "1 BC", "1", "1961")
    assert Page(dom).years == {"-43": False, "0": False, "1": False, "1961": False}
    for fragment, wanted in [("from=-50&to=-40", ["ides-of-march"]), ("year=-43", ["ides-of-march"]),
                             ("year=44%20BC", ["ides-of-march"]),  # the year as the option shows it
                             ("from=0&to=1", ["one-bc", "ad-one"]), ("to=-1", ["ides-of-march"]),
                             ("from=-42", ["one-bc", "ad-one", "the-break"]),
                             ("from=-5000&to=-44", [])]:  # a year before every option still filters
        dom, console = browse(page, fragment, tmp=tmp_path)
        assert console == [], fragment
        seen = Page(dom)
        assert seen.shown() == wanted, fragment
        assert seen.status == f"{len(wanted)} of 4 events shown", fragment
        from_ = [e["slug"] for e in json.loads(cli(db_url, "events", "--format", "json", *(
            ["--year", "-43"] if fragment.startswith("year") else [])).stdout)]
        assert set(wanted) <= set(from_)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_y_year_beyond_what_a_javascript_date_holds_filters_too(cli, db_url, engine, tmp_path):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, ERAS + FAR)
    page = tmp_path / "far.html"
    assert cli(db_url, "export", "--format", "html", "-o", str(page)).exit_code == 0
    dom, console = browse(page, "from=100000000", tmp=tmp_path)
    assert console == []
    seen = Page(dom)
    assert seen.shown() == ["far-future"] and seen.status == "1 of 5 events shown"
    # (a JavaScript Date ends in the year 275,760: the page compares integers)
    options = year_options(dom)
    assert options["170000002"] == "170,000,002"
    # Only the years of events (not 170 million options), "all", and the option the page added for the address.
    assert set(options) == {"", "-43", "0", "1", "1961", "170000002", "100000000"}
    dom, _ = browse(page, "to=1961", tmp=tmp_path)
    assert "far-future" not in Page(dom).shown() and len(Page(dom).shown()) == 4


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_each_span_is_drawn_and_a_disputed_event_marks_both_dates(cli, seeded_url, tmp_path):
    """Issue 16: every event's earliest–latest span is placed on the page's scale, and an event whose sources
    disagree shows a mark for each date given (a fixture source dates the break 1959), titled so."""
    slug = "1961-12-03-soviet-union-breaks-relations"
    assert cli(seeded_url, "add", "source", "--key", "second-paper-2022", "--kind", "article", "--author",
               "Fixture, A.", "--year", "2022", "--title", "A second paper").exit_code == 0
    assert cli(seeded_url, "add", "claim", slug, "--date", "1959", "--source", "second-paper-2022").exit_code == 0
    page = tmp_path / "chronology.html"
    assert cli(seeded_url, "export", "--format", "html", "-o", str(page)).exit_code == 0
    dom, console = browse(page, tmp=tmp_path)
    assert console == []
    placed = re.compile(r'style="left: ([0-9.e-]+)%; width: ([0-9.e-]+)%;"')
    hulls = re.findall(r'<span class="hull"[^>]*>', dom)
    assert len(hulls) == len(Page(dom).events) and all(placed.search(h) for h in hulls)
    item = dom[dom.index(f'data-slug="{slug}"'):]
    item = item[:item.index("</li>")]
    marks = re.findall(r'<span class="mark"[^>]*>', item)
    assert len(marks) == 2 and all("sources disagree" in m for m in marks)
    (late, early) = [tuple(float(x) for x in placed.search(m).groups()) for m in marks]  # (1961-12-03, then 1959)
    assert early[0] + early[1] < late[0] <= 100  # 1959 ends before 3 December 1961 on the scale
    assert 'class="legend"' in dom and "a date a source gives where sources disagree" in dom
