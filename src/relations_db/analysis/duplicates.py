"""The audit's duplicate-event rule: two events on overlapping dates with similar titles (`vocab.similar_titles`),
found by blocking on rare title words, never by comparing all pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.analysis.findings import Finding, rule
from relations_db.analysis.findings import when as _when
from relations_db.domain import vocab
from relations_db.store import schema

EV = schema.events
ES = schema.event_search


@rule("duplicate-event")
def _duplicate_events(session: Session) -> Iterator[Finding]:
    # Blocking, never all pairs: only events that share a rare title word (in at most DUPLICATE_RARE_TITLES
    # titles) are compared, and only when their dates overlap — two passes over the titles (counting the words,
    # then listing who holds each rare one), then the pairs found read once. A million events take seconds.
    # The titles' words are read stemmed, as the search index stores them (`event_search.title_terms`).
    conn = session.connection()
    titles = select(EV.c.id, EV.c.start_day, EV.c.end_day, ES.c.title_terms).join(ES, ES.c.event_id == EV.c.id)
    counts: dict[str, int] = defaultdict(int)
    for row in conn.execute(titles):
        for word in vocab.title_words_of_form(row.title_terms):
            counts[word] += 1
    holders: dict[str, list[tuple[int, int | None, int | None]]] = defaultdict(list)
    for row in conn.execute(titles):
        for word in vocab.title_words_of_form(row.title_terms):
            if 2 <= counts[word] <= vocab.DUPLICATE_RARE_TITLES:
                holders[word].append((row.id, row.start_day, row.end_day))
    del counts
    pairs = {(a[0], b[0]) for events in holders.values() for i, a in enumerate(events) for b in events[i + 1:]
             if _overlap(a[1:], b[1:])}
    yield from _similar_pairs(session, pairs)


def _overlap(a: tuple[int | None, int | None], b: tuple[int | None, int | None]) -> bool:
    """Whether two spans of days overlap (None: an open or unknown end, reaching any day)."""
    return (a[0] is None or b[1] is None or a[0] <= b[1]) and (b[0] is None or a[1] is None or b[0] <= a[1])


def _similar_pairs(session: Session, pairs: set[tuple[int, int]]) -> Iterator[Finding]:
    """The findings of the candidate pairs (event ids) whose titles are similar (`vocab.similar_titles`), in the
    order of the events' dates."""
    ids = sorted({i for pair in pairs for i in pair})
    events = {}
    for i in range(0, len(ids), 500):
        for row in session.execute(select(EV.c.id, EV.c.slug, EV.c.date, EV.c.start_day, EV.c.end_day, EV.c.title)
                                   .where(EV.c.id.in_(ids[i:i + 500]))):
            events[row.id] = row

    def order(row: Any) -> tuple:
        return (row.start_day is not None, row.start_day or 0, row.end_day is None, row.end_day or 0, row.slug)

    found = []
    for pair in pairs:
        a, b = sorted((events[pair[0]], events[pair[1]]), key=order)
        if vocab.similar_titles(a.title, b.title):
            found.append((order(a), order(b), a, b))
    for *_, a, b in sorted(found, key=lambda f: (f[0], f[1])):
        when = f"both dated {_when(a.date)}" if a.date == b.date else \
            f"dated {_when(a.date)} and {_when(b.date)}, which overlap"
        yield Finding("duplicate-event", "warning", (("event", a.slug), ("event", b.slug)),
                      f"{a.title!r} and {b.title!r} are {when}: probably the same event entered twice.",
                      f"merge them into one event that keeps the citations of both (`relations-db merge event "
                      f"{a.slug} {b.slug}`), or make the titles say how they differ")
