"""Fidelity of data/seed.yaml to the paper it extracts (Lala 2014).

These tests read only the seed file and the paper's text; of relations_db they import only the vocabulary and
the seed format's field lists (pure Python: no database, no YAML loader of ours).
Tests that compare the seed with the paper skip, with a stated reason, when the paper is not
found: at ../shared/paper/ beside the repository, or at the path in RELATIONS_DB_PAPER.
The full EDTF parser is tested elsewhere; here dates are only checked for shape and order.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from relations_db.domain import vocab
from relations_db.formats.seed import fields

HERE = Path(__file__).resolve()
SEED_PATH = HERE.parents[1] / "data" / "seed.yaml"
PAPER_NAME = "lala-2014-disruption-of-albanian-soviet-relations.txt"
DEFAULT_PAPER_PATH = HERE.parents[2] / "shared" / "paper" / PAPER_NAME
PAPER_KEY = "lala-2014"

# Vocabulary of docs/seed-format.md: the kinds and fields are the code's (one definition); the conventions
# below them (types, roles, formats, statuses) are the seed's own.
TOP_LEVEL = set(fields.SECTIONS)
SOURCE_FIELDS = set(vocab.SOURCE_FIELDS)
STRING_SOURCE_FIELDS = SOURCE_FIELDS - {"year", "creators", "extra"}


def author_of(source: dict) -> str:
    """A source's authors as one string ('Duka, V.'), from its `creators` (seed format 4) or its `author`."""
    if "creators" not in source:
        return source.get("author", "")
    return "; ".join(c.get("literal") or ", ".join(p for p in (c.get("family"), c.get("given")) if p)
                     for c in source["creators"] if c.get("role", "author") == "author")


def year_of(source: dict) -> int | None:
    """A source's year, from its `issued` date (seed format 4) or its `year`."""
    return int(source["issued"][:4]) if "issued" in source else source.get("year")
SOURCE_KINDS = set(vocab.SOURCE_KINDS)
ACTOR_FIELDS = set(fields.ACTOR_FIELDS)
ACTOR_KINDS = set(vocab.ACTOR_KINDS)
PLACE_FIELDS = set(fields.PLACE_FIELDS)
EVENT_FIELDS = set(fields.EVENT_FIELDS)
EVENT_KINDS = set(vocab.EVENT_KINDS)
EVENT_TYPES = {"visit", "meeting", "congress", "conference", "letter", "agreement", "decision", "statement",
               "military", "economic", "diplomatic", "process", "break", "leadership", "uprising"}
ROLES = {"host", "guest", "delegate", "speaker", "signatory", "party", "target", "subject", "author",
         "recipient", "commander", "representative", "initiator"}
MEETING_FORMATS = {"bilateral", "multilateral", "congress", "conference", "reception", "visit"}
AGREEMENT_STATUSES = {"signed", "in force", "disputed", "broken", "ended"}
CITATION_FIELDS = set(fields.CITATION_FIELDS)
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_DAY = r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?[?~%]?"
EDTF_RE = re.compile(rf"^(?:{_DAY}|(?:{_DAY}|\.\.)/(?:{_DAY}|\.\.))$")
# "p. 341", "pp. 341-342", and "p. 343 or 344" where the text cannot settle the page (see the seed's header).
LOCATOR_RE = re.compile(r"^(?:p\. (?P<page>\d+)|pp\. (?P<first>\d+)-(?P<last>\d+)|p\. (?P<either>\d+) or (?P<or>\d+))$")
MONTHS = list(calendar.month_name)  # index 1..12, English names


# --------------------------------------------------------------------------- helpers


def norm(text: str) -> str:
    """Collapse all whitespace runs to one space (the only difference a quote may have)."""
    return " ".join(text.split())


