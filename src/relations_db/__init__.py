"""relations-db: a sourced historical-event database.

The package is a library first: `relations_db.read.queries` (read), `relations_db.write.services` (write),
`relations_db.formats.seed` (YAML in and out), `relations_db.store.db` (engines, sessions, migrations). The command line in
`relations_db.cli` is a thin layer over them and the only place that imports Typer or Rich.
"""

__version__ = "0.1.0"
