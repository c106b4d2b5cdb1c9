"""claims.other_event_id, at_least, at_most: relative dating ("after the break", "a few months before")

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:50:00

A claim of kind `before`, `after` or `during` (reserved by 0009) dates its event relative to another event,
`other_event_id`; `at_least` and `at_most` bound the gap of a `before`/`after` claim ("3M", "1Y", "10D", as
written: the conservative day counts are the domain's rule, not stored). The columns are new and empty, so the
upgrade changes no row; on SQLite no table is copied (see `_SQLITE_CONSTRAINTS`). A partial index,
`ix_claims_marked`, finds the few claims that say more than their event's columns.

The downgrade drops the columns, and with them the relative claims, which 0009 cannot hold (it has the kinds but
not the event they name); `losses` counts them so that `db downgrade` says so and refuses without `--yes`. This
file is frozen: it imports nothing of the package.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RELATIVE = "kind = 'before' OR kind = 'after' OR kind = 'during'"
# The claims that say more than their event's columns: ranked, given a reason, or another source's. Few, so a
# partial index finds them at once (the CSV long form asks whether there are any, and the audit which).
_MARKED = "CREATE INDEX ix_claims_marked ON claims (event_id) WHERE rank != 'normal' OR reason IS NOT NULL OR NOT own"

# SQLite: ALTER TABLE, never a copy of `claims` (with foreign keys on, dropping the old table would cascade into
# claim_citations and disputed_spans). The columns are added plain and their constraints appended to the table's
# CREATE statement (the writable_schema procedure 0005 uses), where reflection reads their names and ON DELETE as
# it does for a new database's; no row is relative yet and every new column is NULL, so both hold for every row.
_SQLITE_CONSTRAINTS = (f",\n\tCONSTRAINT ck_claims_relative_names_event CHECK (NOT ({_RELATIVE}) OR other_event_id IS NOT NULL)"
                       ",\n\tCONSTRAINT fk_claims_other_event_id_events FOREIGN KEY(other_event_id) "
                       "REFERENCES events (id) ON DELETE CASCADE")


def _edit_claims_sqlite(conn: sa.Connection, add: bool) -> None:
    """Append `_SQLITE_CONSTRAINTS` to the CREATE TABLE of `claims`, or take them off again (one UPDATE)."""
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'claims'").scalar_one()
    body = sql.rstrip()
    if add:
        if not body.endswith(")") or _SQLITE_CONSTRAINTS in body:
            raise RuntimeError("claims is not as migration 0009 made it")
        new = body[:-1].rstrip() + _SQLITE_CONSTRAINTS + "\n)"
    else:
        if body.count(_SQLITE_CONSTRAINTS) != 1:
            raise RuntimeError("claims is not as migration 0010 made it: its constraints differ")
        new = body.replace(_SQLITE_CONSTRAINTS, "")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'claims'", (new,))
    conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.add_column('claims', sa.Column('other_event_id', sa.Integer(), nullable=True))
    op.add_column('claims', sa.Column('at_least', sa.String(length=20), nullable=True))
    op.add_column('claims', sa.Column('at_most', sa.String(length=20), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _edit_claims_sqlite(conn, add=True)
    else:
        op.create_foreign_key('fk_claims_other_event_id_events', 'claims', 'events', ['other_event_id'], ['id'],
                              ondelete='CASCADE')
        # The metadata's naming convention makes this ck_claims_relative_names_event, as on SQLite.
        op.create_check_constraint('relative_names_event', 'claims',
                                   f"NOT ({_RELATIVE}) OR other_event_id IS NOT NULL")
    op.create_index('ix_claims_other_event_id', 'claims', ['other_event_id'], unique=False)
    op.execute(_MARKED)


def downgrade() -> None:
    conn = op.get_bind()
    op.execute("DROP INDEX ix_claims_marked")
    conn.execute(sa.text(f"DELETE FROM claim_citations WHERE claim_id IN (SELECT id FROM claims WHERE {_RELATIVE})"))
    conn.execute(sa.text(f"DELETE FROM claims WHERE {_RELATIVE}"))
    op.drop_index('ix_claims_other_event_id', table_name='claims')
    if conn.dialect.name == "sqlite":
        # SQLite's DROP COLUMN refuses a column a constraint names: take the constraints off first.
        _edit_claims_sqlite(conn, add=False)
        for column in ('at_most', 'at_least', 'other_event_id'):
            conn.exec_driver_sql(f"ALTER TABLE claims DROP COLUMN {column}")
    else:
        op.drop_constraint('relative_names_event', 'claims', type_='check')  # named by the convention, too
        op.drop_constraint('fk_claims_other_event_id_events', 'claims', type_='foreignkey')
        for column in ('at_most', 'at_least', 'other_event_id'):
            op.drop_column('claims', column)


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would drop: the relative claims (0009 cannot say which event they name)."""
    count = connection.execute(sa.text(f"SELECT count(*) FROM claims WHERE {_RELATIVE}")).scalar_one()
    if not count:
        return []
    return [f"{count} relative claim{'s' if count != 1 else ''} (before, after, during another event)"]
