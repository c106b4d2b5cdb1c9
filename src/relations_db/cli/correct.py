"""`relations-db` corrections: edit|remove citation, source, actor, and merge actor|source|place|event.

These commands join the `edit` and `remove` groups of `cli/write.py` (which hold `edit event` and `remove event`),
so that the groups' help lists every noun; `cli/app.py` loads the groups from here. Each command makes one call to
`relations_db.write` inside one write transaction: any refusal, and nothing is written.
"""

import shlex
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer

from relations_db.cli.common import notice, session
from relations_db.cli.write import (
    CitedAsOpt,
    CitedInLocatorOpt,
    CitedInOpt,
    ConfidenceOpt,
    LocatorOpt,
    NoteOpt,
    QuoteOpt,
    SourceOpt,
    _interactive,
    add_app,
    edit_app,
    remove_app,
)

if TYPE_CHECKING:
    from relations_db.write.merge import Merged

    ActorKind = str
    SourceKind = str
else:
    from relations_db.domain.vocab import ACTOR_KINDS, SOURCE_KINDS

    ActorKind = Literal[ACTOR_KINDS]
    SourceKind = Literal[SOURCE_KINDS]

merge_app = typer.Typer(help="Merge two records that are one: the second is folded into the first, nothing is lost.\n\n"
                             "Example: relations-db merge actor \"Nikita Khrushchev\" \"N. Khrushchev\" --yes",
                        no_args_is_help=True)
commands = typer.Typer(add_completion=False)
commands.add_typer(add_app, name="add")
commands.add_typer(edit_app, name="edit")
commands.add_typer(remove_app, name="remove")
commands.add_typer(merge_app, name="merge")