def fold(text: str) -> str:
    """Case- and accent-insensitive key: NFKD, drop combining marks, casefold."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader, node, deep=False):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        keys.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _day_bounds(text: str) -> tuple[dt.date, dt.date]:
    text = text.rstrip("?~%")
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    year, month = parts[0], parts[1]
    if len(parts) == 2:
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    day = dt.date(year, month, parts[2])  # raises on 1961-02-30
    return day, day


def date_bounds(edtf: str) -> tuple[dt.date, dt.date]:
    """Earliest and latest day an EDTF string (of the shapes EDTF_RE accepts) can mean."""
    if "/" in edtf:
        left, right = edtf.split("/")
        start = dt.date.min if left == ".." else _day_bounds(left)[0]
        end = dt.date.max if right == ".." else _day_bounds(right)[1]
        return start, end
    return _day_bounds(edtf)


def citations(seed):
    for event in seed["events"]:
        for citation in event.get("citations") or []:
            yield event, citation


# --------------------------------------------------------------------------- the paper


@dataclass
class Paper:
    path: Path
    raw: str
    text: str  # whitespace-normalised full text
    page_starts: list[int]  # offsets in `text` where each page begins
    first_page: int
    body_end: int  # offset in `text` where the reference list begins
    references: list[str]  # reference-list entries, continuation lines joined
    paragraph_ends: list[int]  # offsets in `text` where a paragraph ends (not where a page break cuts one)

    @property
    def settled_end(self) -> int:
        """Offset up to which the visible page breaks settle the page of the text.

        Past the last visible break, a page holds at least about as much as the shorter of the whole pages
        that two visible breaks delimit. If the rest of the text (body and references) is longer than that,
        one more break falls there without a mark, i.e. at a paragraph end: the paragraphs that end within a
        shorter whole page's length of the last break are surely on its page; where the break falls among
        the later paragraph ends the text cannot say.
        """
        last = self.page_starts[-1]
        whole = [b - a for a, b in pairwise(self.page_starts[1:])]
        if not whole or len(self.text) - last <= min(whole):
            return len(self.text)
        return max([e for e in self.paragraph_ends if last < e <= last + min(whole)], default=last)

    @property
    def last_visible_page(self) -> int:
        return self.first_page + len(self.page_starts) - 1

    def pages_of(self, start: int, end: int) -> set[int]:
        first = bisect.bisect_right(self.page_starts, start) - 1
        last = bisect.bisect_right(self.page_starts, end - 1) - 1
        return {self.first_page + i for i in range(first, last + 1)}

    def find_unique(self, needle: str) -> int | None:
        """Offset of the only occurrence of normalised `needle`, None if absent; fails if ambiguous."""
        needle = norm(needle)
        first = self.text.find(needle)
        if first < 0:
            return None
        assert self.text.find(needle, first + 1) < 0, f"ambiguous: occurs more than once in the paper: {needle!r}"
        return first


# A page break in the text file: a line that stops in mid-sentence, a blank line, and a line going on in
# lower case (e.g. "sent a letter to Albanian" / "" / "government").
PAGE_BREAK_RE = re.compile(r"(?<=[A-Za-z,])[ \t]*\n[ \t]*\n[ \t]*(?=[a-z])")


def load_paper(path: Path) -> Paper:
    raw = path.read_text(encoding="utf-8")
    doi = re.search(r"v\d+n\d+p(\d+)", raw)
    assert doi, "the paper's DOI (giving its first page) was not found"
    pieces, last = [], 0
    for match in PAGE_BREAK_RE.finditer(raw):
        pieces.append(raw[last:match.start()])
        last = match.end()
    pieces.append(raw[last:])
    starts, ends, text = [], [], ""
    for piece in pieces:
        paragraphs = [norm(p) for p in re.split(r"\n[ \t]*\n", piece) if norm(p)]
        starts.append(len(text) + 1 if text else 0)
        for paragraph in paragraphs:
            text = f"{text} {paragraph}" if text else paragraph
            ends.append(len(text))
        ends.pop()  # the piece's last paragraph goes on after the page break (the end of the text is no break)
    ends.append(len(text))
    assert text == norm(raw)
    head, sep, tail = raw.partition("\nReferences\n")
    assert sep, "the paper's References section was not found"
    entries: list[str] = []
    for line in tail.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(("<", "http")) and entries:  # a URL continuing the previous entry
            entries[-1] += " " + line
            continue
        entries.append(line[2:] if line.startswith("- ") else line)
    return Paper(path, raw, text, starts, int(doi.group(1)), len(norm(head)), entries, ends)


@pytest.fixture(scope="module")
def seed():
    with SEED_PATH.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_StrictLoader)


@pytest.fixture(scope="module")
def paper() -> Paper:
    path = Path(os.environ.get("RELATIONS_DB_PAPER") or DEFAULT_PAPER_PATH)
    if not path.is_file():
        pytest.skip(f"paper not found at {path}: fidelity tests need ../shared/paper")
    return load_paper(path)


@pytest.fixture(scope="module")
def sources(seed):
    return {s["key"]: s for s in seed["sources"]}


@pytest.fixture(scope="module")
def events(seed):
    return {e["slug"]: e for e in seed["events"]}


# --------------------------------------------------------------------------- file and structure


def test_format_header_and_sections(seed):
    text = SEED_PATH.read_text(encoding="utf-8")
    assert text.startswith("#"), "the seed file should open with a comment header"
    assert seed["format"] == "relations-db/seed 5"
    assert set(seed) == TOP_LEVEL
    for section in TOP_LEVEL - {"format"}:
        assert isinstance(seed[section], list) and seed[section], section


def test_no_yaml_anchors_or_aliases():
    with SEED_PATH.open(encoding="utf-8") as handle:
        bad = [t for t in yaml.scan(handle) if isinstance(t, (yaml.AnchorToken, yaml.AliasToken))]
    assert not bad, [f"line {t.start_mark.line + 1}" for t in bad]


def test_records_use_only_documented_fields(seed):
    problems = []
    for section, allowed in (("sources", SOURCE_FIELDS), ("actors", ACTOR_FIELDS),
                             ("places", PLACE_FIELDS), ("events", EVENT_FIELDS)):
        for record in seed[section]:
            problems += [(section, record.get("key") or record.get("name") or record.get("slug"), f)
                         for f in set(record) - allowed]
    for event, citation in citations(seed):
        problems += [("citation", event["slug"], f) for f in set(citation) - CITATION_FIELDS]
    assert not problems


# --------------------------------------------------------------------------- sources


def test_source_keys_unique_and_well_formed(seed):
    keys = [s["key"] for s in seed["sources"]]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for source in seed["sources"]:
        assert KEY_RE.match(source["key"]), source["key"]
        assert source["kind"] in SOURCE_KINDS, source
        assert isinstance(source.get("title"), str) and source["title"].strip(), source["key"]
        if "year" in source:
            assert type(source["year"]) is int, source["key"]
        if "issued" in source:
            assert isinstance(source["issued"], str) and re.match(r"^\d{4}(-\d\d){0,2}$", source["issued"])
        for field in STRING_SOURCE_FIELDS & set(source):
            assert isinstance(source[field], str), (source["key"], field)


def test_the_paper_itself_is_a_source(sources):
    lala = sources[PAPER_KEY]
    assert lala["kind"] == "article"
    assert author_of(lala) == "Lala, Brisejda"
    assert lala["title"] == "Disruption of Albanian-Soviet Relations"
    assert year_of(lala) == 2014
    assert lala["container"] == "Academic Journal of Interdisciplinary Studies"
    assert (lala["volume"], lala["issue"]) == ("3", "3")
    assert lala["doi"] == "10.5901/ajis.2014.v3n3p340"


def _reference_year(entry: str) -> int:
    match = re.search(r"\((\d{4})\)", entry) or re.search(r"\b(1[89]\d\d|20\d\d)\b", entry)
    assert match, f"no year in reference {entry!r}"
    return int(match.group(1))


# What the note of a source says when the text cites it but the reference list lacks it.
NOT_IN_REFERENCES = "absent from the paper's reference list"


def test_every_reference_maps_to_exactly_one_source(paper, seed):
    """Each entry of the paper's reference list is one source, with its printed fields as printed.

    The only other sources are works the text cites that the list lacks; their note says so.
    """
    assert paper.references, "no reference entries parsed"
    others = [s for s in seed["sources"] if s["key"] != PAPER_KEY and NOT_IN_REFERENCES not in norm(s.get("note", ""))]
    matched: dict[str, str] = {}
    for entry in paper.references:
        lead = fold(re.split(r"[.,(]", entry)[0])
        year = _reference_year(entry)
        candidates = [s for s in others if year_of(s) == year
                      and (fold(author_of(s) or s.get("archive", "")).startswith(lead)
                           or fold(s["title"]).startswith(lead))]
        assert len(candidates) == 1, f"{entry!r} matches {[s['key'] for s in candidates]}"
        source = candidates[0]
        assert source["key"] not in matched, f"{source['key']} matches both {matched[source['key']]!r} and {entry!r}"
        matched[source["key"]] = entry
        printed = norm(entry)
        for field in ("title", "publisher", "place", "url", "container", "volume", "issue", "fund", "file",
                      "archive", "archive_location", "genre"):
            if field in source:
                assert norm(source[field]) in printed, f"{source['key']}.{field} {source[field]!r} not in {entry!r}"
        for creator in source.get("creators", []):
            for part in ("family", "given", "literal"):
                if part in creator:
                    assert norm(creator[part]) in printed, f"{source['key']}: {creator[part]!r} not in {entry!r}"
    unmatched = sorted(s["key"] for s in others if s["key"] not in matched)
    assert not unmatched, f"sources not in the paper's reference list: {unmatched}"


def test_a_source_absent_from_the_reference_list_is_cited_as_printed(paper, seed):
    """A source noted as absent from the reference list is one the text cites: each citation of it quotes the
    in-text form, and no reference entry has its name and year."""
    absent = {s["key"]: s for s in seed["sources"] if NOT_IN_REFERENCES in norm(s.get("note", ""))}
    for event, citation in citations(seed):
        if citation["source"] in absent:
            assert citation.get("cited_as") and citation["cited_as"] in paper.raw, event["slug"]
            assert citation.get("note"), f"{event['slug']}: say that the reference list lacks the work cited"
    for key, source in absent.items():
        name = fold(author_of(source) or source.get("archive") or source["title"])
        clash = [e for e in paper.references if _reference_year(e) == year_of(source) and fold(e).startswith(name)]
        assert not clash, f"{key} is noted as absent from the reference list, but {clash} matches it"


def test_every_source_is_cited(seed):
    used = set()
    for _, citation in citations(seed):
        used.add(citation["source"])
        used.update([citation["cited_in"]] if citation.get("cited_in") else [])
    unused = sorted({s["key"] for s in seed["sources"]} - used)
    assert not unused


# --------------------------------------------------------------------------- actors and places


def test_actors_are_well_formed(seed):
    names = [a["name"] for a in seed["actors"]]
    assert len(names) == len(set(names))
    for actor in seed["actors"]:
        assert actor["kind"] in ACTOR_KINDS, actor["name"]
        assert isinstance(actor.get("description"), str) and actor["description"].strip(), actor["name"]
        aliases = actor.get("aliases") or []
        assert all(isinstance(a, str) and a.strip() for a in aliases), actor["name"]
        assert len(aliases) == len(set(aliases)), actor["name"]
        assert actor["name"] not in aliases, actor["name"]


def _assert_names_resolve_uniquely(records, what):
    owner: dict[str, str] = {}
    for record in records:
        for spelling in [record["name"], *(record.get("aliases") or [])]:
            key = fold(spelling)
            assert owner.setdefault(key, record["name"]) == record["name"], (
                f"{what} spelling {spelling!r} resolves to both {owner[key]!r} and {record['name']!r}")


def test_every_actor_alias_resolves_to_one_actor(seed):
    _assert_names_resolve_uniquely(seed["actors"], "actor")


def test_every_place_alias_resolves_to_one_place(seed):
    _assert_names_resolve_uniquely(seed["places"], "place")


def test_fold_is_case_and_accent_insensitive():
    assert fold("A. Grečko") == fold("a. grecko")
    assert fold("Tiranë") == fold("TIRANE")
    assert fold("Vlorë") != fold("Vlora")


# --------------------------------------------------------------------------- events


def test_event_slugs_unique_and_well_formed(seed):
    slugs = [e["slug"] for e in seed["events"]]
    assert len(slugs) == len(set(slugs)), sorted(s for s in slugs if slugs.count(s) > 1)
    assert all(KEY_RE.match(s) for s in slugs)


def test_events_have_required_fields_and_vocabulary(seed):
    for event in seed["events"]:
        slug = event["slug"]
        assert isinstance(event.get("title"), str) and event["title"].strip(), slug
        assert "\n" not in event["title"], slug
        assert event["type"] in EVENT_TYPES, slug
        kind = event.get("kind", "event")
        assert kind in EVENT_KINDS, slug
        if kind == "meeting":
            assert event["meeting"]["format"] in MEETING_FORMATS, slug
            assert set(event["meeting"]) <= {"format", "outcome"}, slug
        else:
            assert "meeting" not in event, slug
        if kind == "agreement":
            assert event["agreement"]["status"] in AGREEMENT_STATUSES, slug
            assert set(event["agreement"]) <= {"status", "subject"}, slug
        else:
            assert "agreement" not in event, slug


def test_dates_look_like_edtf(seed):
    for event in seed["events"]:
        date = event["date"]
        assert isinstance(date, str), f"{event['slug']}: quote the date, YAML read {date!r}"
        assert EDTF_RE.match(date) and date != "../..", f"{event['slug']}: {date!r}"
        start, end = date_bounds(date)
        assert start <= end, event["slug"]


def test_events_are_in_date_order(seed):
    keys = [(date_bounds(e["date"]), e["slug"]) for e in seed["events"]]
    for (before, slug_before), (after, slug_after) in pairwise(keys):
        assert before <= after, f"{slug_before} ({before}) is listed before {slug_after} ({after})"


def test_precise_dates_are_printed_in_a_quote(seed):
    """A month or a day in a date must be printed in one of the event's quotes (no outside precision).

    The one bound that may name a month the quotes do not print is the end of an interval that stops short
    of a printed month: "a few months after the Khrushchev's denomination" in June 1954 ends the
    appointment's interval in May 1954 (the month before), not in June.
    """
    for event in seed["events"]:
        quotes = " ".join(norm(c["quote"]) for c in event["citations"])
        sides = event["date"].split("/")
        for index, side in enumerate(sides):
            parts = side.rstrip("?~%").split("-")
            if side == ".." or len(parts) == 1:
                continue
            month = MONTHS[int(parts[1])]
            if len(parts) == 2:
                before = len(sides) == 2 and index == 1 and int(parts[1]) < 12 and MONTHS[int(parts[1]) + 1] in quotes
                assert month in quotes or before, f"{event['slug']}: {month} is printed in none of its quotes"
            else:
                day = int(parts[2])
                assert re.search(rf"\b{day} {month}\b|\b{month} {day}\b", quotes), (
                    f"{event['slug']}: {day} {month} is printed in none of its quotes")


def test_tone_within_range(seed):
    for event in seed["events"]:
        tone = event.get("tone")
        assert tone is None or (type(tone) is int and -10 <= tone <= 10), event["slug"]


def test_participants_and_places_exist(seed):
    actors = {a["name"] for a in seed["actors"]}
    places = {p["name"] for p in seed["places"]}
    for event in seed["events"]:
        if "place" in event:
            assert event["place"] in places, f"{event['slug']}: unknown place {event['place']!r}"
        seen = set()
        for participant in event.get("participants") or []:
            assert set(participant) <= {"actor", "role"}, event["slug"]
            assert participant["actor"] in actors, f"{event['slug']}: unknown actor {participant['actor']!r}"
            assert participant.get("role", "party") in ROLES, f"{event['slug']}: role {participant.get('role')!r}"
            assert participant["actor"] not in seen, f"{event['slug']}: {participant['actor']} listed twice"
            seen.add(participant["actor"])


def test_invokes_names_agreements(events):
    for event in events.values():
        for slug in event.get("invokes") or []:
            assert slug in events, f"{event['slug']} invokes unknown {slug!r}"
            target = events[slug]
            assert target.get("kind") == "agreement", f"{event['slug']} invokes {slug}, not an agreement"
            assert date_bounds(target["date"])[0] <= date_bounds(event["date"])[1], (event["slug"], slug)


# --------------------------------------------------------------------------- citations


def test_every_event_has_a_citation(seed):
    for event in seed["events"]:
        assert isinstance(event.get("citations"), list) and event["citations"], event["slug"]


def test_citations_are_well_formed(seed, sources):
    for event, citation in citations(seed):
        slug = event["slug"]
        assert citation["source"] in sources, f"{slug}: unknown source {citation['source']!r}"
        assert isinstance(citation.get("quote"), str) and citation["quote"].strip(), slug
        confidence = citation.get("confidence", 2)
        assert type(confidence) is int and 0 <= confidence <= 4, slug
        if citation["source"] == PAPER_KEY:
            # the paper's own statement: no in-text citation, located by its page
            assert "cited_in" not in citation and "cited_as" not in citation, slug
            assert LOCATOR_RE.match(citation.get("locator", "")), f"{slug}: locator {citation.get('locator')!r}"
        else:
            # a reference the paper cites: second-hand, through the paper
            assert citation.get("cited_in") in sources, f"{slug}: cited_in {citation.get('cited_in')!r}"
            assert citation["cited_in"] != citation["source"], slug
            assert citation.get("cited_as"), f"{slug}: {citation['source']} cited without its printed form"
            assert LOCATOR_RE.match(citation.get("cited_in_locator", "")), (
                f"{slug}: cited_in_locator {citation.get('cited_in_locator')!r}")


def test_cited_as_is_inside_its_quote(seed):
    for event, citation in citations(seed):
        if "cited_as" in citation:
            assert norm(citation["cited_as"]) in norm(citation["quote"]), (event["slug"], citation["cited_as"])


def _cited_name_and_year(cited_as: str) -> tuple[str, int]:
    inner = cited_as.strip().removeprefix("(").removesuffix(")").replace("*", "").replace('"', "")
    return re.split(r"[.,]", inner)[0].strip(), int(re.findall(r"\d{4}", cited_as)[-1])


def test_cited_as_mismatches_are_explained(seed, sources):
    """A cited_as whose name or year differs from the linked source carries a note saying so."""
    for event, citation in citations(seed):
        if "cited_as" not in citation:
            continue
        source = sources[citation["source"]]
        name, year = _cited_name_and_year(citation["cited_as"])
        named = fold(author_of(source) or source.get("archive", ""))
        same_name = fold(name) in named or fold(name) in fold(source["title"])
        if year != year_of(source) or not same_name:
            assert citation.get("note"), f"{event['slug']}: {citation['cited_as']} -> {source['key']} needs a note"


def test_quotes_occur_verbatim_in_the_paper(seed, paper):
    missing = [(e["slug"], c["quote"][:60]) for e, c in citations(seed) if paper.find_unique(c["quote"]) is None]
    assert not missing


def test_cited_as_occurs_verbatim_in_the_paper(seed, paper):
    missing = [(e["slug"], c["cited_as"]) for e, c in citations(seed)
               if "cited_as" in c and c["cited_as"] not in paper.raw]
    assert not missing


def test_page_breaks_are_found(paper):
    assert len(paper.page_starts) == 4, "expected the three page breaks printed as blank lines mid-sentence"
    assert paper.first_page == 340


def test_the_text_past_the_last_visible_break_is_longer_than_a_page(paper):
    """What the seed's header says: one more, unmarked, break falls after the third; the pages stay settled up to
    the paragraph ending "deserted the Albanian waters." and not after it."""
    settled = paper.settled_end
    assert paper.page_starts[-1] < settled < paper.body_end
    assert paper.text[:settled].endswith("deserted the Albanian waters.")
    assert paper.text[settled:].lstrip().startswith("Therefore, the close friendship")


def _paper_locators(seed, paper):
    """(event, citation, locator, start, end) for every citation located in the paper, with its quote's offsets."""
    for event, citation in citations(seed):
        if citation["source"] == PAPER_KEY:
            locator = citation["locator"]
        elif citation.get("cited_in") == PAPER_KEY:
            locator = citation["cited_in_locator"]
        else:
            continue
        start = paper.find_unique(citation["quote"])
        if start is None:
            continue  # reported by test_quotes_occur_verbatim_in_the_paper
        yield event, citation, locator, start, start + len(norm(citation["quote"]))


