"""Actors and sources without SQLAlchemy: `read.catalog.actor_rows` and `source_rows` on the compiled
statements."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from typing import Any

from relations_db.domain.csl import creators_by_source, stored_extra, to_csl
from relations_db.domain.vocab import SOURCE_LIST_FIELDS, SOURCE_RECORD_FIELDS
from relations_db.read import assemble
from relations_db.read.rows import ActorRow, SourceRow
from relations_db.read.sqlite_fast import run
from relations_db.read.sqlite_fast.events import BATCH


def actor_rows(conn: sqlite3.Connection, kind: str | None = None, search: str | None = None) -> list[ActorRow]:
    """`read.catalog.actor_rows`: the same checks, the same rows."""
    assemble.check_actor_kind(kind)
    pattern = assemble.like_pattern(search) if search else None
    name = f"actors:{'kind' if kind else '-'}:{'pattern' if pattern else '-'}"
    params = {**({"kind": kind} if kind else {}), **({"pattern": pattern} if pattern else {})}
    by_id: dict[int, ActorRow] = {r[0]: {"name": r[1], "kind": r[2], "description": r[3], "aliases": [],
                                         "events": 0} for r in run.rows(conn, name, **params)}
    listed = list(by_id)
    for start in range(0, len(listed), BATCH):
        ids = json.dumps(listed[start:start + BATCH], ensure_ascii=False)
        for actor_id, alias in run.rows(conn, "actors.aliases", ids=ids):
            by_id[actor_id]["aliases"].append(alias)
        for actor_id, n in run.rows(conn, "actors.counts", ids=ids):
            by_id[actor_id]["events"] = n
    return list(by_id.values())


def csl_items(conn: sqlite3.Connection) -> dict[int, dict[str, Any]]:
    """`read.bibliography.csl_items`: the CSL-JSON item of every source, by id."""
    creators = creators_by_source(run.rows(conn, "sources.creators"))
    items = {}
    for r in run.rows(conn, "sources.records"):
        values = dict(zip(SOURCE_RECORD_FIELDS, r, strict=True))
        values["extra"] = stored_extra(values["extra"])
        items[values["id"]] = to_csl(values, creators.get(values["id"], []))
    return items


def source_rows(conn: sqlite3.Connection, csl: bool = False) -> list[SourceRow]:
    """`read.catalog.source_rows`: every source in bibliography order, with how many citations name it (and,
    with `csl`, its CSL-JSON item)."""
    rows = run.rows(conn, "sources.list")
    counts: dict[int, int] = defaultdict(int)
    for name in ("sources.cited", "sources.cited_in"):
        for source_id, n in run.rows(conn, name):
            counts[source_id] += n
    fields = len(SOURCE_LIST_FIELDS)
    items = csl_items(conn) if csl else {}
    return [{**dict(zip(SOURCE_LIST_FIELDS, r[:fields], strict=True)),
             **({"csl": items[r[fields]]} if csl else {}), "citations": counts[r[fields]]} for r in rows]
