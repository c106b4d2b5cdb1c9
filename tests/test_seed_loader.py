"""The seed loader: validates everything first (with line numbers), writes all or nothing, is idempotent."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import func, select

from relations_db.errors import ValidationError
from relations_db.formats.seed import read as seed_read
from relations_db.formats.seed.apply import load_seed_text
from relations_db.formats.seed.fields import SEED_FORMAT
from relations_db.store import db
from relations_db.store.models import Actor, ActorAlias, Citation, Event, Meeting, Place, Source

GOOD = textwrap.dedent("""\
    format: relations-db/seed 1
    sources:
      - key: lala-2014
        kind: article
        author: Lala, Brisejda
        title: Disruption of Albanian-Soviet Relations
        year: 2014
      - key: duka-2007
        kind: book
        author: Duka, V.
        title: Albanian History 1912-2000
        year: 2007
    actors:
      - name: Soviet Union
        kind: state
        aliases: [SU, USSR]
      - name: Albania
        kind: state
      - name: Nikita Khrushchev
        kind: person
        aliases: [Hrushov, Hrusshov]
    places:
      - name: Vlorë
        aliases: [Vlora, Valona]
    events:
      - slug: 1961-06-04-submarines-leave-vlora
        kind: meeting
        date: 1961-06-04
        title: Soviet submarines leave Vlora
        type: military
        tone: -9
        place: vlora
        meeting: {format: bilateral, outcome: departure}
        participants:
          - {actor: su, role: initiator}
          - {actor: Albania, role: target}
        citations:
          - source: lala-2014
            locator: p. 343
            quote: the largest floating dock with 8, out of 12, submarines
            confidence: 3
      - slug: 1961-12-03-break
        date: 1961-12-03
        title: The Soviet Union breaks off relations
        type: break
        participants:
          - {actor: hrushov, role: subject}
        citations:
          - source: duka-2007
            cited_as: (Duka, 2007)
            cited_in: lala-2014
            cited_in_locator: p. 343
            quote: on 3 December 1961, the Soviet Union has ended the relations with Albania
    """)


def _counts(session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Source, Actor, ActorAlias, Place, Event, Citation)}


def test_loads_every_section_and_resolves_aliases(engine):
    with db.session_scope(engine, write=True) as session:
        report = load_seed_text(session, GOOD)
    assert report.counts["events"]["added"] == 2
    with db.session_scope(engine) as session:
        meeting = session.scalar(select(Meeting))
        assert meeting.place.name == "Vlorë" and meeting.format == "bilateral"
        assert [(p.actor.name, p.role) for p in meeting.participations] == [("Soviet Union", "initiator"),
                                                                           ("Albania", "target")]
        brk = session.scalar(select(Event).where(Event.slug == "1961-12-03-break"))
        assert brk.participations[0].actor.name == "Nikita Khrushchev"
        assert brk.precision == "day" and brk.start_iso == "1961-12-03"
        cit = brk.citations[0]
        assert (cit.source.key, cit.cited_in.key, cit.cited_in_locator) == ("duka-2007", "lala-2014", "p. 343")
        assert {s.key: s.short for s in session.scalars(select(Source))} == {"lala-2014": "Lala 2014",
                                                                         "duka-2007": "Duka 2007"}


def test_loading_twice_changes_nothing(engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, GOOD)
    with db.session_scope(engine) as session:
        before = _counts(session)
    with db.session_scope(engine, write=True) as session:
        report = load_seed_text(session, GOOD)
    assert report.counts["events"] == {"added": 0, "updated": 0, "unchanged": 2}
    assert all(c["added"] == c["updated"] == 0 for c in report.counts.values())
    with db.session_scope(engine) as session:
        assert _counts(session) == before


def test_an_edited_file_updates_what_changed(engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, GOOD)
    edited = (GOOD.replace("title: The Soviet Union breaks off relations",
                           "title: The Soviet Union ends diplomatic relations")
              .replace("date: 1961-12-03", "date: 1961-12"))
    with db.session_scope(engine, write=True) as session:
        report = load_seed_text(session, edited)
    assert report.counts["events"] == {"added": 0, "updated": 1, "unchanged": 1}
    with db.session_scope(engine) as session:
        event = session.scalar(select(Event).where(Event.slug == "1961-12-03-break"))
        assert event.title == "The Soviet Union ends diplomatic relations"
        assert (event.date, event.precision, event.end_iso) == ("1961-12", "month", "1961-12-31")
        assert len(event.citations) == 1


BROKEN = {
    "unknown actor": ("{actor: hrushov, role: subject}", "{actor: Brezhnev, role: subject}",
                      "participant actor 'Brezhnev' is not defined"),
    "unknown source": ("source: duka-2007", "source: duka-2008", "citation source 'duka-2008' is not a source key"),
    "bad date": ("date: 1961-06-04", "date: 1961-13-45", "month 13 does not exist"),
    "missing citation": ("""    citations:
      - source: duka-2007
        cited_as: (Duka, 2007)
        cited_in: lala-2014
        cited_in_locator: p. 343
        quote: on 3 December 1961, the Soviet Union has ended the relations with Albania
