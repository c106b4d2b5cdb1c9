"""Claims at scale (issue 16 item 7): sources that disagree on 10 % of the events, 50,000 relative claims, and
what `check`, `events --year` and `show` cost then.

    python bench/claims.py --db sqlite:///bench/out/claims-1m.db --events 1000000

The database must hold an imported corpus (bench/run.py's, or `python bench/generate.py` and two imports);
the script ADDS claims to it, so give it a copy. It measures `events --year` first, then writes:

- to every tenth event, a second date claim from another citation of its event: for half of them a year two
  years off (disjoint: the event becomes disputed), for the other half its own year (nested: no dispute); every
  fortieth event gets a third, disjoint one — then recomputes each such event's hull, `disputed` flag and
  disputed spans with the domain's rule (`domain.claims.date_outcome`), set-based rather than one ORM write each;
- 50,000 relative claims between random pairs of events, each the relation their recorded days bear out
  (before, after, or during), except one in a hundred, which states the reverse (a contradiction `check`
  must find);

and measures again: each claim rule of `check` on its own, all of them in one command, the full `check`,
`events --year` (10 % disputed) and `show` of one event that takes part in relative claims (which must do no
whole-graph work). Prints a table; the figures go to BENCHMARKS.md by hand.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
PY = sys.executable
CLI = [str(Path(PY).with_name("relations-db"))]
ENV_COLUMNS = {"COLUMNS": "100", "NO_COLOR": "1"}
# The rules of `check` that read claims (those of them the installed version has).
CLAIM_RULES = ("date-conflict", "date-conflict-ranked", "relative-conflict", "relative-conflict-ranked",
               "claim-disputed", "single-citation", "second-hand", "claims-out-of-step")
RELATIVE = 50_000
_BATCH = 5000


def timed(cmd: list[str], repeat: int = 1, ok_codes: tuple[int, ...] = (0,)) -> float:
    """The median wall time of `cmd` over `repeat` runs (after one warm-up when repeated)."""
    import os

    env = {**os.environ, **ENV_COLUMNS}
    if repeat > 1:
        subprocess.run(cmd, capture_output=True, env=env)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
        if proc.returncode not in ok_codes:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-1500:]}")
    return statistics.median(times)


def add_date_claims(conn) -> list[int]:
    """Second (and third) date claims on every tenth event, each linked to a citation of its event; returns the
    events touched."""
    from relations_db.domain import dates
    from relations_db.store import own_claims

    rows = conn.execute(text("SELECT e.id, e.start_day FROM events e WHERE e.id % 10 = 0 AND e.start_day IS NOT "
                             "NULL AND EXISTS (SELECT 1 FROM citations c WHERE c.event_id = e.id)")).all()
    claims, touched = [], []
    for event_id, start_day in rows:
        year = date.fromordinal(start_day).year  # (the corpus's days are ordinals of years 1-9999)
        offered = [str(year - 2) if event_id % 20 == 0 else str(year)]
        if event_id % 40 == 0:
            offered.append(str(year + 3))
        for value in offered:
            parsed = dates.parse(value)
            claims.append({"e": event_id, "d": parsed.text, "s": parsed.start_day, "x": parsed.end_day})
        touched.append(event_id)
    own_claims.write_rows(conn, touched)  # (the claims beside which a second date is added: as `add claim` does)
    for start in range(0, len(claims), _BATCH):
        part = claims[start:start + _BATCH]
        conn.execute(text("INSERT INTO claims (id, event_id, kind, date, start_day, end_day, rank, own) "
                          f"VALUES ({_next_id(conn)}, :e, 'date', :d, :s, :x, 'normal', false)"), part)
    conn.execute(text("INSERT INTO claim_citations (claim_id, citation_id, stance) "
                      "SELECT cl.id, (SELECT min(c.id) FROM citations c WHERE c.event_id = cl.event_id), 'supports' "
                      "FROM claims cl WHERE cl.kind = 'date' AND NOT cl.own"))
    return touched


def _next_id(conn) -> str:
    """A new claim's id, as SQL: above every claim on SQLite (whose own numbering follows the largest id, which may
    be an own claim's negative one: `store.models`), the sequence's on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        return "(SELECT coalesce(max(id), 0) + 1 FROM claims WHERE id > 0)"
    return "nextval(pg_get_serial_sequence('claims', 'id'))"


