"""A concurrent writer for bench/run.py: adds COUNT events, one transaction each, as `add event` would.

    python bench/writer.py URL WORKER COUNT
"""

import sys

from relations_db.store import db
from relations_db.write import events

url, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = db.make_engine(url)
for i in range(count):
    with db.session_scope(engine, write=True) as session:
        events.add_event(session, date=f"{1900 + i % 100:04d}-{1 + worker:02d}", title=f"Writer {worker} event {i}",
                         type="test", source="lala-2014", quote=f"writer {worker}, event {i}",
                         actors=["Albania:subject"], slug=f"writer-{worker}-{i}", force=True)
