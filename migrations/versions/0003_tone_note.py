"""events.tone_note: the basis of an event's tone, as data (it was a YAML comment that every export dropped)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 05:20:00

The downgrade drops the column, and with it every tone note: 0002 has nowhere to keep them. `losses` counts
them, so that `db downgrade` can say what would go and refuse without `--yes` (store/db.py `downgrade_losses`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('events', sa.Column('tone_note', sa.Text(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN on both engines (SQLite ≥ 3.35): batch mode would copy `events` into a new table, which
    # the full-text triggers and the tables that refer to it make fail ("database table is locked").
    op.execute("ALTER TABLE events DROP COLUMN tone_note")


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would drop that the older schema cannot hold."""
    count = connection.execute(sa.text("SELECT count(*) FROM events WHERE tone_note IS NOT NULL")).scalar_one()
    return [f"the tone notes of {count} event{'s' if count != 1 else ''}"] if count else []