""", "", "no citation; every event needs at least one source"),
    "duplicate slug": ("slug: 1961-12-03-break", "slug: 1961-06-04-submarines-leave-vlora",
                       "duplicate event slug"),
    "alias of two actors": ("aliases: [Hrushov, Hrusshov]", "aliases: [Hrushov, Hrusshov, SU]",
                            "belongs to several actors"),
    "tone out of range": ("tone: -9", "tone: -12", "tone must be a whole number from -10 to 10"),
    "unknown field": ("type: break", "type: break\n    colour: red", "unknown field 'colour'"),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_files_are_refused_with_line_numbers_and_nothing_written(engine, case):
    old, new, expected = BROKEN[case]
    assert old in GOOD
    broken = GOOD.replace(old, new, 1)
    with pytest.raises(ValidationError) as info:
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, broken, "broken.yaml")
    message = str(info.value)
    assert expected in message
    assert "broken.yaml" in message and "line " in message and "nothing was written" in message
    with db.session_scope(engine) as session:
        assert sum(_counts(session).values()) == 0


def test_every_problem_is_reported_at_once_with_its_line(engine):
    broken = GOOD.replace("date: 1961-06-04", "date: June").replace("source: duka-2007", "source: nope")
    with pytest.raises(ValidationError) as info:
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, broken)
    problems = info.value.problems
    assert len(problems) == 2
    date_line = broken.splitlines().index("    date: June") + 1
    assert problems[0].startswith(f"line {date_line}:") and "'June' is not a valid date" in problems[0]
    assert "Accepted forms" in problems[0]


def test_anchors_and_aliases_are_refused():
    text = GOOD.replace("kind: article", "kind: &k article").replace("kind: book", "kind: *k")
    with pytest.raises(ValidationError, match="anchors and aliases"):
        seed_read.parse_yaml(text)


def test_oversized_files_are_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(seed_read, "MAX_BYTES", 100)
    path = tmp_path / "big.yaml"
    path.write_text(GOOD)
    with pytest.raises(ValidationError, match="larger than"):
        seed_read.read_file(path)


def test_yaml_syntax_errors_name_the_line():
    with pytest.raises(ValidationError, match=r"line 4: not valid YAML.*flow sequence at line 3"):
        seed_read.parse_yaml("format: relations-db/seed 1\nsources:\n  - key: [unclosed\n")


def test_unquoted_dates_stay_edtf_text():
    data = seed_read.parse_yaml("format: relations-db/seed 1\nevents:\n  - date: 1961-06-04\n")
    assert data["events"][0]["date"] == "1961-06-04"


def test_references_may_point_to_records_already_in_the_database(engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, GOOD)
    more = textwrap.dedent("""\
        format: relations-db/seed 1
        events:
          - slug: 1960-11-moscow-meeting
            date: 1960-11
            title: Meeting of the 81 parties
            type: congress
            participants: [{actor: Hrusshov, role: speaker}]
            citations: [{source: lala-2014, quote: The conflict culminated}]
        """)
    with db.session_scope(engine, write=True) as session:
        report = load_seed_text(session, more)
    assert report.counts["events"]["added"] == 1


TONED = """
format: relations-db/seed {version}
sources:
  - {{key: s-2000, kind: book, author: "Author, A.", title: A Book, year: 2000}}
events:
  - slug: 1960-a-visit
    date: "1960"
    title: A visit
    type: visit
    tone: -3
{note}    citations:
      - {{source: s-2000, locator: p. 1, quote: "relations grew cold"}}
