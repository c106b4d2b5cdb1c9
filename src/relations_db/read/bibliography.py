"""Sources as bibliography records: every field with the source's creators, and its CSL-JSON item, for the
`csl` of `sources --format json` and for the BibTeX, CSL-JSON and RIS writers (`formats/bib/`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from relations_db.domain.csl import Creator, creators_by_source, stored_extra, to_csl
from relations_db.domain.vocab import SOURCE_RECORD_FIELDS
from relations_db.read.tables import SC, SO, connection

if TYPE_CHECKING:
    from relations_db.read.filters import Filters
    from relations_db.read.tables import Database

_CHUNK = 500  # ids per IN (...) list


class SourceRecord(dict[str, Any]):
    """A source's fields by the project's names (`extra` a dict), `short` and `creators` (a list of Creator)."""

    @property
    def creators(self) -> list[Creator]:
        return self["creators"]

    def csl(self) -> dict[str, Any]:
        """The source's CSL-JSON item."""
        return to_csl(self, self.creators)


def records_statement() -> Select[Any]:
    """The fields of `vocab.SOURCE_RECORD_FIELDS` of every source, in key order."""
    return select(*(SO.c[n] for n in SOURCE_RECORD_FIELDS)).order_by(SO.c.key)


def creators_statement() -> Select[Any]:
    """(source id, role, family, given, literal, suffix) of every creator, by source and position."""
    return (select(SC.c.source_id, SC.c.role, SC.c.family, SC.c.given, SC.c.literal, SC.c.suffix)
            .order_by(SC.c.source_id, SC.c.position))


def _creators(conn: Any, ids: list[int]) -> dict[int, list[Creator]]:
    return creators_by_source(r for i in range(0, len(ids), _CHUNK)
                              for r in conn.execute(creators_statement().where(SC.c.source_id.in_(ids[i:i + _CHUNK]))))


def source_records(db: Database, ids: Iterable[int] | None = None) -> list[SourceRecord]:
    """The sources with these ids (every source when None), in key order, as `SourceRecord`s."""
    conn = connection(db)
    stmt = records_statement()
    if ids is None:
        rows = conn.execute(stmt).all()
    else:
        wanted = sorted(set(ids))
        rows = [r for i in range(0, len(wanted), _CHUNK)
                for r in conn.execute(stmt.where(SO.c.id.in_(wanted[i:i + _CHUNK])))]
        rows.sort(key=lambda r: r.key)
    names = _creators(conn, [r.id for r in rows])
    records = []
    for r in rows:
        record = SourceRecord(r._mapping)
        record["extra"] = stored_extra(record["extra"])
        record["creators"] = names.get(r.id, [])
        records.append(record)
    return records


def csl_items(db: Database, ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """The CSL-JSON item of each source, by id."""
    return {r["id"]: r.csl() for r in source_records(db, ids)}


def cited_source_ids(db: Database, filters: Filters) -> set[int]:
    """The sources the events matching `filters` cite, directly or as the work that reports a citation."""
    from relations_db.read.events import event_rows

    keys: set[str] = set()
    for event in event_rows(db, filters):
        for citation in event["citations"]:
            keys.add(citation["source"])
            if citation["cited_in"] is not None:
                keys.add(citation["cited_in"])
    conn = connection(db)
    wanted = sorted(keys)
    return {id_ for i in range(0, len(wanted), _CHUNK)
            for id_ in conn.execute(select(SO.c.id).where(SO.c.key.in_(wanted[i:i + _CHUNK]))).scalars()}