CitationArg = Annotated[str, typer.Argument(
    metavar="ID", help="The citation's id as `show` prints it: c17 (or 17).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _confirm(yes: bool, question: str, what: str) -> None:
    """Ask `question` in a terminal; without one, --yes is required (`what` cannot be undone)."""
    from relations_db.errors import UserError

    if yes:
        return
    if not _interactive():
        raise UserError(f"{what} cannot be undone: confirm with --yes")
    typer.confirm(question, abort=True, err=True)


def _changed(what: str, changed: list[str]) -> str:
    return f"Changed {what}: {', '.join(changed)}." if changed else f"{what} already says that; nothing changed."


# --- citations ------------------------------------------------------------------------------------------------


@edit_app.command("citation")
def edit_citation(
    ctx: typer.Context,
    citation: CitationArg,
    source: SourceOpt = None,
    locator: LocatorOpt = None,
    quote: QuoteOpt = None,
    cited_as: CitedAsOpt = None,
    cited_in: CitedInOpt = None,
    cited_in_locator: CitedInLocatorOpt = None,
    confidence: ConfidenceOpt = None,
    note: NoteOpt = None,
) -> None:
    """Correct one citation: its source, page, quotation, in-text form, the work that reports it, confidence, note.

    Give only what changes; '' removes an optional value (--cited-in '', --note ''). The id stays the same.
    Prints the citation's id.

    Example: relations-db edit citation c17 --locator "p. 344" --quote "In June 1960, in Bucharest"
    """
    from relations_db.errors import UserError
    from relations_db.write.citations import edit_citation as edit

    given = {"source": source, "locator": locator, "quote": quote, "cited_as": cited_as, "cited_in": cited_in,
             "cited_in_locator": cited_in_locator, "confidence": confidence, "note": note}
    if all(v is None for v in given.values()):
        raise UserError("nothing to change: give the fields to change, e.g. --locator WHERE or --quote TEXT "
                        "(see `relations-db edit citation --help`)")
    with session(ctx, write=True) as s:
        edited, changed = edit(s, citation, **given)
        ident, slug = f"c{edited.id}", edited.event.slug
    typer.echo(ident)
    notice(_changed(f"{ident} of {slug}", changed))


@remove_app.command("citation")
def remove_citation(ctx: typer.Context, citation: CitationArg, yes: YesOpt = False) -> None:
    """Remove one citation of an event; an event's last citation cannot go (every event needs a source).

    Asks first; without a terminal, --yes is required.

    Example: relations-db remove citation c17 --yes
    """
    from relations_db.errors import UserError
    from relations_db.write.citations import describe, resolve_citation
    from relations_db.write.citations import remove_citation as remove

    if not yes:
        if not _interactive():
            raise UserError("removing a citation cannot be undone: confirm with --yes")
        with session(ctx) as s:  # read only: no write lock is held while the user decides
            described = describe(resolve_citation(s, citation))
        typer.confirm(f"Remove citation {described}?", abort=True, err=True)
    with session(ctx, write=True) as s:
        gone = remove(s, citation)
    notice(f"Removed c{gone['id']} ({gone['source']}{', ' + gone['locator'] if gone['locator'] else ''}) from "
           f"{gone['event']}; it keeps {gone['left']} citation{'s' if gone['left'] != 1 else ''}.")


# --- sources --------------------------------------------------------------------------------------------------


def _text_option(flag: str, help: str | None = None) -> Any:  # (typer.Option's own return type)
    return typer.Option(flag, metavar="TEXT", help=help)


@edit_app.command("source")
def edit_source(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="KEY", help="The source's key or short form.")],
    key: Annotated[Optional[str], typer.Option(
        "--key", metavar="KEY", help="A new key (the old one keeps finding the source).")] = None,
    kind: Annotated[Optional[SourceKind], typer.Option(
        "--kind", "-k", help="book, article, chapter, archive, newspaper, memoir, report, web or other.")] = None,
    title: Annotated[Optional[str], _text_option("--title", "The title as printed.")] = None,
    author: Annotated[Optional[str], _text_option("--author", "As printed in a reference list: 'Duka, V.'.")] = None,
    year: Annotated[Optional[str], typer.Option("--year", metavar="YYYY", help="The year of the work.")] = None,
    container: Annotated[Optional[str], _text_option("--container", "The journal or series it appears in.")] = None,
    volume: Annotated[Optional[str], _text_option("--volume")] = None,
    issue: Annotated[Optional[str], _text_option("--issue")] = None,
    pages: Annotated[Optional[str], _text_option("--pages")] = None,
    publisher: Annotated[Optional[str], _text_option("--publisher")] = None,
    place: Annotated[Optional[str], _text_option("--place", "Place of publication.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", metavar="URL")] = None,
    doi: Annotated[Optional[str], typer.Option("--doi", metavar="DOI")] = None,
    fund: Annotated[Optional[str], _text_option("--fund", "Archive fund, as printed.")] = None,
    file: Annotated[Optional[str], _text_option("--file", "Archive file, as printed.")] = None,
    note: Annotated[Optional[str], _text_option("--note")] = None,
) -> None:
    """Correct a source's bibliography entry; '' removes an optional value (--doi ''). Prints its key.

    A new --key keeps the old one finding the source (in `source`, `--source` and imports).

    Example: relations-db edit source duka-2007 --publisher "Toena" --place Tirana
    """
    from relations_db.errors import UserError
    from relations_db.write.maintain import edit_source as edit

    given = {"key": key, "kind": kind, "title": title, "author": author, "year": year, "container": container,
             "volume": volume, "issue": issue, "pages": pages, "publisher": publisher, "place": place, "url": url,
             "doi": doi, "fund": fund, "file": file, "note": note}
    if all(v is None for v in given.values()):
        raise UserError("nothing to change: give the fields to change, e.g. --title TEXT or --year YYYY "
                        "(see `relations-db edit source --help`)")
    with session(ctx, write=True) as s:
        edited, changed = edit(s, source, **given)
        key_ = edited.key
    typer.echo(key_)
    notice(_changed(key_, changed))