"""


def test_format_2_keeps_the_basis_of_a_tone_and_writes_it_back(engine):
    from relations_db.formats.seed.write import dump_seed
    from relations_db.read.events import event_rows_where
    from relations_db.store.schema import events

    text = TONED.format(version=2, note="    tone_note: 'relations \"grew cold\" (p. 1)'\n")
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, text)
    with db.session_scope(engine) as session:
        rows = list(event_rows_where(session, events.c.slug == "1960-a-visit"))
        assert rows[0]["tone_note"] == 'relations "grew cold" (p. 1)'
        document = dump_seed(session, rows)
    assert document["format"] == SEED_FORMAT
    assert document["events"][0]["tone_note"] == 'relations "grew cold" (p. 1)'


def test_format_1_files_still_load_and_cannot_carry_a_tone_note(engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, TONED.format(version=1, note=""))
    with db.session_scope(engine) as session:
        assert session.scalar(select(Event.tone)) == -3
        assert session.scalar(select(Event.tone_note)) is None
    with pytest.raises(ValidationError, match="unknown field 'tone_note'"):
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, TONED.format(version=1, note="    tone_note: a basis\n"))


def test_a_tone_note_needs_its_tone(engine):
    text = TONED.format(version=2, note="    tone_note: a basis\n").replace("    tone: -3\n", "")
    with pytest.raises(ValidationError, match="tone_note gives the basis of a tone: give the tone too"):
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, text)


# --- format 5: claims ---------------------------------------------------------------------------------------

_CLAIMS_BLOCK = textwrap.indent(textwrap.dedent("""\
        claims:
          - kind: date
            own: true
            rank: preferred
            reason: Duka gives the day
          - kind: date
            date: "1959"
            reason: another reading
            supports: [2]
          - kind: participant
            actor: Albania
            role: initiator
            disputes: [1]
            supports: [2]
          - kind: after
            event: 1961-06-04-submarines-leave-vlora
            at_least: 3M
            supports: [2]
      """), "    ")
CLAIMED = (GOOD.replace("format: relations-db/seed 1", "format: relations-db/seed 5")
           .replace("        quote: on 3 December 1961, the Soviet Union has ended the relations with Albania\n",
                    "        quote: on 3 December 1961, the Soviet Union has ended the relations with Albania\n"
                    "      - source: lala-2014\n        locator: p. 340\n"
                    "        quote: in 1961 they decided to disconnect their diplomatic relations\n")
           + _CLAIMS_BLOCK)


def _claims_of(session, slug):
    from relations_db.store.models import Claim, ClaimCitation
    from relations_db.store.own_claims import listing_order

    event = session.scalar(select(Event).where(Event.slug == slug))
    position = {c.id: i + 1 for i, c in enumerate(sorted(event.citations, key=lambda c: c.id))}
    found = []
    listed = listing_order(Claim.__table__)  # (as `claims EVENT` lists them)
    for claim in session.scalars(select(Claim).where(Claim.event_id == event.id).order_by(*listed)):
        links = sorted((position[link.citation_id], link.stance)
                       for link in session.scalars(select(ClaimCitation).where(ClaimCitation.claim_id == claim.id)))
        part = claim.participation
        found.append((claim.kind, claim.own, claim.date or (part.actor.name, part.role) if part else claim.date,
                      claim.other_event.slug if claim.other_event else None, claim.at_least, claim.rank,
                      claim.reason, links))
    return event, found


def test_format_5_loads_claims_with_ranks_reasons_links_and_relative_claims(engine):
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, CLAIMED)
    with db.session_scope(engine) as session:
        event, found = _claims_of(session, "1961-12-03-break")
        assert found == [
            ("date", True, "1961-12-03", None, None, "preferred", "Duka gives the day", []),
            ("participant", True, ("Nikita Khrushchev", "subject"), None, None, "normal", None, []),
            ("date", False, "1959", None, None, "normal", "another reading", [(2, "supports")]),
            ("participant", False, ("Albania", "initiator"), None, None, "normal", None,
             [(1, "disputes"), (2, "supports")]),
            ("after", False, None, "1961-06-04-submarines-leave-vlora", "3M", "normal", None, [(2, "supports")]),
        ]
        # the preferred claim is shown: the event reads 3 December 1961, not disputed
        assert (event.date, event.disputed) == ("1961-12-03", False)
        assert sorted((p.actor.name, p.role) for p in event.participations) == [
            ("Albania", "initiator"), ("Nikita Khrushchev", "subject")]


def test_format_5_loading_twice_changes_nothing_and_an_edit_updates_in_place(engine):
    from relations_db.store.models import Claim, ClaimCitation

    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, CLAIMED)
    with db.session_scope(engine, write=True) as session:
        report = load_seed_text(session, CLAIMED)
        assert report.counts["events"] == {"added": 0, "updated": 0, "unchanged": 2}
    with db.session_scope(engine) as session:
        before = _claims_of(session, "1961-12-03-break")[1]
    edited = CLAIMED.replace("reason: another reading", "reason: another reading, corrected\n"
                                                        "        rank: deprecated")
    with db.session_scope(engine, write=True) as session:
        report = load_seed_text(session, edited)
        assert report.counts["events"] == {"added": 0, "updated": 1, "unchanged": 1}
    with db.session_scope(engine) as session:
        after = _claims_of(session, "1961-12-03-break")[1]
        assert len(after) == len(before) and session.scalar(select(func.count()).select_from(ClaimCitation)) == 4
        assert after[2][5:7] == ("deprecated", "another reading, corrected")
        assert session.scalar(select(func.count()).select_from(Claim).where(Claim.kind == "after")) == 1
    # a file that leaves the claims out removes none of them
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, CLAIMED.split("    claims:\n")[0])
    with db.session_scope(engine) as session:
        assert _claims_of(session, "1961-12-03-break")[1] == after


def test_format_5_round_trip_is_byte_identical(engine, other_url):
    import io

    from relations_db.formats.seed.write import write_yaml
    from relations_db.read.events import event_rows
    from relations_db.read.filters import Filters

    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, CLAIMED)
    first = io.StringIO()
    with db.session_scope(engine) as session:
        write_yaml(event_rows(session, Filters()), session, first)
    assert "format: relations-db/seed 5\n" in first.getvalue() and "  - kind: after\n" in first.getvalue()
    other = db.make_engine(other_url)
    db.upgrade(other)
    with db.session_scope(other, write=True) as session:
        load_seed_text(session, first.getvalue())
    again = io.StringIO()
    with db.session_scope(other) as session:
        write_yaml(event_rows(session, Filters()), session, again)
        assert _claims_of(session, "1961-12-03-break")[1][2:] == _claims_of_engine(engine)[2:]
    other.dispose()
    assert again.getvalue() == first.getvalue()


def _claims_of_engine(engine):
    with db.session_scope(engine) as session:
        return _claims_of(session, "1961-12-03-break")[1]


def test_a_version_4_file_loads_as_before(engine, other_url):
    """A version-4 file (no claims) gives the same database as the same file marked version 5."""
    from write_sample import snapshot

    v4 = GOOD.replace("format: relations-db/seed 1", "format: relations-db/seed 4")
    with db.session_scope(engine, write=True) as session:
        load_seed_text(session, v4)
    other = db.make_engine(other_url)
    db.upgrade(other)
    with db.session_scope(other, write=True) as session:
        load_seed_text(session, v4.replace("seed 4", "seed 5"))
    with db.session_scope(engine) as a, db.session_scope(other) as b:
        assert snapshot(a) == snapshot(b)
    other.dispose()
    with pytest.raises(ValidationError, match="unknown field 'claims'"):
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, CLAIMED.replace("seed 5", "seed 4"))


# case: (text replaced, replacement, what the message says, what the line it names holds)
BAD_CLAIMS = {
    "unknown kind": ("- kind: after", "- kind: later", "kind must be one of", "- kind: later"),
    "unknown slug": ("event: 1961-06-04-submarines-leave-vlora", "event: 1961-06-05-nothing",
                     "event '1961-06-05-nothing' is not an event slug", "event: 1961-06-05-nothing"),
    "citation out of range": ("disputes: [1]", "disputes: [3]", "disputes 3 is not a citation of the event",
                              "disputes: [3]"),
    "relative without event": ("        event: 1961-06-04-submarines-leave-vlora\n", "",
                               "after claim: missing 'event'", "- kind: after"),
    "bad rank": ("rank: preferred", "rank: best", "rank must be one of preferred, normal, deprecated",
                 "rank: best"),
    "bad stance": ("disputes: [1]", "denies: [1]", "unknown field 'denies'", "denies: [1]"),
    "value of another kind": ("at_least: 3M", "at_least: 3M\n        date: '1962'", "'date' is not a field of",
                              "date: '1962'"),
    "bad duration": ("at_least: 3M", "at_least: three months", "at_least is a duration", "at_least: three"),
    "own date with a value": ("own: true\n", "own: true\n        date: 1961-12-03\n",
                              "leave 'date' out of an own: true entry", "date: 1961-12-03"),
    "own that is not": ("role: initiator\n        disputes", "role: initiator\n        own: true\n        disputes",
                        "do not state participant", "- kind: participant"),
    "own not marked": ('date: "1959"', "date: 1961-12-03", "write `own: true`", "- kind: date"),
    "citation twice": ("disputes: [1]\n        supports: [2]", "disputes: [1]\n        supports: [1]",
                       "citation 1 is named twice", ": [1]"),
}


@pytest.mark.parametrize("case", list(BAD_CLAIMS), ids=list(BAD_CLAIMS))
def test_a_bad_claim_is_refused_with_its_line_and_nothing_written(engine, case):
    old, new, expected, marker = BAD_CLAIMS[case]
    assert old in CLAIMED
    broken = CLAIMED.replace(old, new, 1)
    with pytest.raises(ValidationError) as info:
        with db.session_scope(engine, write=True) as session:
            load_seed_text(session, broken, "broken.yaml")
    problems = [p for p in info.value.problems if expected in p]
    assert len(problems) == 1, info.value.problems
    line = int(problems[0].split(":")[0].removeprefix("line "))
    assert marker in broken.splitlines()[line - 1], problems[0]
    with db.session_scope(engine) as session:
        assert sum(_counts(session).values()) == 0
