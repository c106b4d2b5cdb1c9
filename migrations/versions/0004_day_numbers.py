"""events: the bounds as day numbers (BIGINT), the kind of an open or unknown end, the ISO text of each bound

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 05:45:00

`start_date`/`end_date` (DATE, with 0001-01-01 and 9999-12-31 standing for an open or unknown end) become
`start_day`/`end_day` (day numbers of the proleptic Gregorian calendar, `date.toordinal()`: NULL for an open or
unknown end), `start_kind`/`end_kind` ('open' | 'unknown' exactly when the day is NULL) and `start_iso`/`end_iso`
(the ISO text of each day, as domain/dates writes it). This file is frozen: it converts the rows with
`date.toordinal()` and reads the kind of an end from the EDTF text (`..` open, empty unknown), importing nothing
of the package.

Indexes, hand-written per backend, all over the date order (start NULLS FIRST, end NULLS LAST, id):
`ix_events_start_day_end_day_id` (the chronology), 0002's partial indexes by span class `ix_events_span_*`, now
`end_day - start_day` on both backends, and `ix_events_no_end` / `ix_events_no_start` (the open or unknown ends,
which a date filter reaches through their own leg). PostgreSQL declares the NULLS order in the index; SQLite
cannot, and its NULLS LAST cannot use an index, so there the order is spelled `start_day, end_day IS NULL,
end_day, id` and the indexes are over those expressions (read/filters.py `date_order` spells it the same way).

SQLite cannot drop a column named in a table CHECK, nor add a table CHECK: the table's CREATE statement is edited
in `sqlite_schema` (the documented writable_schema procedure) instead of copying `events`, which with foreign
keys on would cascade the DROP TABLE into meetings, participations and citations.

The downgrade is lossless for events of years 1–9999 (open and unknown ends get the old sentinels back); `losses`
counts the others (before 0001-01-01, after 9999-12-31), which the old schema cannot hold.
"""
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORDER = {"sqlite": "start_day, end_day IS NULL, end_day, id",
          "postgresql": "start_day NULLS FIRST, end_day NULLS LAST, id"}
_SPAN = "end_day - start_day"
_SPAN_CLASSES = {"31": (None, 31), "366": (31, 366), "3660": (366, 3660), "long": (3660, None)}
_OLD_SPAN_DAYS = {"sqlite": "julianday(end_date) - julianday(start_date)", "postgresql": "end_date - start_date"}
_NEW_COLUMNS = ("start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso")
_MIN, _MAX = date.min.toordinal(), date.max.toordinal()

_OLD_CHECK = "CONSTRAINT ck_events_start_before_end CHECK (start_date <= end_date)"


def _kind_check(end: str) -> str:
    return (f"({end}_day IS NULL AND {end}_iso IS NULL AND {end}_kind IS NOT NULL "
            f"AND {end}_kind IN ('open', 'unknown')) "
            f"OR ({end}_day IS NOT NULL AND {end}_iso IS NOT NULL AND {end}_kind IS NULL)")


_NEW_CHECKS = {"ck_events_start_before_end": "start_day <= end_day",
               "ck_events_start_kind": _kind_check("start"), "ck_events_end_kind": _kind_check("end")}
_NEW_CHECK = ", \n\t".join(f"CONSTRAINT {name} CHECK ({text})" for name, text in _NEW_CHECKS.items())


def _span_predicate(days: str, above: int | None, upto: int | None) -> str:
    return " AND ".join(([f"{days} > {above}"] if above is not None else []) +
                        ([f"{days} <= {upto}"] if upto is not None else []))


def _kinds(text: str) -> tuple[str | None, str | None]:
    """The kind of each end of an EDTF date: '..' is open, an empty side unknown, a date None."""
    if "/" not in text:
        return None, None
    left, right = (side.strip() for side in text.strip().split("/", 1))
    return ({"..": "open", "": "unknown"}.get(left), {"..": "open", "": "unknown"}.get(right))


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _edit_sqlite_schema(conn: sa.Connection, old: str, new: str) -> None:
    """Replace `old` by `new` in the CREATE TABLE statement of `events` (SQLite's writable_schema procedure)."""
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'events'").scalar_one()
    if old not in sql:
        raise RuntimeError(f"events is not as migration 0004 expects: {old!r} is missing")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'events'",
                         (sql.replace(old, new),))
    conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _create_day_indexes(dialect: str) -> None:
    order = _ORDER[dialect]
    op.execute(f"CREATE INDEX ix_events_start_day_end_day_id ON events ({order})")
    for suffix, (above, upto) in _SPAN_CLASSES.items():
        op.execute(f"CREATE INDEX ix_events_span_{suffix} ON events ({order}) "
                   f"WHERE {_span_predicate(_SPAN, above, upto)}")
    op.execute(f"CREATE INDEX ix_events_no_end ON events ({order}) WHERE end_day IS NULL")
    op.execute(f"CREATE INDEX ix_events_no_start ON events ({order}) WHERE start_day IS NULL")