def test_locators_give_the_page_of_the_quote(seed, paper):
    for event, _citation, locator, start, end in _paper_locators(seed, paper):
        if end > paper.settled_end:
            continue  # the page is not settled: test_no_locator_past_the_settled_pages_is_stated_as_certain
        pages = paper.pages_of(start, end)
        match = LOCATOR_RE.match(locator)
        assert not match["either"], f"{event['slug']}: {locator!r}, but the text settles the page: {sorted(pages)}"
        if match["page"]:
            claimed = {int(match["page"])}
        else:
            first, last = int(match["first"]), int(match["last"])
            assert first < last, locator
            claimed = set(range(first, last + 1))
        assert claimed == pages, f"{event['slug']}: {locator!r} but the quote stands on {sorted(pages)}"


def test_no_locator_past_the_settled_pages_is_stated_as_certain(seed, paper):
    """Past the point where the visible page breaks settle the page (see Paper.settled_end and the seed's header),
    a quotation stands on the last visible page or the next: its locator says so ("p. 343 or 344"), and its note
    says why."""
    last = paper.last_visible_page
    expected = f"p. {last} or {last + 1}"
    wrong = []
    for event, citation, locator, start, end in _paper_locators(seed, paper):
        if end <= paper.settled_end:
            continue
        assert start >= paper.settled_end, f"{event['slug']}: a quote across the last settled paragraph end"
        if locator != expected or f"{last} or {last + 1}" not in norm(citation.get("note", "")):
            wrong.append((event["slug"], citation["source"], locator))
    assert not wrong, f"past the settled pages, say {expected!r} (with a note): {wrong}"


