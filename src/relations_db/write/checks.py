"""The checks every write makes of the values it is given, and the rule that no event goes uncited.

Each check returns the value as it will be stored, or raises UserError with a message that names the field,
never a command-line option (the command line names its own option from `UserError.field`). `Problems`
gathers the mistakes of one call, so that one message lists every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypedDict, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.errors import UserError, ValidationError
from relations_db.store.models import Citation, Event, RetiredSlug

P = ParamSpec("P")
T = TypeVar("T")

# --- text and numbers -----------------------------------------------------------------------------------------


def required_text(value: str | None, what: str) -> str:
    """`value` stripped, refused when missing or blank."""
    if value is None or not str(value).strip():
        raise UserError(f"{what} is required and cannot be empty")
    return str(value).strip()


def optional_text(value: str | None) -> str | None:
    """`value` stripped, with a blank value meaning 'none'."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def verbatim(value: str | None) -> str | None:
    """Quotations, summaries and notes are kept as given, unstripped (only a blank one means 'none')."""
    return value if value is not None and value.strip() else None


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def whole_number(value: int | str | None, what: str, low: int, high: int, meaning: str) -> int | None:
    """`value` as an int within `low`…`high` (None or blank: None); text such as ' 3 ' is accepted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | None
    if isinstance(value, bool):  # True is an int to Python, not a number to a user
        number = None
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        number = int(text) if _WHOLE_NUMBER.fullmatch(text) else None
    if number is None or not low <= number <= high:
        raise UserError(f"{what} must be a whole number from {low} to {high} ({meaning}); found {value!r}")
    return number


def check_tone(value: int | str | None) -> int | None:
    """A tone: −10 (hostile) … +10 (cooperative), or None."""
    return whole_number(value, "tone", vocab.TONE_MIN, vocab.TONE_MAX, vocab.TONE_MEANING)


def check_confidence(value: int | str | None) -> int:
    """A confidence grade 0–4 (Gramps scale); None means the default, 2 (normal)."""
    number = whole_number(value, "confidence", vocab.CONFIDENCE_MIN, vocab.CONFIDENCE_MAX, vocab.CONFIDENCE_MEANING)
    return vocab.CONFIDENCE_DEFAULT if number is None else number


def check_year(value: int | str | None) -> int | None:
    """The year a work appeared, 1–9999, or None."""
    return whole_number(value, "year", 1, 9999, "the year the work appeared, e.g. 2007")


class DateValues(TypedDict):
    """The columns of an event that its date decides."""

    date: str
    start_day: int | None  # None for an open or unknown end, whose kind says which
    end_day: int | None
    start_kind: str | None
    end_kind: str | None
    start_iso: str | None
    end_iso: str | None
    precision: str
    approximate: bool
    uncertain: bool


def date_values(text: str | None) -> DateValues:
    """The date (EDTF) parsed into the event's date columns; DateError shows the accepted forms."""
    from relations_db.domain import dates

    parsed = dates.parse(required_text(text, "the date"))
    return {"date": parsed.text, "start_day": parsed.start_day, "end_day": parsed.end_day,
            "start_kind": parsed.start_kind, "end_kind": parsed.end_kind,
            "start_iso": parsed.start_iso, "end_iso": parsed.end_iso,
            "precision": parsed.precision, "approximate": parsed.approximate, "uncertain": parsed.uncertain}


# --- names, kinds and details ---------------------------------------------------------------------------------


def parse_actor_spec(text: str) -> tuple[str, str | None]:
    """'Nikita Khrushchev:guest' → ('Nikita Khrushchev', 'guest'); no role → (name, None).

    The role follows the last colon. A colon followed by a space is part of the name ('CPSU: Presidium'), so
    that names with a colon can still be given without a role.
    """
    text = text.strip()
    name, colon, role = text.rpartition(":")
    if colon and name.strip() and not role[:1].isspace():
        return name.strip(), role.strip() or None
    if colon and not role.strip():  # 'Name:' — a trailing colon with no role
        return name.strip() or text, None
    return text, None


