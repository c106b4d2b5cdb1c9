"""retired_slugs, retired_keys: the slugs of merged-away events and the keys of merged-away sources keep resolving

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 08:30:00

`merge event A B` and `merge source A B` remove B and record its slug (its key) here, pointing at A, so that a
slug in a note, a link or a colleague's CSV still finds the event; `edit event --slug` and `edit source --key`
record the old one likewise. (Merged actors and places need no table:
B's name becomes one of A's aliases.) Two plain new tables: safe to create and drop on both engines.

The downgrade drops both tables, and with them the old slugs and keys: 0004 has nowhere to keep them. `losses`
counts them, so that `db downgrade` can say what would go and refuse without `--yes` (store/db.py
`downgrade_losses`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'retired_slugs',
        sa.Column('slug', sa.String(length=120), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name='fk_retired_slugs_event_id_events',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('slug', name='pk_retired_slugs'),
    )
    op.create_index('ix_retired_slugs_event_id', 'retired_slugs', ['event_id'], unique=False)
    op.create_table(
        'retired_keys',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name='fk_retired_keys_source_id_sources',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name='pk_retired_keys'),
    )
    op.create_index('ix_retired_keys_source_id', 'retired_keys', ['source_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_retired_keys_source_id', table_name='retired_keys')
    op.drop_table('retired_keys')
    op.drop_index('ix_retired_slugs_event_id', table_name='retired_slugs')
    op.drop_table('retired_slugs')


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would drop that the older schema cannot hold: the old slugs and keys of merges."""
    found = []
    for table, what, record in (("retired_slugs", "event slug", "event"), ("retired_keys", "source key", "source")):
        count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        if count:
            plural = count != 1
            found.append(f"{count} former {what}{'s' if plural else ''} (of a merge or a new "
                         f"{what.split()[1]}; {'they' if plural else 'it'} would stop finding "
                         f"{'their' if plural else 'its'} {record})")
    return found
