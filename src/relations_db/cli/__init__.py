"""The command line: a thin layer over the library, and the only place that imports Typer or Rich.

Each noun has its own module, which registers its commands on `app`. Errors raised by the library
(`relations_db.errors`) become one message on stderr and a non-zero exit here, in `Group.invoke`.
"""

from __future__ import annotations

from relations_db.cli.app import app, main  # noqa: F401  (re-exported entry points)