def check_actor_kind(kind: str | None, what: str = "actor kind", field: str | None = None) -> str | None:
    """`kind` when it is one of the actor kinds (None passes: no kind given)."""
    if kind is not None and kind not in vocab.ACTOR_KINDS:
        raise UserError(f"{what} must be one of {', '.join(vocab.ACTOR_KINDS)}; found {kind!r}", field=field)
    return kind


def check_new_actor_kind(kind: str | None) -> str | None:
    """The kind given to actors created on the way (`new_actor_kind`), or None."""
    return check_actor_kind(kind, "the kind of new actors", field="new_actor_kind")


# How a message names each detail field of a meeting or an agreement.
_DETAIL_LABELS = {"meeting_format": "the meeting format", "outcome": "the outcome", "status": "the status",
                  "subject": "the subject"}


def check_kind_details(kind: str, details: Mapping[str, str | None]) -> None:
    """`kind` is an event kind, and the details given (not None) are those of that kind."""
    if kind not in vocab.EVENT_KINDS:
        raise UserError(f"the kind of event must be one of {', '.join(vocab.EVENT_KINDS)}; found {kind!r}")
    for other, fields in vocab.EVENT_DETAILS.items():
        if other != kind:
            given = [f for f in fields if details.get(f) is not None]
            if given:
                listed = " and ".join(_DETAIL_LABELS.get(f, f) for f in given)
                verb = "describes" if len(given) == 1 else "describe"
                article = "an" if other[0] in "aeiou" else "a"
                raise UserError(f"{listed} {verb} {article} {other}: set the kind to {other}", field="kind")


def check_new_slug(session: Session, slug: str, event_id: int | None = None) -> str:
    """A slug for an event (`event_id`, when it has one): well formed and not taken — neither by an event nor as
    the former slug of another (a slug once given keeps naming its event)."""
    if not vocab.valid_slug(slug):
        raise UserError(f"slug {slug!r}: {vocab.SLUG_RULE}", field="slug")
    if session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        raise UserError(f"an event with the slug {slug!r} already exists")
    retired = session.get(RetiredSlug, slug)
    if retired is not None and retired.event_id != event_id:
        raise UserError(f"the slug {slug!r} is a former slug that still names an event (see `relations-db show "
                        f"{slug}`)", field="slug")
    return slug


# --- no event without a citation ------------------------------------------------------------------------------


def uncited(slug: str, advice: str = "cite one, with a locator and a quotation", field: str | None = None) -> UserError:
    """The refusal of an event left without a citation."""
    return UserError(f"event {slug!r} has no citation: every event needs a source ({advice})", field=field)


def require_citation(event: Event) -> None:
    """No event without a citation: checked before any write that creates or edits an event completes."""
    if not event.citations:
        raise uncited(event.slug)


def check_all_cited(session: Session) -> None:
    """Refuse to finish a write that leaves any event without a citation."""
    session.flush()
    missing = session.scalars(
        select(Event.slug).where(~select(Citation.id).where(Citation.event_id == Event.id).exists()).limit(5)
    ).all()
    if missing:
        raise UserError(f"these events would have no citation: {', '.join(missing)}; nothing was written")


# --- every problem at once ------------------------------------------------------------------------------------


class Problems:
    """Collects the user's mistakes so that one message lists every one of them."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(self, message: str, field: str | None = None) -> None:
        """Record a problem found by the caller."""
        self.errors.append(UserError(message, field=field))

    def check(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """`fn(*args, **kwargs)`, or None with its UserError recorded."""
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            self.errors.append(exc)
            return None

    def raise_if_any(self, doing: str) -> None:
        """Raise what was recorded: the one error as it was (its class and field), or every one listed."""
        if len(self.errors) == 1:
            # One problem keeps its own class (NotFound, DateError…), so callers can tell what went wrong, and its
            # field, so that the command line can name its option.
            error = self.errors[0]
            raise type(error)(f"{error} (nothing was written)", field=error.field)
        if self.errors:
            fields = {e.field for e in self.errors}  # (all about one field: the command line can name its option)
            raise ValidationError(f"cannot {doing}; nothing was written:", [str(e) for e in self.errors],
                                  field=fields.pop() if len(fields) == 1 else None)