def _drop_indexes(names: list[str]) -> None:
    for name in names:
        op.execute(f"DROP INDEX IF EXISTS {name}")


_SPAN_INDEXES = [f"ix_events_span_{suffix}" for suffix in _SPAN_CLASSES]


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    for name in ("start_day", "end_day"):
        op.add_column('events', sa.Column(name, sa.BigInteger(), nullable=True))
    for name in ("start_kind", "end_kind"):
        op.add_column('events', sa.Column(name, sa.String(10), nullable=True))
    for name in ("start_iso", "end_iso"):
        op.add_column('events', sa.Column(name, sa.String(24), nullable=True))
    rows = []
    for id_, text, start, end in conn.execute(sa.text("SELECT id, date, start_date, end_date FROM events")):
        start_kind, end_kind = _kinds(text)
        first, last = _as_date(start), _as_date(end)
        rows.append({"id": id_, "start_kind": start_kind, "end_kind": end_kind,
                     "start_day": None if start_kind else first.toordinal(),
                     "end_day": None if end_kind else last.toordinal(),
                     "start_iso": None if start_kind else first.isoformat(),
                     "end_iso": None if end_kind else last.isoformat()})
    if rows:
        conn.execute(sa.text("UPDATE events SET start_day = :start_day, end_day = :end_day, "
                             "start_kind = :start_kind, end_kind = :end_kind, start_iso = :start_iso, "
                             "end_iso = :end_iso WHERE id = :id"), rows)
    _drop_indexes(["ix_events_start_date_end_date_id", *_SPAN_INDEXES])
    if dialect == "sqlite":
        _edit_sqlite_schema(conn, _OLD_CHECK, _NEW_CHECK)
        op.execute("ALTER TABLE events DROP COLUMN start_date")
        op.execute("ALTER TABLE events DROP COLUMN end_date")
    else:
        op.execute("ALTER TABLE events DROP CONSTRAINT ck_events_start_before_end")
        op.execute("ALTER TABLE events DROP COLUMN start_date, DROP COLUMN end_date")
        for name, check in _NEW_CHECKS.items():
            op.execute(f"ALTER TABLE events ADD CONSTRAINT {name} CHECK ({check})")
    _create_day_indexes(dialect)


def downgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    op.add_column('events', sa.Column("start_date", sa.Date(), nullable=True))
    op.add_column('events', sa.Column("end_date", sa.Date(), nullable=True))
    rows = []
    for id_, start, end in conn.execute(sa.text("SELECT id, start_day, end_day FROM events")):
        # Days outside 1–9999 (refused by `losses` unless --yes) are clamped to the old sentinels.
        rows.append({"id": id_, "start_date": date.fromordinal(min(max(start, _MIN), _MAX)) if start is not None
                     else date.min,
                     "end_date": date.fromordinal(min(max(end, _MIN), _MAX)) if end is not None else date.max})
    if rows:
        conn.execute(sa.text("UPDATE events SET start_date = :start_date, end_date = :end_date WHERE id = :id"),
                     rows)
    _drop_indexes(["ix_events_start_day_end_day_id", "ix_events_no_end", "ix_events_no_start", *_SPAN_INDEXES])
    if dialect == "sqlite":
        _edit_sqlite_schema(conn, _NEW_CHECK, _OLD_CHECK)
        for name in ("start_date", "end_date"):
            _edit_sqlite_schema(conn, f"{name} DATE,", f"{name} DATE NOT NULL,")
        for name in _NEW_COLUMNS:
            op.execute(f"ALTER TABLE events DROP COLUMN {name}")
    else:
        for name in _NEW_CHECKS:
            op.execute(f"ALTER TABLE events DROP CONSTRAINT {name}")
        op.execute("ALTER TABLE events " + ", ".join(f"DROP COLUMN {name}" for name in _NEW_COLUMNS))
        op.execute("ALTER TABLE events ALTER COLUMN start_date SET NOT NULL, ALTER COLUMN end_date SET NOT NULL")
        op.execute("ALTER TABLE events ADD CONSTRAINT ck_events_start_before_end CHECK (start_date <= end_date)")
    op.execute("CREATE INDEX ix_events_start_date_end_date_id ON events (start_date, end_date, id)")
    days = _OLD_SPAN_DAYS[dialect]
    for suffix, (above, upto) in _SPAN_CLASSES.items():
        op.execute(f"CREATE INDEX ix_events_span_{suffix} ON events (start_date, end_date, id) "
                   f"WHERE {_span_predicate(days, above, upto)}")


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would change that the older schema cannot hold: days before 0001-01-01 or after
    9999-12-31 (years BC, Y-years)."""
    count = connection.execute(sa.text(
        "SELECT count(*) FROM events WHERE start_day < :low OR start_day > :high OR end_day < :low "
        "OR end_day > :high"), {"low": _MIN, "high": _MAX}).scalar_one()
    return ([f"the dates of {count} event{'s' if count != 1 else ''} outside the years 1–9999 (they would "
             "become 0001-01-01 or 9999-12-31)"] if count else [])
