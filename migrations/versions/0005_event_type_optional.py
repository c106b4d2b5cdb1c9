"""events.type may be empty: an event nobody has classified yet has no type (NULL), shown as "unclassified"

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:30:00

Many events have no obvious type; `add event` no longer asks for one, and the seed format (version 3) and a
new CSV row may leave it out. The column loses its NOT NULL; nothing else changes, and every index stays as it
is (0002's, 0004's partial ones and `ix_events_type`).

SQLite cannot alter a column: the table's CREATE statement is edited in `sqlite_schema` (the documented
writable_schema procedure, as 0004 does) rather than copying `events`, which with foreign keys on would cascade
the DROP TABLE into meetings, participations and citations, and would have to re-create every index. The edit is
one UPDATE: it either happens or not, so a failure cannot leave the table half-changed. Dropping a NOT NULL
never needs the rows checked; the downgrade puts it back only after no row is NULL.

The downgrade cannot keep "no type": it writes the type 'unclassified' into those events, which `losses` counts
so that `db downgrade` says so and refuses without --yes.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the older schema gets for an event without a type (it has no way to say "none").
_PLACEHOLDER = "unclassified"
_REQUIRED = "type VARCHAR(50) NOT NULL,"
_OPTIONAL = "type VARCHAR(50),"


def _edit_sqlite_schema(conn: sa.Connection, old: str, new: str) -> None:
    """Replace `old` by `new` in the CREATE TABLE statement of `events` (SQLite's writable_schema procedure)."""
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'events'").scalar_one()
    if sql.count(old) != 1:
        raise RuntimeError(f"events is not as migration 0005 expects: {old!r} is not in it once")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'events'",
                         (sql.replace(old, new),))
    conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _edit_sqlite_schema(conn, _REQUIRED, _OPTIONAL)
    else:
        op.execute("ALTER TABLE events ALTER COLUMN type DROP NOT NULL")


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE events SET type = :placeholder WHERE type IS NULL"), {"placeholder": _PLACEHOLDER})
    if conn.dialect.name == "sqlite":
        _edit_sqlite_schema(conn, _OPTIONAL, _REQUIRED)
    else:
        op.execute("ALTER TABLE events ALTER COLUMN type SET NOT NULL")


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would change: events without a type get the type 'unclassified'."""
    count = connection.execute(sa.text("SELECT count(*) FROM events WHERE type IS NULL")).scalar_one()
    return ([f"that {count} event{'s have' if count != 1 else ' has'} no type (the downgrade would give "
             f"{'them' if count != 1 else 'it'} the type '{_PLACEHOLDER}', which stays after an upgrade)"]
            if count else [])
