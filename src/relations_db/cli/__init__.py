"""The command line: a thin layer over the library, and the only place that imports Typer or Rich.

Each noun has its own module defining its commands on a Typer app of its own (`commands`); the root group in
`cli/app.py` lists them in `COMMANDS` and imports a module only when one of its commands is used. Errors raised by
the library (`relations_db.errors`) become one message on stderr and a non-zero exit there, in `Group.invoke`.

The command modules do without `from __future__ import annotations`: Typer reads a command's annotations when it
builds the command, and annotations kept as strings are evaluated twice there (with every `typer.Option(...)`
in them): building `add`, `edit` and `remove` took ≈20 ms of CPU that way, ≈6 ms this way. Names imported for
the type checker only are quoted where they are used.
"""

from __future__ import annotations

from relations_db.cli.app import app, main  # noqa: F401  (the entry points: every run imports them first)