def test_every_in_text_citation_of_the_paper_is_encoded(seed, paper):
    """Each parenthesised author-year citation in the body is covered by a citation quoting it there."""
    covered = []
    for _, citation in citations(seed):
        if "cited_as" in citation:
            start = paper.find_unique(citation["quote"])
            if start is not None:
                covered.append((norm(citation["cited_as"]), start, start + len(norm(citation["quote"]))))
    body = paper.text[:paper.body_end]
    found = list(re.finditer(r"\([^()]*\b\d{4}\b[^()]*\)", body))
    assert found, "no in-text citations parsed"
    missing = [(m.group(), m.start()) for m in found
               if not any(c == m.group() and s <= m.start() and m.end() <= e for c, s, e in covered)]
    assert not missing, f"in-text citations with no citation quoting them: {missing}"


# --------------------------------------------------------------------------- evidence that supports its event

# A citation kept only to date its event (or to describe its setting) says so at the start of its note, and
# has confidence 1 (the seed's header: the confidence rule).
CONTEXT_ONLY_RE = re.compile(r"^(?:Dating context|Context) only:")

# Words that say nothing about which event a quotation reports (five letters or more; shorter words are not
# compared at all).
STOP_WORDS = frozenset("""
    about above after again against along already also although among another because become became been
    before being below between both cannot could did does doing down during each either even every from
    further had has have having here herself himself however into itself just least less made make many might
    more most much must neither never other others ought over same shall should since some still such than
    that their theirs them themselves then there these they this those though through thus under until very
    was were what when where whether which while whom whose will with within without would your yours
""".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", fold(text)) if len(w) >= 5} - STOP_WORDS


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(fold(name))}(?![a-z0-9])", fold(text)) is not None


