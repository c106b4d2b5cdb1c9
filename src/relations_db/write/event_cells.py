"""The CSV's derived cells of each event, stored with it and kept in step on every write.

`events.date_display`, `events.sources_cell` and `events.notes_cell` hold the date as a reader sees it
(`domain.dates.display`) and the sources and notes of the event's citations (`domain.citing.evidence_cells`),
so that the export reads them as they are: made for every row at export time, they cost the export of 1M
events a quarter of its speed (BENCHMARKS.md, ninth session). They are made here, by the same rules as the
general writer's, whenever what they follow changes:

- an event's date: `models._show_date` (every ORM write) and the CSV import's bulk statements;
- an event's citations: `cells_of` for ORM events, `refresh_cells_for` for events given by id (both called by
  `search_index`, whose refresh every write of an event's citations already runs);
- a source's short form: `refresh_cells_citing`, for every event citing it, first-hand or as the work it was
  read in.

A NULL cell means "not made yet" (a database just migrated to 0012): `fill_missing_cells` makes them, which
`db upgrade` runs; the export takes its general way while any is missing. A later change to either rule ships a
migration that sets the cells NULL again, so that the upgrade makes them anew.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from relations_db.domain.citing import Cited, evidence_cells
from relations_db.domain.dates import display
from relations_db.store.models import Event
from relations_db.store.schema import CELLS_MISSING, citations, events, sources

_CHUNK = 500  # events read and written per statement
CELLS = ("date_display", "sources_cell", "notes_cell")
Cells = tuple[str, str, str]


def cells_of(event: Event) -> Cells:
    """The three cells of an ORM event, from its date and its loaded citations."""
    cited = [(c.source.short, c.locator, c.cited_in.short if c.cited_in is not None else None, c.cited_in_locator)
             for c in event.citations]
    return (display(event.date), *evidence_cells(cited))


def refresh_cells(event: Event) -> None:
    """Set the ORM event's cells where they differ from what its date and citations give (flushed by the caller)."""
    made = cells_of(event)
    if (event.date_display, event.sources_cell, event.notes_cell) != made:
        event.date_display, event.sources_cell, event.notes_cell = made


def refresh_cells_for(session: Session, event_ids: Iterable[int]) -> int:
    """Make the cells of the events given by id again, read and written with Core statements (no ORM objects
    are loaded); returns how many events' cells changed."""
    ids = list(dict.fromkeys(event_ids))
    changed = 0
    for i in range(0, len(ids), _CHUNK):
        changed += _store(session, _made(session, ids[i:i + _CHUNK]))
    return changed


def refresh_cells_citing(session: Session, source_ids: Iterable[int]) -> int:
    """`refresh_cells_for` every event citing one of these sources, first-hand or as the work it was read in
    (after their short forms changed); returns how many events' cells changed."""
    wanted = sorted(set(source_ids))
    if not wanted:
        return 0
    session.flush()
    cited = select(citations.c.event_id).where(or_(citations.c.source_id.in_(wanted),
                                                   citations.c.cited_in_id.in_(wanted))).distinct()
    return refresh_cells_for(session, sorted(session.scalars(cited)))


def fill_missing_cells(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Make the cells of every event that has none yet (`notes_cell` NULL); returns how many events.
    `progress(events so far)` is called after each chunk."""
    done = 0
    while True:
        ids = list(session.scalars(select(events.c.id).where(CELLS_MISSING)
                                   .order_by(events.c.id).limit(_CHUNK * 20)))
        if not ids:
            return done
        refresh_cells_for(session, ids)
        done += len(ids)
        if progress is not None:
            progress(done)


def _made(session: Session, chunk: list[int]) -> dict[int, Cells]:
    """The cells of the events of `chunk`, made from their dates and their citations."""
    cited: dict[int, list[Cited]] = defaultdict(list)
    rows = session.execute(select(citations.c.event_id, citations.c.source_id, citations.c.locator,
                                  citations.c.cited_in_id, citations.c.cited_in_locator)
                           .where(citations.c.event_id.in_(chunk)).order_by(citations.c.id)).all()
    wanted = {row.source_id for row in rows} | {row.cited_in_id for row in rows if row.cited_in_id is not None}
    shorts = dict(session.execute(select(sources.c.id, sources.c.short).where(sources.c.id.in_(sorted(wanted)))).all())
    for row in rows:
        cited[row.event_id].append((shorts[row.source_id], row.locator,
                                    shorts[row.cited_in_id] if row.cited_in_id is not None else None,
                                    row.cited_in_locator))
    dates = session.execute(select(events.c.id, events.c.date).where(events.c.id.in_(chunk)))
    return {event_id: (display(date), *evidence_cells(cited[event_id])) for event_id, date in dates}


def _store(session: Session, made: dict[int, Cells]) -> int:
    """Write the cells that differ from those stored; returns how many events changed. ORM events already
    loaded are told to read theirs again."""
    stored = {row[0]: tuple(row[1:]) for row in session.execute(
        select(events.c.id, *(events.c[name] for name in CELLS)).where(events.c.id.in_(sorted(made))))}
    changed = [{"_id": event_id, **{f"new_{name}": value for name, value in zip(CELLS, cells, strict=True)}}
               for event_id, cells in made.items() if stored.get(event_id) != cells]
    if changed:
        # (bound parameters may not take the names of the columns they set)
        session.execute(update(events).where(events.c.id == bindparam("_id"))
                        .values({name: bindparam(f"new_{name}") for name in CELLS}), changed)
        for row in changed:
            loaded = session.identity_map.get(session.identity_key(Event, row["_id"]))
            if loaded is not None:
                session.expire(loaded, list(CELLS))
    return len(changed)
