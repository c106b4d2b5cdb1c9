"""The write services: every rule a write obeys, and that a refused write leaves nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from write_sample import counts, load

from relations_db.errors import DateError, NotFound, UserError, ValidationError
from relations_db.store import db
from relations_db.store.models import Actor, Agreement, Citation, Event, EventSearch, Meeting, Place, Source
from relations_db.write import checks, citations, edit, events, records, resolve


@pytest.fixture
def sample(engine):
    load(engine)
    return engine


def _add(engine, **fields):
    """add_event in its own write transaction (as a command does); returns the slug."""
    with db.session_scope(engine, write=True) as s:
        return events.add_event(s, **fields).slug


BASIC = dict(date="1960-06", title="Bucharest meeting of communist parties", type="meeting",
             source="lala-2014", locator="p. 342", quote="In June 1960, in Bucharest")


# --- add_event ----------------------------------------------------------------------------------------------


def test_add_event_records_event_citation_participants_and_search_text(sample):
    slug = _add(sample, **BASIC, summary="Khrushchev attacks China.", actors=["hrushov:speaker", "Albania"],
                place="valona", tone="-3", cited_as="(Lala, 2014)", confidence=3, note="second sentence")
    assert slug == "1960-06-bucharest-meeting-of-communist-parties"
    with db.session_scope(sample) as s:
        event = s.scalar(select(Event).where(Event.slug == slug))
        assert (event.date, event.precision, event.start_iso, event.end_iso) == \
            ("1960-06", "month", "1960-06-01", "1960-06-30")
        assert event.place.name == "Vlorë" and event.tone == -3 and event.kind == "event"
        assert [(p.actor.name, p.role) for p in event.participations] == \
            [("Nikita Khrushchev", "speaker"), ("Albania", None)]
        (citation,) = event.citations
        assert (citation.source.key, citation.locator, citation.quote, citation.cited_as, citation.confidence,
                citation.note) == ("lala-2014", "p. 342", "In June 1960, in Bucharest", "(Lala, 2014)", 3,
                                   "second sentence")
        body = s.get(EventSearch, event.id).body
        assert "Bucharest meeting" in body and "Khrushchev attacks China." in body and "In June 1960" in body


def test_add_event_accepts_a_short_form_and_a_second_hand_citation(sample):
    slug = _add(sample, date="1961-11", title="Hoxha's speech", type="statement", source="Duka 2007",
                cited_in="Lala 2014", cited_in_locator="p. 343")
    with db.session_scope(sample) as s:
        (c,) = s.scalar(select(Event).where(Event.slug == slug)).citations
        assert (c.source.key, c.cited_in.key, c.cited_in_locator, c.confidence) == \
            ("duka-2007", "lala-2014", "p. 343", 2)


def test_meetings_and_agreements_keep_their_details(sample):
    m = _add(sample, **{**BASIC, "title": "Talks in Moscow"}, kind="meeting", meeting_format="bilateral",
             outcome="no agreement")
    a = _add(sample, date="1959-05-03", title="Second base accord", type="agreement", source="lala-2014",
             kind="agreement", status="in force", subject="submarines", invokes=["1957-09-12-base-agreement"])
    with db.session_scope(sample) as s:
        meeting = s.scalar(select(Meeting).where(Meeting.slug == m))
        assert (meeting.format, meeting.outcome) == ("bilateral", "no agreement")
        agreement = s.scalar(select(Agreement).where(Agreement.slug == a))
        assert (agreement.status, agreement.subject) == ("in force", "submarines")
        assert [e.slug for e in agreement.invokes] == ["1957-09-12-base-agreement"]


def test_meeting_details_on_a_plain_event_are_refused(sample):
    before = counts(sample)
    with pytest.raises(UserError, match="the outcome describes a meeting: set the kind to meeting") as caught:
        _add(sample, **BASIC, outcome="a row")
    assert caught.value.field == "kind"
    assert counts(sample) == before


def test_without_a_source_nothing_is_written(sample):
    before = counts(sample)
    with pytest.raises(UserError, match="a source is required"):
        _add(sample, **{**BASIC, "source": None})
    with pytest.raises(UserError, match="a source is required"):
        _add(sample, **{**BASIC, "source": "   "})
    assert counts(sample) == before


def test_unknown_actor_is_refused_with_a_suggestion_and_nothing_written(sample):
    before = counts(sample)
    with pytest.raises(NotFound, match=r"no actor named .Hrushchov.; did you mean .Nikita Khrushchev. "
                                       r"\(as .Hrushov.\)\? To record a new actor, give the kind") as caught:
        _add(sample, **BASIC, actors=["Hrushchov:speaker"])
    assert caught.value.field == "new_actor_kind"
    assert counts(sample) == before


def test_unknown_place_is_refused_with_a_suggestion(sample):
    before = counts(sample)
    with pytest.raises(NotFound, match=r"no place named .Vlorra.; did you mean .Vlorë. \(as .Vlora.\)"
                                       r".*allow new places") as caught:
        _add(sample, **BASIC, place="Vlorra")
    assert caught.value.field == "new_place"
    assert counts(sample) == before


def test_new_actor_and_new_place_are_created_when_asked(sample):
    slug = _add(sample, **BASIC, actors=["Mao Zedong:guest", "Albania:host", "Mao Zedong:speaker"],
                new_actor_kind="person", place="Bucharest", new_place=True)
    with db.session_scope(sample) as s:
        event = s.scalar(select(Event).where(Event.slug == slug))
        assert [(p.actor.name, p.actor.kind, p.role) for p in event.participations] == [
            ("Mao Zedong", "person", "guest"), ("Albania", "state", "host"), ("Mao Zedong", "person", "speaker")]
        assert s.scalar(select(Place).where(Place.name == "Bucharest")) is event.place
        assert len(list(s.scalars(select(Actor).where(Actor.name == "Mao Zedong")))) == 1


def test_a_bad_new_actor_kind_is_refused(sample):
    with pytest.raises(UserError, match="the kind of new actors must be one of person, state") as caught:
        _add(sample, **BASIC, actors=["Mao Zedong"], new_actor_kind="human")
    assert caught.value.field == "new_actor_kind"


@pytest.mark.parametrize("date", ["1961-13-45", "June", "1961/13", ""])
def test_a_bad_date_is_refused_with_the_accepted_forms(sample, date):
    before = counts(sample)
    with pytest.raises(UserError, match="1961-06-04 \\(day\\)|the date is required"):
        _add(sample, **{**BASIC, "date": date})
    assert counts(sample) == before


@pytest.mark.parametrize("field,value,message", [
    ("tone", 11, "tone must be a whole number from -10 to 10"),
    ("tone", "very", "tone must be a whole number from -10 to 10"),
    ("confidence", 5, "confidence must be a whole number from 0 to 4"),
    ("confidence", "-1", "confidence must be a whole number from 0 to 4"),
    ("title", "  ", "the title is required"),
    ("kind", "battle", "kind of event must be one of event, meeting, agreement"),
    ("source", "dukka 2007", "no source named 'dukka 2007'; did you mean 'Duka 2007'"),
    ("cited_in", "nowhere", "no source named 'nowhere'"),
    ("invokes", ["1961-12-03-break"], "is a event, not an agreement"),
    ("slug", "Bad Slug", "a slug is lower-case letters"),
    ("slug", "1961-12-03-break", "already exists"),
])
def test_bad_values_are_refused_and_nothing_is_written(sample, field, value, message):
    before = counts(sample)
    with pytest.raises(UserError, match=message):
        _add(sample, **{**BASIC, field: value})
    assert counts(sample) == before


@pytest.mark.parametrize("type_", [None, "", "   "])
def test_an_event_without_a_type_is_unclassified(sample, type_):
    from sqlalchemy import select

    from relations_db.store.models import Event

    slug = _add(sample, **{**BASIC, "type": type_, "force": True})
    with db.session_scope(sample) as s:
        assert s.scalar(select(Event.type).where(Event.slug == slug)) is None


def test_every_problem_is_reported_at_once(sample):
    with pytest.raises(ValidationError) as caught:
        _add(sample, date="1961-13", title="", type="x", source="nope", tone=99, actors=["Nobody"])
    text = str(caught.value)
    for expected in ("not a valid date", "the title is required", "no source named 'nope'", "tone must be",
                     "no actor named 'Nobody'", "nothing was written"):
        assert expected in text
    assert len(caught.value.problems) == 5


def test_same_date_and_similar_title_is_refused_as_a_duplicate_unless_forced(sample):
    before = counts(sample)
    with pytest.raises(UserError, match="1961-12-03-break .*a similar title on overlapping dates.*force the write") \
            as caught:
        _add(sample, date="1961-12-03", title="The Soviet Union breaks off relations!", type="break",
             source="duka-2007")
    assert caught.value.field == "force"
    assert counts(sample) == before
    slug = _add(sample, date="1961-12-03", title="The Soviet Union breaks off relations!", type="break",
                source="duka-2007", force=True)
    assert slug == "1961-12-03-the-soviet-union-breaks-off-relations"


def test_same_date_and_same_participants_is_a_likely_duplicate(sample):
    with pytest.raises(UserError, match="same date and the same participants"):
        _add(sample, date="1961-12-03", title="Moscow recalls its ambassador", type="diplomatic",
             source="duka-2007", actors=["USSR:initiator", "Albania:target"])
    # a different day, or different people, is not a duplicate
    _add(sample, date="1961-12-04", title="Moscow recalls its ambassador", type="diplomatic",
         source="duka-2007", actors=["USSR:initiator", "Albania:target"])
    _add(sample, date="1961-12-03", title="Moscow recalls its ambassador", type="diplomatic",
         source="duka-2007", actors=["USSR"])


def test_slugs_are_unique(sample):
    first = _add(sample, **BASIC)
    second = _add(sample, **BASIC, force=True)
    third = _add(sample, **BASIC, force=True)
    assert (first, second, third) == (f"{first}", f"{first}-2", f"{first}-3")


def test_parse_actor_spec():
    assert checks.parse_actor_spec("Nikita Khrushchev:guest") == ("Nikita Khrushchev", "guest")
    assert checks.parse_actor_spec(" Albania ") == ("Albania", None)
    assert checks.parse_actor_spec("Albania:") == ("Albania", None)
    assert checks.parse_actor_spec("CPSU: Presidium") == ("CPSU: Presidium", None)
    assert checks.parse_actor_spec("CPSU: Presidium:host") == ("CPSU: Presidium", "host")


# --- add_citation ---------------------------------------------------------------------------------------------


def test_add_citation_adds_evidence_and_refreshes_search(sample):
    with db.session_scope(sample, write=True) as s:
        events.add_citation(s, "1961-12-03-break", source="Lala 2014", locator="p. 343",
                              quote="pulling even the diplomatic corps", confidence="4")
    with db.session_scope(sample) as s:
        event = s.scalar(select(Event).where(Event.slug == "1961-12-03-break"))
        assert [(c.source.key, c.confidence) for c in event.citations] == [("duka-2007", 3), ("lala-2014", 4)]
        assert "pulling even the diplomatic corps" in s.get(EventSearch, event.id).body


def test_an_identical_citation_or_a_bad_one_is_refused(sample):
    before = counts(sample)
    with pytest.raises(UserError, match="already cites lala-2014 at p. 343"):
        with db.session_scope(sample, write=True) as s:
            events.add_citation(s, "1961-06-04-submarines-leave-vlora", source="lala-2014", locator="p. 343",
                                  quote="8, out of 12, submarines")
    with pytest.raises(NotFound, match="no event named"):
        with db.session_scope(sample, write=True) as s:
            events.add_citation(s, "no-such-event", source="lala-2014")
    with pytest.raises(UserError, match="confidence must be"):
        with db.session_scope(sample, write=True) as s:
            events.add_citation(s, "1961-12-03-break", source="lala-2014", confidence=7)
    assert counts(sample) == before


# --- edit_event -----------------------------------------------------------------------------------------------


def _edit(engine, ref, **changes):
    with db.session_scope(engine, write=True) as s:
        event, changed = edit.edit_event(s, ref, **changes)
        return event.slug, changed


def test_edit_changes_fields_and_revalidates_the_date(sample):
    slug, changed = _edit(sample, "1961-12-03-break", date="1961-12~", title="Relations broken off",
                          summary="Diplomats leave.", tone="-8", place="Moscow")
    assert slug == "1961-12-03-break"
    assert changed == ["date", "title", "summary", "tone", "place"]
    with db.session_scope(sample) as s:
        e = s.scalar(select(Event).where(Event.slug == slug))
        assert (e.date, e.precision, e.approximate, e.start_iso, e.end_iso) == \
            ("1961-12~", "month", True, "1961-12-01", "1961-12-31")
        assert (e.title, e.summary, e.tone, e.place.name) == ("Relations broken off", "Diplomats leave.", -8,
                                                             "Moscow")
        assert "Relations broken off" in s.get(EventSearch, e.id).body
    _, changed = _edit(sample, slug, summary="", place="", tone="")
    with db.session_scope(sample) as s:
        e = s.scalar(select(Event).where(Event.slug == slug))
        assert (e.summary, e.place, e.tone) == (None, None, None)


def test_edit_refuses_a_bad_date_and_leaves_the_event_as_it_was(sample):
    before = counts(sample)
    with pytest.raises(DateError, match="Accepted forms"):
        _edit(sample, "1961-12-03-break", date="3 Dec 1961", title="changed")
    with pytest.raises(UserError, match="the title is required"):
        _edit(sample, "1961-12-03-break", title=" ")
    with db.session_scope(sample) as s:
        e = s.scalar(select(Event).where(Event.slug == "1961-12-03-break"))
        assert (e.date, e.title) == ("1961-12-03", "The Soviet Union breaks off relations")
    assert counts(sample) == before


def test_edit_actors_citations_and_invocations(sample):
    _, changed = _edit(sample, "1961-12-03-break", add_actors=["Hrushov:initiator", "Enver Hoxha"],
                       remove_actors=["albania"], add_invokes=["1957-09-12-base-agreement"])
    assert changed == ["actors", "invokes"]
    with db.session_scope(sample, write=True) as s:
        events.add_citation(s, "1961-12-03-break", source="lala-2014", quote="x")
        duka = s.scalar(select(Citation.id).join(Source, Source.id == Citation.source_id)
                        .where(Source.key == "duka-2007"))
    with db.session_scope(sample, write=True) as s:
        gone = citations.remove_citation(s, f"c{duka}")
    assert (gone["source"], gone["event"], gone["left"]) == ("duka-2007", "1961-12-03-break", 1)
    with db.session_scope(sample) as s:
        e = s.scalar(select(Event).where(Event.slug == "1961-12-03-break"))
        assert [(p.actor.name, p.role) for p in e.participations] == [
            ("Soviet Union", "initiator"), ("Nikita Khrushchev", "initiator"), ("Enver Hoxha", None)]
        assert [c.source.key for c in e.citations] == ["lala-2014"]
        assert [a.slug for a in e.invokes] == ["1957-09-12-base-agreement"]
        assert s.scalar(select(Source).where(Source.key == "duka-2007")) is not None  # the source stays


def test_the_last_citation_cannot_be_removed(sample):
    before = counts(sample)
    with db.session_scope(sample) as s:
        (only,) = s.scalar(select(Event).where(Event.slug == "1961-12-03-break")).citations
        only_id = only.id
    with pytest.raises(UserError, match=f"c{only_id} is the only citation of '1961-12-03-break'"), \
            db.session_scope(sample, write=True) as s:
        citations.remove_citation(s, str(only_id))
    with pytest.raises(UserError, match="'Enver Hoxha' is not a participant"):
        _edit(sample, "1961-12-03-break", remove_actors=["Enver Hoxha"])
    assert counts(sample) == before


def test_edit_changes_the_kind_keeping_id_actors_and_citations(sample):
    with db.session_scope(sample) as s:
        before = s.scalar(select(Event).where(Event.slug == "1961-12-03-break")).id
    _, changed = _edit(sample, "1961-12-03-break", kind="meeting", meeting_format="bilateral")
    assert changed == ["kind", "meeting_format"]
    with db.session_scope(sample) as s:
        e = s.scalar(select(Event).where(Event.slug == "1961-12-03-break"))
        assert isinstance(e, Meeting) and e.id == before and e.format == "bilateral"
        assert len(e.participations) == 2 and len(e.citations) == 1
    _edit(sample, "1961-12-03-break", kind="event")
    with db.session_scope(sample) as s:
        assert type(s.get(Event, before)) is Event


def test_an_invoked_agreement_keeps_its_kind(sample):
    with pytest.raises(UserError, match="invoked as an agreement by 1961-06-04-submarines-leave-vlora"):
        _edit(sample, "1957-09-12-base-agreement", kind="event")


def test_edit_refuses_a_change_that_makes_a_duplicate(sample):
    with pytest.raises(UserError, match="looks like an event already recorded"):
        _edit(sample, "1961-06-04-submarines-leave-vlora", date="1961-12-03",
              title="The Soviet Union breaks off relations")
    _edit(sample, "1961-06-04-submarines-leave-vlora", date="1961-12-03", force=True,
          title="The Soviet Union breaks off relations")


def test_edit_renames_the_slug_only_to_a_free_valid_one(sample):
    with pytest.raises(UserError, match="already exists"):
        _edit(sample, "1961-12-03-break", slug="1957-09-12-base-agreement")
    assert _edit(sample, "1961-12-03-break", slug="1961-12-03-relations-broken")[0] == "1961-12-03-relations-broken"


# --- remove_event ---------------------------------------------------------------------------------------------


def test_remove_event_takes_its_citations_and_leaves_its_sources(sample):
    with db.session_scope(sample, write=True) as s:
        gone = events.remove_event(s, "1961-12-03-break")
    assert gone == {"slug": "1961-12-03-break", "title": "The Soviet Union breaks off relations",
                    "date": "1961-12-03", "citations": 1, "invoked_by": [], "relative": 0}
    with db.session_scope(sample) as s:
        assert s.scalar(select(Event).where(Event.slug == "1961-12-03-break")) is None
        assert all(c.event.slug != "1961-12-03-break" for c in s.scalars(select(Citation)))
        assert s.scalar(select(Source).where(Source.key == "duka-2007")) is not None
        assert len(list(s.scalars(select(EventSearch)))) == 3
    with pytest.raises(NotFound):
        with db.session_scope(sample, write=True) as s:
            events.remove_event(s, "1961-12-03-break")


def test_removing_an_agreement_unlinks_the_events_that_invoke_it(sample):
    with db.session_scope(sample, write=True) as s:
        gone = events.remove_event(s, "1957-09-12-base-agreement")
    assert gone["invoked_by"] == ["1961-06-04-submarines-leave-vlora"]
    with db.session_scope(sample) as s:
        assert s.scalar(select(Event).where(Event.slug == "1961-06-04-submarines-leave-vlora")).invokes == []


def test_removed_event_is_no_longer_found_by_full_text_search(sample):
    from relations_db.read.events import event_rows
    from relations_db.read.filters import Filters

    with db.session_scope(sample) as s:
        assert [e["slug"] for e in event_rows(s, Filters(search="diplomatic"))] == []
        assert [e["slug"] for e in event_rows(s, Filters(search="ended relations"))] == ["1961-12-03-break"]
    with db.session_scope(sample, write=True) as s:
        events.remove_event(s, "1961-12-03-break")
    with db.session_scope(sample) as s:
        assert list(event_rows(s, Filters(search="ended relations"))) == []


# --- add_source, add_actor ------------------------------------------------------------------------------------


def test_add_source_makes_a_key_and_a_distinct_short_form(sample):
    with db.session_scope(sample, write=True) as s:
        source = records.add_source(s, kind="book", title="Another history", author="Duka, V.", year="2007",
                                     publisher="Toena")
        assert (source.key, source.short, source.publisher) == ("duka-2007-2", "Duka 2007a", "Toena")
    with db.session_scope(sample) as s:
        assert s.scalar(select(Source).where(Source.key == "duka-2007")).short == "Duka 2007"


@pytest.mark.parametrize("fields,message", [
    ({"key": "duka-2007"}, "a source with the key 'duka-2007' already exists"),
    ({"key": "Duka 2007"}, "a key is lower-case letters"),
    ({"kind": "novel"}, "kind of source must be one of book"),
    ({"year": "20o7"}, "year must be a whole number"),
    ({"title": ""}, "the title is required"),
])
def test_add_source_refusals(sample, fields, message):
    before = counts(sample)
    with pytest.raises(UserError, match=message):
        with db.session_scope(sample, write=True) as s:
            records.add_source(s, **{"kind": "book", "title": "T", "author": "X", **fields})
    assert counts(sample) == before


def test_add_actor_with_aliases(sample):
    with db.session_scope(sample, write=True) as s:
        records.add_actor(s, name="Mehmet Shehu", kind="person", description="Prime minister",
                           aliases=["M. Shehu", "Shehu", "shehu", "Mehmet Shehu"])
    with db.session_scope(sample) as s:
        actor = resolve.resolve_actor(s, "m. shehu")
        assert (actor.name, actor.kind, [a.name for a in actor.aliases]) == \
            ("Mehmet Shehu", "person", ["M. Shehu", "Shehu"])


@pytest.mark.parametrize("name,aliases,message", [
    ("Nikita Khrushchev", [], "'Nikita Khrushchev' already names the actor 'Nikita Khrushchev'"),
    ("GRECKO", [], "already names the actor 'Andrei Grechko'"),
    ("N. S. Khrushchev", ["HRUSSHOV"], "the alias 'HRUSSHOV' already names the actor 'Nikita Khrushchev'"),
    ("", [], "the name is required"),
])
def test_add_actor_refuses_a_name_or_alias_of_another_actor(sample, name, aliases, message):
    before = counts(sample)
    with pytest.raises(UserError, match=message):
        with db.session_scope(sample, write=True) as s:
            records.add_actor(s, name=name, kind="person", aliases=aliases)
    assert counts(sample) == before


def test_add_actor_refuses_a_bad_kind(sample):
    with pytest.raises(UserError, match="actor kind must be one of person"):
        with db.session_scope(sample, write=True) as s:
            records.add_actor(s, name="Someone", kind="hero")