def _event_names(event, actor_names: dict[str, list[str]], place_names: dict[str, list[str]]) -> set[str]:
    """Every spelling of the event's participants and place, and of any actor or place its title or summary
    names."""
    names = {n for p in event.get("participants") or [] for n in actor_names[p["actor"]]}
    names |= set(place_names.get(event.get("place"), []))
    prose = f"{event['title']} {event.get('summary', '')}"
    for spellings in [*actor_names.values(), *place_names.values()]:
        if any(_mentions(prose, n) for n in spellings):
            names |= set(spellings)
    return names


def unrelated_citations(seed) -> list[tuple[str, str, str]]:
    """(slug, source, quote) of every citation whose quotation shares with its event no actor or place spelling
    and no word of five letters or more (stop words aside): its title, summary, participants and place.
    A citation whose note marks it as context only is not compared."""
    actor_names = {a["name"]: [a["name"], *(a.get("aliases") or [])] for a in seed["actors"]}
    place_names = {p["name"]: [p["name"], *(p.get("aliases") or [])] for p in seed["places"]}
    found = []
    for event in seed["events"]:
        names = _event_names(event, actor_names, place_names)
        participants = " ".join(p["actor"] for p in event.get("participants") or [])
        words = _words(f"{event['title']} {event.get('summary', '')} {participants} {event.get('place', '')}")
        for citation in event["citations"]:
            if CONTEXT_ONLY_RE.match(norm(citation.get("note", ""))):
                continue
            quote = citation["quote"]
            if not any(_mentions(quote, n) for n in names) and not _words(quote) & words:
                found.append((event["slug"], citation["source"], norm(quote)[:80]))
    return found