@remove_app.command("source")
def remove_source(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="KEY", help="The source's key or short form.")],
    yes: YesOpt = False,
) -> None:
    """Remove a source that no citation uses; while any does, the refusal lists them.

    Asks first; without a terminal, --yes is required.

    Example: relations-db remove source mezini-1999 --yes
    """
    from relations_db.write.maintain import remove_source as remove

    _confirm(yes, f"Remove the source {source}?", "removing a source")
    with session(ctx, write=True) as s:
        gone = remove(s, source)
        key = gone.key
    notice(f"Removed the source {key}.")


# --- actors ---------------------------------------------------------------------------------------------------


@edit_app.command("actor")
def edit_actor(
    ctx: typer.Context,
    actor: Annotated[str, typer.Argument(metavar="NAME", help="The actor's name or any alias.")],
    name: Annotated[Optional[str], typer.Option(
        "--name", metavar="TEXT", help="A new canonical name (the old one stays as an alias).")] = None,
    kind: Annotated[Optional[ActorKind], typer.Option(
        "--kind", "-k", help="person, state, party, government, military or organisation.")] = None,
    description: Annotated[Optional[str], typer.Option(
        "--description", metavar="TEXT", help="One line about who or what it is ('' removes it).")] = None,
    add_alias: Annotated[Optional[list[str]], typer.Option(
        "--add-alias", metavar="NAME", help="Another spelling to accept. Repeatable.")] = None,
    remove_alias: Annotated[Optional[list[str]], typer.Option(
        "--remove-alias", metavar="NAME", help="A spelling to accept no longer. Repeatable.")] = None,
) -> None:
    """Correct an actor: canonical name, kind, description, aliases. Prints the actor's name.

    A name or alias that already names another actor is refused: merge the two instead (`merge actor`).

    Example: relations-db edit actor Grechko --description "Soviet marshal" --add-alias "A. Grečko"
    """
    from relations_db.errors import UserError
    from relations_db.write.maintain import ActorChanges
    from relations_db.write.maintain import edit_actor as edit

    if all(v is None for v in (name, kind, description)) and not (add_alias or remove_alias):
        raise UserError("nothing to change: give the fields to change, e.g. --name TEXT or --add-alias NAME "
                        "(see `relations-db edit actor --help`)")
    with session(ctx, write=True) as s:
        edited, changed = edit(s, actor, ActorChanges(name=name, kind=kind, description=description,
                                                       add_aliases=add_alias or [], remove_aliases=remove_alias or []))
        name_ = edited.name
    typer.echo(name_)
    notice(_changed(name_, changed))


@remove_app.command("actor")
def remove_actor(
    ctx: typer.Context,
    actor: Annotated[str, typer.Argument(metavar="NAME", help="The actor's name or any alias.")],
    yes: YesOpt = False,
) -> None:
    """Remove an actor (and its aliases) that takes part in no event; while it does, the refusal lists them.

    Asks first; without a terminal, --yes is required.

    Example: relations-db remove actor "Ramiz Alia" --yes
    """
    from relations_db.write.maintain import remove_actor as remove

    _confirm(yes, f"Remove the actor {actor}?", "removing an actor")
    with session(ctx, write=True) as s:
        gone = remove(s, actor)
        name = gone.name
    notice(f"Removed the actor {name}.")


# --- merge ----------------------------------------------------------------------------------------------------


def _merge(ctx: typer.Context, kind: str, keep: str, fold_in: str, yes: bool) -> None:
    from relations_db.write.merge import MERGES

    _confirm(yes, f"Fold the {kind} {fold_in!r} into {keep!r} (it goes; its {_REFERS[kind]} keeps finding "
                  f"{keep!r})?", f"merging {kind}s")
    with session(ctx, write=True) as s:
        merged = MERGES[kind](s, keep, fold_in)
    typer.echo(merged.kept)
    _report(merged)


