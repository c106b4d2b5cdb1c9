"""Adding sources and actors, and the author–year short forms ("Duka 2007", "Hoxha 1980a") of the sources.

Functions here take a session and flush; they never commit (the command that owns the session does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relations_db.domain import vocab
from relations_db.domain.csl import Creator, display_names
from relations_db.domain.text import fold, slugify
from relations_db.store.models import Actor, ActorAlias, RetiredKey, Source
from relations_db.write import bibliography
from relations_db.write.checks import Problems, check_actor_kind, check_year, optional_text, required_text, verbatim
from relations_db.write.event_cells import refresh_cells_citing
from relations_db.write.resolve import find_actors

# --- short forms ----------------------------------------------------------------------------------------------


def surname(author: str | None, title: str) -> str:
    """The name part of a short form: 'Duka, V.' → 'Duka' (the first of several, 'Smith, J.; Doe, A.' →
    'Smith'); an institution stays whole; no author → title."""
    if not author:
        return title.strip()
    return author.split(",", 1)[0].strip() if "," in author else author.strip()


def _short_base(source: Source) -> str:
    # An archive file has no author: it is known by its archive ("Central State Archive of Albania 1949").
    return f"{surname(source.author, source.archive or source.title)} {source.year if source.year else 'n.d.'}"


def short_forms(sources: Iterable[Source]) -> dict[int, str]:
    """Author–year forms, with a letter for a second work by the same author and year ('Hoxha 1980a')."""
    groups: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        groups[fold(_short_base(source))].append(source)
    result: dict[int, str] = {}
    for members in groups.values():
        members.sort(key=lambda s: s.key)
        for index, source in enumerate(members):
            base = _short_base(source)
            result[source.id] = base if index == 0 else base + "abcdefghijklmnopqrstuvwxyz"[(index - 1) % 26]
    return result


def refresh_short_forms(session: Session) -> None:
    """Recompute every source's short form (sources are few; a work added can shift another's letter)."""
    session.flush()
    sources = list(session.scalars(select(Source)))
    forms = short_forms(sources)
    changed = [source for source in sources if source.short != forms[source.id]]
    for source in changed:
        source.short = forms[source.id]
    session.flush()
    refresh_cells_citing(session, [source.id for source in changed])  # (the CSV cells of the events citing them)


# --- sources --------------------------------------------------------------------------------------------------


def _check_new_key(session: Session, key: str, problems: Problems) -> None:
    if not vocab.valid_key(key):
        problems.add(f"source key {key!r}: a key is lower-case letters, digits and hyphens, e.g. duka-2007")
    elif session.scalar(select(Source.id).where(Source.key == key)) is not None:
        problems.add(f"a source with the key {key!r} already exists (see `relations-db source {key}`)")
    elif session.get(RetiredKey, key) is not None:
        problems.add(f"the key {key!r} is a former key that still names a source (see `relations-db source {key}`)")


def _free_key(session: Session, author: str | None, title: str, year: int | None) -> str:
    """A key made from author and year ('duka-2007'), with -2, -3… when it is taken."""
    base = slugify(f"{surname(author, title)} {year or ''}", max_length=60)
    taken = set(session.scalars(select(Source.key).where(Source.key.like(f"{base}%"))))
    return base if base not in taken else next(f"{base}-{n}" for n in range(2, 10_000) if f"{base}-{n}" not in taken)


def add_source(session: Session, *, kind: str, title: str, key: str | None = None, year: int | str | None = None,
               creators: list[Creator] | None = None, **fields: Any) -> Source:
    """Record a work (book, article, archive file…). Without a key, one is made from author and year.

    `fields` are the free-text fields of a source (`vocab.SOURCE_TEXT_FIELDS`: author, publisher, url…) and its
    CSL fields (`vocab.SOURCE_CSL_FIELDS`, `extra`); `creators` its names with their roles (else `author` is
    split into names). A year and an `issued` date give each other.
    """
    csl_fields = {f: fields.pop(f) for f in (*vocab.SOURCE_CSL_FIELDS, "extra") if f in fields}
    unknown = set(fields) - set(vocab.SOURCE_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"add_source: unknown fields {sorted(unknown)}")
    problems = Problems()
    if kind not in vocab.SOURCE_KINDS:
        problems.add(f"the kind of source must be one of {', '.join(vocab.SOURCE_KINDS)}; found {kind!r}")
    checked_title = problems.check(required_text, title, "the title")
    checked_year = problems.check(check_year, year)
    values = {f: (verbatim(v) if f == "note" else optional_text(v)) for f, v in fields.items()}
    values.update(bibliography.checked_csl_values(csl_fields, problems))
    names = bibliography.check_creators(bibliography.initial_creators(values.pop("author", None), creators),
                                        problems)
    if key is not None:
        key = key.strip()
        _check_new_key(session, key, problems)
    problems.raise_if_any("add the source")
    assert checked_title is not None  # (raise_if_any has refused a missing one)
    values["issued"], checked_year = bibliography.issued_and_year(values.get("issued"), checked_year)
    if key is None:
        key = _free_key(session, display_names(names), checked_title, checked_year)
    source = Source(key=key, kind=kind, title=checked_title, year=checked_year, short="", **values)
    bibliography.set_creators(source, names)
    session.add(source)
    refresh_short_forms(session)
    return source


# --- actors ---------------------------------------------------------------------------------------------------


def _actor_owner(session: Session, name: str) -> Actor | None:
    actors = find_actors(session, name)
    return actors[0] if actors else None


def _new_aliases(session: Session, name: str | None, aliases: Iterable[str], problems: Problems) -> dict[str, str]:
    """The aliases to record (folded → as given), leaving out blanks, repeats and the name itself."""
    spellings: dict[str, str] = {}
    for given in aliases:
        alias = given.strip()
        if not alias or (name is not None and fold(alias) == fold(name)) or fold(alias) in spellings:
            continue
        owner = _actor_owner(session, alias)
        if owner is not None:
            problems.add(f"the alias {alias!r} already names the actor {owner.name!r}: an alias must name one actor")
        spellings[fold(alias)] = alias
    return spellings


def add_actor(session: Session, *, name: str, kind: str, description: str | None = None,
              aliases: Iterable[str] = ()) -> Actor:
    """Record an actor; refused when its name or an alias already names another actor."""
    problems = Problems()
    checked_name = problems.check(required_text, name, "the name")
    if checked_name is not None and not vocab.is_name(checked_name):
        problems.add(f"the name {checked_name!r} names nothing: give a name with a letter or digit", field="name")
        checked_name = None
    problems.check(check_actor_kind, kind)
    if kind is None:
        problems.add(f"the kind of actor is required ({', '.join(vocab.ACTOR_KINDS)})")
    if checked_name is not None:
        owner = _actor_owner(session, checked_name)
        if owner is not None:
            problems.add(f"{checked_name!r} already names the actor {owner.name!r} ({owner.kind})")
    spellings = _new_aliases(session, checked_name, aliases, problems)
    problems.raise_if_any("add the actor")
    assert checked_name is not None  # (raise_if_any has refused a missing one)
    actor = Actor(name=checked_name, name_folded=fold(checked_name), kind=kind,
                  description=optional_text(description),
                  aliases=[ActorAlias(name=a, folded=f) for f, a in spellings.items()])
    session.add(actor)
    session.flush()
    return actor