def test_every_quotation_shares_something_with_its_event(seed):
    """A quotation that names none of its event's actors or places and shares none of its words is evidence for
    something else (a misfiled citation, or one that only dates the event and does not say so)."""
    assert not unrelated_citations(seed)


def test_a_misfiled_quotation_is_found(seed):
    """The check above finds a quotation filed under an event it does not report (and only that)."""
    visit = {"slug": "x-1955-visit", "title": "Khrushchev visits Belgrade", "summary": "",
             "participants": [{"actor": "Nikita Khrushchev", "role": "guest"}], "place": "Belgrade",
             "citations": [{"source": "a", "quote": "In 1955 Khrushchev visited Belgrade"},
                           {"source": "b", "quote": "an Albanian delegation consisting of Gogo Nushi, Haxhi Lleshi "
                                                    "and Liri Belishova visited China"},
                           {"source": "c", "quote": "the Albanians began clearly aligning themselves with China",
                            "note": "Dating context only: it dates something else."}]}
    found = unrelated_citations({**seed, "events": [visit]})
    assert [source for _, source, _ in found] == ["b"]


def test_context_only_citations_have_confidence_1(seed):
    """Confidence 1 is for context only, and context only is confidence 1 (or 0)."""
    for event, citation in citations(seed):
        context = bool(CONTEXT_ONLY_RE.match(norm(citation.get("note", ""))))
        confidence = citation.get("confidence", 2)
        assert context == (confidence <= 1), (
            f"{event['slug']}: {citation['source']} has confidence {confidence} and "
            f"{'a' if context else 'no'} context-only note")


