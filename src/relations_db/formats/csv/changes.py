"""What a chronology CSV row changes on the event it matches: an import never erases, so an empty cell (None in
a `reader.CheckedRow`) keeps the event's value, and participants are only ever added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relations_db.formats.csv.reader import CheckedRow

# What a CSV row sets on an event it matches (and what decides whether it changed).
UPDATED = ("date", "start_day", "end_day", "start_kind", "end_kind", "start_iso", "end_iso", "precision",
           "approximate", "uncertain", "title", "type", "place_id", "summary")
Pair = tuple[int, str | None]  # (actor id, role)

# The fields a row's update is described by, and where each is in the values of UPDATED (the date's other
# columns follow from its text).
SHOWN_FIELDS = (("date", 0), ("title", 10), ("type", 11), ("place", 12), ("summary", 13))


def shown(value: object) -> str:
    """A value in a detail line: quoted, cut at 60 characters, '(none)' when there is none."""
    if value is None:
        return "(none)"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:59] + "…")


def updated_values(row: CheckedRow, values: tuple) -> tuple:
    """The event's values (in the order of UPDATED) once the row's filled cells are written over them."""
    new = list(values)
    date = row.date
    if date is not None:
        new[0:10] = (date.text, *date.columns, date.precision, date.approximate, date.uncertain)
    for at, given in ((10, row.title), (11, row.type), (12, row.place_id), (13, row.summary)):
        if given is not None:
            new[at] = given
    return tuple(new)


def new_participants(have: list[Pair], actors: tuple[Pair, ...]) -> list[Pair]:
    """The (actor id, role) pairs of a row to add to an event that has `have`: those it lacks, but not an
    actor listed without a role whom the event already has (in any role)."""
    present = set(have)
    actor_ids = {actor_id for actor_id, _ in have}
    return [pair for pair in actors if pair not in present and not (pair[1] is None and pair[0] in actor_ids)]
