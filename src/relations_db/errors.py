"""Every error the library raises on purpose.

The command line turns these into one message on stderr and an exit code, once, at its edge
(`relations_db.cli`). Anything else that escapes is a bug and is allowed to show a traceback.
"""

from __future__ import annotations


class RelationsDBError(Exception):
    """Base of all expected errors. `exit_code` is what the command line exits with."""

    exit_code = 1


class UserError(RelationsDBError):
    """The user asked for something that cannot be done: bad input, unknown name, missing source.

    The message speaks of fields ("the date", "the limit"), never of command-line options, since a Python
    caller passed none. `field` names the input it is about, as the library call names it ("limit",
    "from_year", "new_place"), so that the command line can name its own option for it (cli/options.py,
    `OPTION_OF_FIELD`).
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DateError(UserError, ValueError):
    """A date that is not EDTF level 0–1 (the message shows the accepted forms)."""


class NotFound(UserError):
    """A named record (event, actor, source, place) does not exist."""


class Ambiguous(UserError):
    """A name matches several records; the message lists them."""


class ValidationError(UserError):
    """A file or a set of values with one or more problems; `problems` holds every one of them."""

    def __init__(self, message: str, problems: list[str] | None = None, *, field: str | None = None) -> None:
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full, field=field)


class DatabaseError(RelationsDBError):
    """The database cannot be opened or used (bad URL, server down, missing driver)."""


class SchemaOutdated(RelationsDBError):
    """The database is behind (or ahead of) the migrations this version knows."""

    exit_code = 3
