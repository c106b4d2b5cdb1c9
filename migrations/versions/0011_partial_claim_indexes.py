"""claims: the indexes of columns that are mostly NULL hold only their non-NULL rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00

An event's own claims are most of the rows of `claims` (about four per event: a date, its participants, its
place), and each leaves at least two of `place_id`, `participation_id`, `other_event_id` NULL (a relative
claim alone names another event). Their indexes held every row all the same, NULLs included, and a bulk import
paid for each entry: on PostgreSQL, whose default import keeps the indexes, the server's time for the claim rows of 1M
events fell from 70 s to 65 s with these indexes partial (BENCHMARKS.md, tenth session) — a small part of their
cost, most of which is the rows themselves and their foreign-key checks. The indexes serve `place_id = ?`,
`other_event_id = ?` and `participation_id = ?` (the look-ups and the cascades of a removed place, event or
participation), which the partial ones serve as well: both planners know that `x = ?` implies `x IS NOT NULL`.

`ix_claims_place_id` and `ix_claims_other_event_id` become partial on both backends. On PostgreSQL the unique
constraint `uq_claims_participation_id` becomes a partial unique index of the same name, which enforces the same
rule (NULLs never collide). On SQLite that constraint stays: it is written into the table's CREATE statement and
its index cannot be dropped without copying the table, which foreign keys on would cascade (see 0010); SQLite
appends to it in order during an import, at little cost.

The downgrade makes the indexes whole again: no row is lost, so it has no `losses`. This file is frozen: it
imports nothing of the package.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIAL = ("place_id", "other_event_id")


def upgrade() -> None:
    for column in _PARTIAL:
        op.execute(f"DROP INDEX ix_claims_{column}")
        op.execute(f"CREATE INDEX ix_claims_{column} ON claims ({column}) WHERE {column} IS NOT NULL")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("ALTER TABLE claims DROP CONSTRAINT uq_claims_participation_id")
        op.execute("CREATE UNIQUE INDEX uq_claims_participation_id ON claims (participation_id) "
                   "WHERE participation_id IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX uq_claims_participation_id")
        op.execute("ALTER TABLE claims ADD CONSTRAINT uq_claims_participation_id UNIQUE (participation_id)")
    for column in _PARTIAL:
        op.execute(f"DROP INDEX ix_claims_{column}")
        op.execute(f"CREATE INDEX ix_claims_{column} ON claims ({column})")