def test_confidence_follows_the_rule_of_the_header(seed, sources):
    """At most 2 where the in-text citation does not match the reference list (another year, or a work the list
    lacks) and for a memoir (one side's account); 3 only for a cited work."""
    for event, citation in citations(seed):
        source = sources[citation["source"]]
        confidence = citation.get("confidence", 2)
        where = f"{event['slug']}: {citation['source']} ({citation.get('cited_as')})"
        if "cited_as" in citation:
            _, year = _cited_name_and_year(citation["cited_as"])
            if year != year_of(source) or NOT_IN_REFERENCES in norm(source.get("note", "")):
                assert confidence <= 2, f"{where}: the in-text citation does not match the reference list"
        if source["kind"] == "memoir":
            assert confidence <= 2, f"{where}: a memoir is one side's account"
        if citation["source"] == PAPER_KEY:
            assert confidence <= 2, f"{where}: the paper's own statement"


# --------------------------------------------------------------------------- tone and names


def test_every_tone_has_a_basis(seed):
    """A tone is an interpretation: each one carries its basis (`tone_note`, seed format 2), a passage or rule a
    reader can check; an event the paper does not characterise has no tone, and no note without a tone."""
    missing = sorted(e["slug"] for e in seed["events"] if e.get("tone") is not None and not e.get("tone_note"))
    assert not missing, f"tones without a basis (give tone_note, or drop the tone): {missing}"
    orphans = sorted(e["slug"] for e in seed["events"] if e.get("tone_note") and e.get("tone") is None)
    assert not orphans, f"tone notes without a tone: {orphans}"


def test_canonical_names_from_outside_the_paper_say_so(seed, paper):
    """An actor's canonical name that the paper never prints ("Joseph Stalin" for the printed "Stalin") is marked
    as coming from outside the paper, in its description."""
    printed = fold(paper.raw)
    unmarked = [a["name"] for a in seed["actors"]
                if not _mentions(printed, a["name"]) and "outside the paper" not in norm(a["description"])]
    assert not unmarked, f"canonical names not printed in the paper and not marked as such: {unmarked}"


# --------------------------------------------------------------------------- claims (seed format 5)

# A quotation inside a claim's reason: the words between straight double quotes.
_QUOTED_RE = re.compile(r'"([^"]+)"')


