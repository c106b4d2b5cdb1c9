"""claims, claim_citations, disputed_spans, events.disputed: sources that disagree, each with its evidence and rank

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:15:00

A claim is one statement about an event: that it happened, its date (EDTF text and day numbers, as on events),
a participant (the participation it ranks), its place; each has a rank (preferred, normal, deprecated) and a
reason. `claim_citations` links a citation to a claim it supports or disputes; the citations an event already
has support its own claims implicitly, with no link rows. The upgrade gives every event its own claims from its
columns — one date claim, one place claim when it has a place, one participant claim per participation — all
normal and without a reason, so every event reads exactly as before and none is disputed. Plain new tables and
one column with a default: each step is safe on SQLite, where a failing migration half-applies.

The downgrade drops the claims. It is lossless while they are just each event's own (what 0008 holds in the
event's columns); `losses` counts what else there is — other claims, ranks and reasons, links — so that
`db downgrade` says what it would drop and refuses without `--yes` (store/db.py `downgrade_losses`). This file is
frozen: it imports nothing of the package, and spells the vocabulary of its time.
"""
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ('occurred', 'date', 'participant', 'place', 'before', 'after', 'during')
_RANKS = ('preferred', 'normal', 'deprecated')
_STANCES = ('supports', 'disputes')
_MIN, _MAX = date.min.toordinal(), date.max.toordinal()


def _any_of(column: str, values: tuple[str, ...]) -> str:
    """`column = 'a' OR column = 'b' …`: SQLite evaluates a CHECK's IN list at about four times the cost."""
    return " OR ".join(f"{column} = '{value}'" for value in values)


