"""relations-db: a sourced historical-event database.

The package is a library first: `relations_db.read` (queries), `relations_db.write` (additions and corrections),
`relations_db.formats` (files in and out), `relations_db.store.db` (engines, sessions, migrations). The command
line in `relations_db.cli` is a thin layer over them and the only place that imports Typer or Rich.
The layers and which way data flows: docs/architecture.md.
"""

__version__ = "0.2.0"
