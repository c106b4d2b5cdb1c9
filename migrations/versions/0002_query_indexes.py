"""indexes for the read path at scale: date overlap by span class, actor → events, date order with id

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:30:00

- `ix_events_span_31`, `_366`, `_3660`, `_long` (hand-written: a partial index per class of span, with the span
  spelled per backend): a date filter asks for events that overlap [first, last], i.e.
  `start_date <= last AND end_date >= first`, in (start, end, id) order. On one index over (start_date,
  end_date) that is a scan of every event that began before `last`, most of which ended long before `first`.
  Split by the length of their span (≤ 31 days, ≤ 366, ≤ 3660, longer), the scan is bounded in each class:
  an event of at most 31 days that reaches `first` began at most 31 days before it. The read path
  (`read/filters.py`) asks each class with that bound and merges the four ordered streams. The conditions must be
  spelled exactly as `read.filters.span_classes` spells them, or the planners will not use these indexes
  (tests/test_query_plans.py checks that they do).
- PostgreSQL: `event_search.search_vector`, the folded text's tsvector, stored (a generated column, so that
  every writer keeps it without knowing it), and the GIN index `ix_event_search_fts` over it instead of over
  the expression: matching a phrase rechecks each candidate row and ranking reads each match's tsvector, and
  computing `to_tsvector` for those rows cost ~30 µs each — seconds for a common phrase in a million events.
- `ix_participations_actor_id_event_id` replaces `ix_participations_actor_id`: an actor's events come from the
  index alone, without reading each participation row.
- `ix_events_start_date_end_date_id` replaces `ix_events_start_date_end_date`: on PostgreSQL the full sort
  key, so that a listing in date order reads the index in order without sorting groups of equal dates by id
  (SQLite keeps the rowid in every index anyway).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SPAN_DAYS = {
    "sqlite": "julianday(end_date) - julianday(start_date)",
    "postgresql": "end_date - start_date",
}
# name suffix → (shortest span exclusive, longest span inclusive), in days
_SPAN_CLASSES = {"31": (None, 31), "366": (31, 366), "3660": (366, 3660), "long": (3660, None)}


def _span_predicate(days: str, above: int | None, upto: int | None) -> str:
    return " AND ".join(([f"{days} > {above}"] if above is not None else []) +
                        ([f"{days} <= {upto}"] if upto is not None else []))


def upgrade() -> None:
    with op.batch_alter_table('participations', schema=None) as batch_op:
        batch_op.create_index('ix_participations_actor_id_event_id', ['actor_id', 'event_id'], unique=False)
        batch_op.drop_index('ix_participations_actor_id')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_start_date_end_date_id', ['start_date', 'end_date', 'id'], unique=False)
        batch_op.drop_index('ix_events_start_date_end_date')
    dialect = op.get_bind().dialect.name
    days = _SPAN_DAYS.get(dialect)
    if days:
        for suffix, (above, upto) in _SPAN_CLASSES.items():
            op.execute(f"CREATE INDEX ix_events_span_{suffix} ON events (start_date, end_date, id) "
                       f"WHERE {_span_predicate(days, above, upto)}")
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_event_search_fts")
        op.execute("ALTER TABLE event_search ADD COLUMN search_vector tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED")
        op.execute("CREATE INDEX ix_event_search_fts ON event_search USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_event_search_fts")
        op.execute("ALTER TABLE event_search DROP COLUMN search_vector")
        op.execute("CREATE INDEX ix_event_search_fts ON event_search USING gin (to_tsvector('simple', folded))")
    for suffix in _SPAN_CLASSES:
        op.execute(f"DROP INDEX IF EXISTS ix_events_span_{suffix}")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_start_date_end_date', ['start_date', 'end_date'], unique=False)
        batch_op.drop_index('ix_events_start_date_end_date_id')
    with op.batch_alter_table('participations', schema=None) as batch_op:
        batch_op.create_index('ix_participations_actor_id', ['actor_id'], unique=False)
        batch_op.drop_index('ix_participations_actor_id_event_id')