def upgrade() -> None:
    op.add_column('events', sa.Column('disputed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('date', sa.String(length=60), nullable=True),
        sa.Column('start_day', sa.BigInteger(), nullable=True),
        sa.Column('end_day', sa.BigInteger(), nullable=True),
        sa.Column('participation_id', sa.Integer(), nullable=True),
        sa.Column('place_id', sa.Integer(), nullable=True),
        sa.Column('rank', sa.String(length=12), nullable=False, server_default='normal'),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('own', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint(_any_of('kind', _KINDS), name='kind'),
        sa.CheckConstraint(_any_of('rank', _RANKS), name='rank'),
        sa.CheckConstraint("kind != 'date' OR date IS NOT NULL", name='date_has_text'),
        sa.CheckConstraint("start_day <= end_day", name='start_before_end'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name='fk_claims_event_id_events', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participation_id'], ['participations.id'],
                                name='fk_claims_participation_id_participations', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'], name='fk_claims_place_id_places', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_claims'),
        sa.UniqueConstraint('participation_id', name='uq_claims_participation_id'),
    )
    op.create_index('ix_claims_event_id', 'claims', ['event_id'], unique=False)
    op.create_index('ix_claims_place_id', 'claims', ['place_id'], unique=False)
    op.create_table(
        'claim_citations',
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('citation_id', sa.Integer(), nullable=False),
        sa.Column('stance', sa.String(length=10), nullable=False, server_default='supports'),
        sa.CheckConstraint(_any_of('stance', _STANCES), name='stance'),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name='fk_claim_citations_claim_id_claims',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['citation_id'], ['citations.id'], name='fk_claim_citations_citation_id_citations',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('claim_id', 'citation_id', name='pk_claim_citations'),
    )
    op.create_index('ix_claim_citations_citation_id', 'claim_citations', ['citation_id'], unique=False)
    op.create_table(
        'disputed_spans',
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('start_day', sa.BigInteger(), nullable=True),
        sa.Column('end_day', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name='fk_disputed_spans_claim_id_claims',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name='fk_disputed_spans_event_id_events',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('claim_id', name='pk_disputed_spans'),
    )
    op.create_index('ix_disputed_spans_event_id', 'disputed_spans', ['event_id'], unique=False)
    conn = op.get_bind()
    # Every event's own claims, in event order, so that claim ids follow the events' (the date claims first).
    conn.execute(sa.text("INSERT INTO claims (event_id, kind, date, start_day, end_day, rank, own) "
               "SELECT id, 'date', date, start_day, end_day, 'normal', :own FROM events ORDER BY id"), {"own": True})
    conn.execute(sa.text("INSERT INTO claims (event_id, kind, place_id, rank, own) "
               "SELECT id, 'place', place_id, 'normal', :own FROM events WHERE place_id IS NOT NULL ORDER BY id"), {"own": True})
    conn.execute(sa.text("INSERT INTO claims (event_id, kind, participation_id, rank, own) "
               "SELECT event_id, 'participant', id, 'normal', :own FROM participations ORDER BY id"), {"own": True})


def _iso(day: int | None) -> str | None:
    """The ISO text of a day number (years 1–9999; beyond them, as domain/dates writes it, is not needed here:
    the shown claim's days of a disputed event within those years are what the old columns took)."""
    return date.fromordinal(day).isoformat() if day is not None and _MIN <= day <= _MAX else None


def _end_kind(text: str, side: int) -> str | None:
    """The kind of a missing end of an EDTF interval: '..' open, empty unknown (as migration 0004 reads it)."""
    if "/" not in text:
        return None
    return {"..": "open", "": "unknown"}.get(text.split("/", 1)[side].strip())


def _undispute(conn: sa.Connection) -> None:
    """A disputed event's days are the hull of its claims: give it back the days of the date it shows (its
    lowest-id claim of that text), so that 0007's columns agree with its `date`."""
    rows = conn.execute(sa.text(
        "SELECT e.id, c.date, c.start_day, c.end_day FROM events e JOIN claims c ON c.event_id = e.id "
        "AND c.kind = 'date' AND c.date = e.date WHERE e.disputed ORDER BY e.id, c.id")).all()
    done: set[int] = set()
    for event_id, text, start, end in rows:
        if event_id in done or (start is not None and _iso(start) is None) or (end is not None and _iso(end) is None):
            continue
        done.add(event_id)
        conn.execute(sa.text(
            "UPDATE events SET start_day = :start, end_day = :end, start_iso = :start_iso, end_iso = :end_iso, "
            "start_kind = :start_kind, end_kind = :end_kind WHERE id = :id"),
            {"id": event_id, "start": start, "end": end, "start_iso": _iso(start), "end_iso": _iso(end),
             "start_kind": _end_kind(text, 0) if start is None else None,
             "end_kind": _end_kind(text, 1) if end is None else None})


def downgrade() -> None:
    _undispute(op.get_bind())
    op.drop_index('ix_disputed_spans_event_id', table_name='disputed_spans')
    op.drop_table('disputed_spans')
    op.drop_index('ix_claim_citations_citation_id', table_name='claim_citations')
    op.drop_table('claim_citations')
    op.drop_index('ix_claims_place_id', table_name='claims')
    op.drop_index('ix_claims_event_id', table_name='claims')
    op.drop_table('claims')
    op.drop_column('events', 'disputed')


# The claims 0008 cannot hold: any claim of another kind, a second date or place claim of an event, a date or
# place claim that differs from the event's column, a rank other than normal, a reason.
_BEYOND_OWN = """
SELECT count(*) FROM claims c JOIN events e ON e.id = c.event_id
WHERE c.kind NOT IN ('date', 'place', 'participant') OR NOT c.own OR c.rank != 'normal' OR c.reason IS NOT NULL
   OR (c.kind = 'date' AND (c.date != e.date OR e.disputed
       OR (SELECT count(*) FROM claims d WHERE d.event_id = c.event_id AND d.kind = 'date') > 1))
   OR (c.kind = 'place' AND (e.place_id IS NULL OR c.place_id != e.place_id
       OR (SELECT count(*) FROM claims d WHERE d.event_id = c.event_id AND d.kind = 'place') > 1))
"""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would drop that the older schema cannot hold: claims beyond each event's own date,
    place and participants (other sources' dates, ranks, reasons), and the links of citations to claims."""
    found = []
    beyond = connection.execute(sa.text(_BEYOND_OWN)).scalar_one()
    if beyond:
        found.append(f"{_plural(beyond, 'claim')} beyond the events' own date, place and participants (other "
                     "sources' values, ranks, reasons)")
    links = connection.execute(sa.text("SELECT count(*) FROM claim_citations")).scalar_one()
    if links:
        found.append(f"{_plural(links, 'link')} of a citation to the claim it supports or disputes")
    disputed = connection.execute(sa.text("SELECT count(*) FROM events WHERE disputed")).scalar_one()
    if disputed:
        found.append(f"the disagreement of {_plural(disputed, 'disputed event')} (each would keep the date it "
                     "shows)")
    return found
