"""The text that full-text search reads for each event, kept in step with the event on every write.

`event_search` holds one row per event: its title, summary and every quotation (`body`, shown in snippets) and
the search form (`domain.words.search_form`: folded, ASCII, stemmed) of each part apart — `title_terms`,
`summary_terms`, `quote_terms` — so that the ranking weighs a word in the title above one in a quotation. On
SQLite an FTS5 index over the three is fed by triggers on the table; on PostgreSQL a GIN index covers their
weighted tsvector.

Every refresh here also makes the event's CSV cells again (`event_cells`: the date as shown, the sources and
the notes), which follow its citations as the search text follows their quotations: each write of an event's
citations runs one of these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain.words import search_form
from relations_db.store.models import Citation, Event, EventSearch
from relations_db.write.event_cells import refresh_cells, refresh_cells_for

# Events read or written per statement by the functions for many events.
_CHUNK = 500


class SearchText(NamedTuple):
    """An event's row of `event_search` (but its id): the text, and the search form of each part."""

    body: str
    title_terms: str
    summary_terms: str
    quote_terms: str


SEARCH_COLUMNS = ("event_id", *SearchText._fields)


def compose_search_text(title: str, summary: str | None, quotes: Iterable[str | None]) -> SearchText:
    """The search text of an event with this title, summary and these quotations: the text (one a line, blanks
    left out) and the search form of the title, the summary and the quotations."""
    quoted = [quote for quote in quotes if quote]
    body = "\n".join(p for p in [title, summary or "", *quoted] if p)
    return SearchText(body, search_form(title), search_form(summary), search_form(" ".join(quoted)))


def search_text(event: Event) -> SearchText:
    """What full-text search reads for an event: its title, summary and every quotation."""
    return compose_search_text(event.title, event.summary, (c.quote for c in event.citations))


def refresh_search(session: Session, event: Event) -> None:
    """Keep the event's row in `event_search` (and so the full-text index), and its CSV cells, in step with the
    event."""
    session.flush()
    refresh_cells(event)
    text = search_text(event)
    row = session.get(EventSearch, event.id)
    if row is None:
        session.add(EventSearch(event_id=event.id, **text._asdict()))
    elif (row.body, row.title_terms, row.summary_terms, row.quote_terms) != text:
        row.body, row.title_terms, row.summary_terms, row.quote_terms = text
    session.flush()


def refresh_search_many(session: Session, events: Iterable[Event]) -> None:
    """`refresh_search` for many events at once, for imports: bulk statements, one query per 500 events."""
    events = list(events)
    for event in events:
        refresh_cells(event)
    session.flush()
    store_search_texts(session, {event.id: search_text(event) for event in events})


def refresh_search_for(session: Session, event_ids: Iterable[int]) -> None:
    """`refresh_search` for events given by id, read with Core statements (no ORM objects are loaded)."""
    events_table, citations_table = Event.__table__, Citation.__table__
    ids = list(dict.fromkeys(event_ids))
    texts: dict[int, SearchText] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        quotes: dict[int, list[str | None]] = defaultdict(list)
        for event_id, quote in session.execute(
                select(citations_table.c.event_id, citations_table.c.quote)
                .where(citations_table.c.event_id.in_(chunk)).order_by(citations_table.c.id)):
            quotes[event_id].append(quote)
        for event_id, title, summary in session.execute(
                select(events_table.c.id, events_table.c.title, events_table.c.summary)
                .where(events_table.c.id.in_(chunk))):
            texts[event_id] = compose_search_text(title, summary, quotes[event_id])
    store_search_texts(session, texts)
    refresh_cells_for(session, ids)


def store_search_texts(session: Session, texts: dict[int, SearchText]) -> None:
    """Write each event's search text (event id → text) into `event_search` where it is missing or differs.

    New rows go in with bulk statements (on SQLite one statement per 500 rows, so that the FTS5 index behind
    the table's triggers flushes once per statement, not once per row); changed rows are updated.
    """
    from sqlalchemy import bindparam, update

    from relations_db.store.bulk import BulkWriter

    table = EventSearch.__table__
    writer = BulkWriter(session)
    items = list(texts.items())
    for i in range(0, len(items), _CHUNK):
        chunk = items[i:i + _CHUNK]
        stored = {row[0]: tuple(row[1:]) for row in session.execute(
            select(*(table.c[name] for name in SEARCH_COLUMNS))
            .where(table.c.event_id.in_([event_id for event_id, _ in chunk])))}
        writer.insert("event_search", SEARCH_COLUMNS,
                      [(event_id, *text) for event_id, text in chunk if event_id not in stored])
        changed = [{"_id": event_id, **{f"new_{k}": v for k, v in text._asdict().items()}}
                   for event_id, text in chunk if event_id in stored and stored[event_id] != text]
        if changed:
            session.execute(update(table).where(table.c.event_id == bindparam("_id"))
                            .values({k: bindparam(f"new_{k}") for k in SearchText._fields}), changed)
    # Rows loaded as ORM objects before (by `refresh_search`) would otherwise keep the old text.
    for event_id in texts:
        loaded = session.identity_map.get(session.identity_key(EventSearch, event_id))
        if loaded is not None:
            session.expire(loaded)