def claims(seed):
    for event in seed["events"]:
        for claim in event.get("claims") or []:
            yield event, claim


def test_claims_are_well_formed(seed, events):
    """Each claim: a kind of the vocabulary, the value fields of its kind, a rank, and citations that are the
    event's (by position; a claim that is not the event's own names at least one, as the own claims are
    supported by the event's unlinked citations); a relative claim names another event of the seed."""
    for event, claim in claims(seed):
        where = f"{event['slug']}: {claim}"
        assert set(claim) <= set(fields.CLAIM_FIELDS), where
        assert claim["kind"] in vocab.CLAIM_KINDS, where
        values = {k for k in claim if k in fields.CLAIM_VALUE_FIELDS}
        assert values <= set(fields.CLAIM_VALUES[claim["kind"]]), where
        assert claim.get("rank", "normal") in vocab.CLAIM_RANKS, where
        positions = [p for stance in vocab.STANCES for p in claim.get(stance, [])]
        assert positions or claim.get("own"), f"{where}: a claim of its own rests on a citation"
        assert all(1 <= p <= len(event["citations"]) for p in positions), where
        assert len(positions) == len(set(positions)), where
        if claim["kind"] in vocab.RELATIVE_CLAIMS:
            assert claim["event"] in events and claim["event"] != event["slug"], where
        if claim.get("own") and claim["kind"] == "participant":
            own = {(p["actor"], p.get("role")) for p in event.get("participants") or []}
            assert (claim["actor"], claim.get("role")) in own, where
        elif claim.get("own"):  # the event's own date or place: the event's field is its value
            assert claim["kind"] in ("date", "place") and claim["kind"] not in values and event.get(claim["kind"])


def test_claim_quotations_occur_verbatim_in_the_paper(seed, paper):
    """A claim rests on its event's citations (their quotes are checked above); the words its reason quotes
    are the paper's too, verbatim."""
    missing = [(event["slug"], quoted) for event, claim in claims(seed)
               for quoted in _QUOTED_RE.findall(norm(claim.get("reason", ""))) if norm(quoted) not in paper.text]
    assert not missing


def test_ranked_claims_give_their_reason(seed):
    """A rank is a historian's judgement: a claim ranked other than normal says why."""
    unexplained = [(e["slug"], c["kind"]) for e, c in claims(seed) if c.get("rank", "normal") != "normal"
                   and not c.get("reason")]
    assert not unexplained


def test_the_papers_own_disagreements_are_recorded(seed, events):
    """The four disagreements issue 16 names, each with the citation that carries it."""
    def claim(slug, **match):
        found = [c for c in events[slug].get("claims") or [] if all(c.get(k) == v for k, v in match.items())]
        assert len(found) == 1, (slug, match)
        return found[0]

    def quote(slug, position):
        return norm(events[slug]["citations"][position - 1]["quote"])

    brk = "1961-12-03-soviet-union-breaks-relations"
    both = claim(brk, kind="participant", actor="Albania", role="initiator")
    assert "they decided to disconnect" in quote(brk, both["supports"][0])
    target = claim(brk, kind="participant", actor="Albania", role="target")
    assert target["rank"] == "preferred" and target["disputes"] == both["supports"]
    kapo = claim("1960-06-bucharest-meeting-of-communist-parties", kind="participant", actor="Hysni Kapo")
    assert "refused to participate in the meeting" in quote("1960-06-bucharest-meeting-of-communist-parties",
                                                            kapo["disputes"][0])
    after = claim("1961-dispute-over-vlore-submarines", kind="after", event=brk)
    assert "after breaking relations" in quote("1961-dispute-over-vlore-submarines", after["supports"][0])
    assert claim("1961-06-04-soviet-submarines-leave-vlore", kind="date")["rank"] == "preferred"
    first = claim("1953-1954-khrushchev-first-secretary", kind="before", event="1954-06-hoxha-and-kapo-visit-moscow")
    assert first["at_least"] == "1M" and "at_most" not in first
    assert 'inferred from "a few months"' in first["reason"]


def test_a_dating_context_citation_supports_the_date_alone(seed):
    """What the header promises: a "Dating context only" citation is linked to the event's own date claim, and
    to no other claim (so it does not support the participants or the place implicitly)."""
    wrong = []
    for event in seed["events"]:
        dating = {i + 1 for i, c in enumerate(event["citations"])
                  if norm(c.get("note", "")).startswith("Dating context only")}
        if not dating:
            continue
        linked = {}
        for claim in event.get("claims") or []:
            for stance in vocab.STANCES:
                for position in claim.get(stance, []):
                    linked.setdefault(position, []).append((claim["kind"], bool(claim.get("own")), stance))
        wrong += [(event["slug"], p, linked.get(p)) for p in sorted(dating)
                  if linked.get(p) != [("date", True, "supports")]]
    assert not wrong
