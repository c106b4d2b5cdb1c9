"""claims: an event's plain own claims have no row

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:00:00

An event's own claims — its date, its place, one per participant — were written as rows with the event: four
rows an event, which cost PostgreSQL's import of a million events about a third more (BENCHMARKS.md, tenth
session). While such a claim says nothing its event's columns and participations do not — normal rank, no
reason, no citation linked to it, not a disputed span, the only claim of its kind (date, place), with the
event's value — it now has no row: the package reads it from the event (`store.own_claims`) and writes its row
when a command ranks, links, edits or removes it, or adds a claim beside it. It is known by an id made from its
event or participation: the date claim of event 41 is -164 (k-164), its place claim -165, the claim of
participation 187 -750 (`vocab.own_claim_id`).

The upgrade deletes the rows of such claims; no column changes. The claims keep what they said; the ids of
those claims change to the made ones (a script that saved `k123` of a plain own claim finds it as `k-164`).

The downgrade writes a row for every own claim without one, numbered after the largest id, with what the event
says: the older schema holds them all, so nothing is lost (no `losses`). (Own claims whose rows a command wrote
under this revision keep their negative ids; the older version shows them, and takes them as `k-164` nowhere.)
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A row that says nothing beyond its event (the conditions of the module's docstring).
_PLAIN = """
    own AND rank = 'normal' AND reason IS NULL AND kind IN ('date', 'place', 'participant')
    AND NOT EXISTS (SELECT 1 FROM claim_citations l WHERE l.claim_id = claims.id)
    AND NOT EXISTS (SELECT 1 FROM disputed_spans s WHERE s.claim_id = claims.id)
    AND (kind = 'participant' OR (SELECT count(*) FROM claims o WHERE o.event_id = claims.event_id
                                  AND o.kind = claims.kind) = 1)
    AND (kind != 'date' OR EXISTS (SELECT 1 FROM events e WHERE e.id = claims.event_id AND e.date = claims.date
         AND e.start_day IS NOT DISTINCT FROM claims.start_day AND e.end_day IS NOT DISTINCT FROM claims.end_day))
    AND (kind != 'place' OR EXISTS (SELECT 1 FROM events e WHERE e.id = claims.event_id
                                    AND e.place_id = claims.place_id))
"""

# The own claims without a row, as the package reads them (store/own_claims.py), in the columns they fill.
_MISSING = """
    SELECT e.id AS event_id, 'date' AS kind, e.date AS date, e.start_day AS start_day, e.end_day AS end_day,
           CAST(NULL AS INTEGER) AS participation_id, CAST(NULL AS INTEGER) AS place_id, 0 AS slot, e.id AS owner
    FROM events e WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.event_id = e.id AND c.kind = 'date')
    UNION ALL
    SELECT e.id, 'place', NULL, NULL, NULL, NULL, e.place_id, 1, e.id
    FROM events e WHERE e.place_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.event_id = e.id AND c.kind = 'place')
    UNION ALL
    SELECT p.event_id, 'participant', NULL, NULL, NULL, p.id, NULL, 2, p.id
    FROM participations p WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.participation_id = p.id)
"""


def upgrade() -> None:
    op.execute("DELETE FROM claims WHERE " + _PLAIN)


def downgrade() -> None:
    op.execute(
        "INSERT INTO claims (id, event_id, kind, date, start_day, end_day, participation_id, place_id, rank, own) "
        "SELECT (SELECT coalesce(max(id), 0) FROM claims WHERE id > 0) "
        "       + row_number() OVER (ORDER BY m.event_id, m.slot, m.owner), "
        "       m.event_id, m.kind, m.date, m.start_day, m.end_day, m.participation_id, m.place_id, 'normal', "
        "       " + ("1" if op.get_bind().dialect.name == "sqlite" else "true") + " "
        f"FROM ({_MISSING}) m")