def _counted(n: int, what: str) -> str:
    """'1 alias', '2 aliases', '1 reported citation': the merge report's plural nouns, counted."""
    if n != 1 or not what.endswith("s"):
        return f"{n} {what}"
    return f"{n} {what[:-2] if what.endswith('ses') else what[:-1]}"


_REFERS = {"actor": "name", "place": "name", "source": "key", "event": "slug"}


def _report(merged: "Merged") -> None:
    """What moved, then every value of the second record that differs from the first's (kept)."""
    moved = ", ".join(_counted(n, what) for what, n in merged.moved.items() if n) or "nothing to move"
    notice(f"Merged the {merged.kind} {merged.merged!r} into {merged.kept!r} ({moved}); "
           f"{merged.merged!r} now finds {merged.kept!r}.")
    if merged.filled:
        notice(f"  {merged.kept} had no {' and no '.join(merged.filled)}: {merged.merged}'s taken")
    for name, mine, theirs in merged.differing:
        notice(f"  {name}: kept {mine!r}; {merged.merged} said {theirs!r}")
    if merged.differing and merged.kind != "place":  # (a place has no edit command)
        notice(f"  (to take one of those, e.g.: relations-db edit {merged.kind} {shlex.quote(merged.kept)} "
               f"--{merged.differing[0][0].replace('_', '-')} …)")


KeepArg = Annotated[str, typer.Argument(metavar="A", help="The record to keep.")]


@merge_app.command("actor")
def merge_actor(ctx: typer.Context, keep: KeepArg,
                fold_in: Annotated[str, typer.Argument(metavar="B", help="The actor folded into A.")],
                yes: YesOpt = False) -> None:
    """Fold actor B into actor A: B's participations become A's, B's name and aliases become A's aliases.

    A's kind and description are kept (B's fill an empty one; a different one is reported). Asks first;
    without a terminal, --yes is required. Prints A's name.

    Example: relations-db merge actor "Nikita Khrushchev" "N. S. Khrushchev" --yes
    """
    _merge(ctx, "actor", keep, fold_in, yes)


@merge_app.command("place")
def merge_place(ctx: typer.Context, keep: KeepArg,
                fold_in: Annotated[str, typer.Argument(metavar="B", help="The place folded into A.")],
                yes: YesOpt = False) -> None:
    """Fold place B into place A: B's events take place at A, B's name and aliases become A's aliases.

    Asks first; without a terminal, --yes is required. Prints A's name.

    Example: relations-db merge place Vlorë Valona --yes
    """
    _merge(ctx, "place", keep, fold_in, yes)


@merge_app.command("source")
def merge_source(ctx: typer.Context, keep: KeepArg,
                 fold_in: Annotated[str, typer.Argument(metavar="B", help="The source folded into A.")],
                 yes: YesOpt = False) -> None:
    """Fold source B into source A: every citation of B (or reported by B) names A; B's key keeps finding A.

    A's fields are kept (B's fill empty ones; different ones are reported). Asks first; without a terminal,
    --yes is required. Prints A's key.

    Example: relations-db merge source duka-2007 duka-2007b --yes
    """
    _merge(ctx, "source", keep, fold_in, yes)


@merge_app.command("event")
def merge_event(ctx: typer.Context, keep: KeepArg,
                fold_in: Annotated[str, typer.Argument(metavar="B", help="The event folded into A (id or slug).")],
                yes: YesOpt = False) -> None:
    """Fold event B into event A: B's participants, citations and agreements become A's; B's slug keeps
    finding A.

    A's date, title, summary and other fields are kept; B's differing ones are reported (to take one, edit A).
    `check` names the pairs that look like one event entered twice. Asks first; without a terminal, --yes is
    required. Prints A's slug.

    Example: relations-db merge event 1960-06-bucharest-meeting 1960-06-bucharest-conference --yes
    """
    _merge(ctx, "event", keep, fold_in, yes)