def recompute(conn, event_ids: list[int]) -> int:
    """Each event's date columns, `disputed` flag and disputed spans from its date claims, by the domain's rule
    (what `write.claims.recompute` sets, without the ORM); returns how many are disputed."""
    from relations_db.domain import claims as rule
    from relations_db.domain import dates

    disputed = 0
    for start in range(0, len(event_ids), _BATCH):
        part = event_ids[start:start + _BATCH]
        found: dict[int, list[rule.DateClaim]] = {}
        for cid, eid, text_, s, e, rank in conn.execute(text(
                "SELECT id, event_id, date, start_day, end_day, rank FROM claims WHERE kind = 'date' "
                f"AND event_id IN ({','.join(str(i) for i in part)})")):
            found.setdefault(eid, []).append(rule.DateClaim(cid, text_, s, e, rank))
        updates, spans = [], []
        for eid, claims in found.items():
            outcome = rule.date_outcome(claims)
            if outcome is None:
                continue
            shown, first, last = (dates.parse(c.date) for c in (outcome.shown, outcome.start_from, outcome.end_from))
            updates.append({"i": eid, "t": shown.text, "p": shown.precision, "a": shown.approximate,
                            "u": shown.uncertain, "s": first.start_day, "sk": first.start_kind,
                            "si": first.start_iso, "e": last.end_day, "ek": last.end_kind, "ei": last.end_iso,
                            "d": outcome.disputed})
            if outcome.disputed:
                disputed += 1
                spans += [{"c": c.id, "i": eid, "s": c.start_day, "e": c.end_day} for c in outcome.best]
        conn.execute(text("UPDATE events SET date = :t, precision = :p, approximate = :a, uncertain = :u, "
                          "start_day = :s, start_kind = :sk, start_iso = :si, end_day = :e, end_kind = :ek, "
                          "end_iso = :ei, disputed = :d WHERE id = :i"), updates)
        if spans:
            conn.execute(text("INSERT INTO disputed_spans (claim_id, event_id, start_day, end_day) "
                              "VALUES (:c, :i, :s, :e)"), spans)
    return disputed


def add_relative_claims(conn, rng: random.Random, count: int) -> int:
    """`count` relative claims between random pairs of events, as their days bear out, one in a hundred
    reversed; returns how many are reversed."""
    spans = conn.execute(text("SELECT id, start_day, end_day FROM events e WHERE start_day IS NOT NULL AND end_day "
                              "IS NOT NULL AND EXISTS (SELECT 1 FROM citations c WHERE c.event_id = e.id)")).all()
    made, reversed_, claims = 0, 0, []
    while made < count:
        (a, a_start, a_end), (b, b_start, b_end) = rng.sample(spans, 2)
        if a_end <= b_start:
            kind = "before"
        elif b_end <= a_start:
            kind = "after"
        elif b_start <= a_start and a_end <= b_end:
            kind = "during"
        else:
            continue
        if made % 100 == 0 and kind != "during":
            kind = "after" if kind == "before" else "before"
            reversed_ += 1
        claims.append({"e": a, "k": kind, "o": b})
        made += 1
    for start in range(0, len(claims), _BATCH):
        conn.execute(text("INSERT INTO claims (id, event_id, kind, other_event_id, rank, own) "
                          f"VALUES ({_next_id(conn)}, :e, :k, :o, 'normal', false)"), claims[start:start + _BATCH])
    conn.execute(text("INSERT INTO claim_citations (claim_id, citation_id, stance) "
                      "SELECT cl.id, (SELECT min(c.id) FROM citations c WHERE c.event_id = cl.event_id), 'supports' "
                      "FROM claims cl WHERE cl.other_event_id IS NOT NULL"))
    return reversed_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a database URL holding an imported corpus (it is changed)")
    parser.add_argument("--year", type=int, default=1960, help="the year `events --year` asks for")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from relations_db.domain import vocab

    rules = [r for r in CLAIM_RULES if r in {name for name, *_ in vocab.AUDIT_RULES}]
    db = ["--db", args.db]
    year = CLI + db + ["events", "--year", str(args.year), "--limit", "100"]
    figures = [("events --year, before the claims (median of 7)", f"{timed(year, 7):.3f} s")]
    engine = create_engine(args.db.replace("postgresql://", "postgresql+psycopg://"))
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with engine.begin() as conn:
        touched = add_date_claims(conn)
        disputed = recompute(conn, touched)
        reversed_ = add_relative_claims(conn, rng, RELATIVE)
    figures.append((f"claims written: {len(touched):,} events with more dates ({disputed:,} disputed), "
                    f"{RELATIVE:,} relative ({reversed_} reversed)", f"{time.perf_counter() - started:.1f} s"))
    engine.dispose()
    for name in rules:
        seconds = timed(CLI + db + ["check", "--rule", name, "-f", "json"], ok_codes=(0, 1))
        figures.append((f"check --rule {name}", f"{seconds:.1f} s"))
    every_claim_rule = [arg for name in rules for arg in ("--rule", name)]
    figures.append((f"check, the {len(rules)} claim rules in one command (the target: 60 s)",
                    f"{timed(CLI + db + ['check', *every_claim_rule, '-f', 'json'], ok_codes=(0, 1)):.1f} s"))
    figures.append(("check (every rule)", f"{timed(CLI + db + ['check', '-f', 'json'], ok_codes=(0, 1)):.1f} s"))
    figures.append(("events --year, 10 % disputed (median of 7)", f"{timed(year, 7):.3f} s"))
    engine = create_engine(args.db.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        busy = conn.execute(text("SELECT other_event_id FROM claims WHERE other_event_id IS NOT NULL "
                                 "GROUP BY other_event_id ORDER BY count(*) DESC LIMIT 1")).scalar()
    engine.dispose()
    figures.append((f"show of an event in relative claims (#{busy}, median of 7)",
                    f"{timed(CLI + db + ['show', str(busy)], 7):.3f} s"))
    width = max(len(name) for name, _ in figures)
    for name, value in figures:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
