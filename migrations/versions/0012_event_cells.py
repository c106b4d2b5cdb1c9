"""events: the CSV's derived cells stored with each event

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:00:00

`date_display` (the date as a reader sees it), `sources_cell` and `notes_cell` (the sources and the notes of the
event's citations, "Duka 2007, quoted in Lala 2014, p. 343") were made in Python for every row of every CSV
export: a quarter of SQLite's export of 1M events, a third of PostgreSQL's (BENCHMARKS.md, ninth session). They
are now made when an event is written (`write.event_cells`), by the one rule of each, and the export reads them.

This migration adds the three columns, NULL, and a partial index of the events whose cells are NULL ("not made
yet"): the export takes its general way while any is. It does not make them: this file is frozen and imports
nothing of the package, whose rules for a date and a citation may change after it; `relations-db db upgrade`
fills them, with the rules of the version running it, after the migrations. A later change to either rule
ships a migration setting them NULL again.

The downgrade drops the columns and the index: everything in them follows from the other columns, so nothing
is lost (no `losses`).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("date_display", "sources_cell", "notes_cell")


def upgrade() -> None:
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE events ADD COLUMN {column} TEXT")
    op.execute("CREATE INDEX ix_events_cells_missing ON events (id) WHERE notes_cell IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_events_cells_missing")
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE events DROP COLUMN {column}")
