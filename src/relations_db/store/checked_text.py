"""No control character reaches the database through the ORM: every write session checks the text it flushes.

One place for every write (add, edit, the seed loader), whatever the command: a title, name or key holding ESC
or BEL would be obeyed by a terminal that prints it later (CWE-150), and a NUL is stored by SQLite but refused
by PostgreSQL. The importers check their files before writing, with the file's line (the CSV reader, the seed
validator); the bulk path writes through Core and relies on those checks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.text import control_problem
from relations_db.errors import UserError
from relations_db.store.models import EventSearch


def refuse_control_characters(session: Session, _context: Any, _instances: Any) -> None:
    """The `before_flush` hook: UserError naming the field when a new or changed text holds a control
    character (tab, and new line in a multi-line field, aside)."""
    new = set(session.new)
    for obj in [*new, *session.dirty]:
        if isinstance(obj, EventSearch):  # (derived from the checked fields: title, summary, quotations)
            continue
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            key = attr.key
            if key.endswith("folded"):
                continue
            values = [state.dict.get(key)] if obj in new else state.attrs[key].history.added or ()
            for value in values:
                if isinstance(value, str):
                    _check(key, value)


def _check(field: str, value: str) -> None:
    problem = control_problem(value, one_line=field not in vocab.MULTI_LINE_FIELDS)
    if problem:
        raise UserError(f"the {field.replace('_', ' ')} {problem}", field=field)
