"""`relations-db` commands: add event|actor|source|citation, edit event, remove event — the write side
(the other edit and remove commands, and merge, are in `cli/correct.py`).

Each command gathers its input (asking for what is missing when it runs in a terminal), then makes one
call to `relations_db.write` inside one write transaction: any error, and nothing is written.
"""

import functools
import sys
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

from relations_db.cli.common import notice, session
from relations_db.cli.options import OPTION_OF_FIELD

add_app = typer.Typer(help="Add an event (with its source), an actor, a source, a citation, or a claim.\n\n"
                           "Example: relations-db add actor \"Ramiz Alia\" --kind person", no_args_is_help=True)
# (`cli/correct.py` adds the citation, source and actor commands to these two groups)
edit_app = typer.Typer(help="Change a recorded event, citation, claim, source or actor.\n\n"
                            "Example: relations-db edit citation c17 --locator \"p. 344\"", no_args_is_help=True)
remove_app = typer.Typer(help="Remove a recorded event, citation, claim, source or actor.\n\n"
                              "Example: relations-db remove citation c17 --yes", no_args_is_help=True)
commands = typer.Typer(add_completion=False)
commands.add_typer(add_app, name="add")
commands.add_typer(edit_app, name="edit")
commands.add_typer(remove_app, name="remove")

_EVIDENCE = "Evidence"
_EVENT = "Event"
_DETAILS = "Meeting and agreement details"

# The choices of --kind and --new-actor: the vocabulary's tuples (Typer reads the Literal at run time, so a kind
# added to domain/vocab is a choice here with no second spelling; mypy sees plain text).
if TYPE_CHECKING:
    EventKind = str
    ActorKind = str
    SourceKind = str
else:
    from relations_db.domain.vocab import ACTOR_KINDS, EVENT_KINDS, SOURCE_KINDS

    EventKind = Literal[EVENT_KINDS]
    ActorKind = Literal[ACTOR_KINDS]
    SourceKind = Literal[SOURCE_KINDS]

# --- options shared by add event, add citation and edit event ----------------------------------------------

SourceOpt = Annotated[Optional[str], typer.Option(
    "--source", "-s", metavar="KEY", rich_help_panel=_EVIDENCE,
    help="The work that supports the claim, by key or short form ('duka-2007', 'Duka 2007'). Required.")]
LocatorOpt = Annotated[Optional[str], typer.Option(
    "--locator", "-l", metavar="WHERE", rich_help_panel=_EVIDENCE,
    help="Where in the source: 'p. 23', 'Fund 14, File 19'.")]
QuoteOpt = Annotated[Optional[str], typer.Option(
    "--quote", metavar="TEXT", rich_help_panel=_EVIDENCE, help="The supporting words, verbatim.")]
CitedAsOpt = Annotated[Optional[str], typer.Option(
    "--cited-as", metavar="TEXT", rich_help_panel=_EVIDENCE,
    help="The in-text citation exactly as printed: '(Duka, 2007)'.")]
CitedInOpt = Annotated[Optional[str], typer.Option(
    "--cited-in", metavar="KEY", rich_help_panel=_EVIDENCE,
    help="For a second-hand citation: the source that reports it (e.g. the paper that quotes the archive).")]
CitedInLocatorOpt = Annotated[Optional[str], typer.Option(
    "--cited-in-locator", metavar="WHERE", rich_help_panel=_EVIDENCE, help="Where in --cited-in: 'p. 343'.")]
ConfidenceOpt = Annotated[Optional[str], typer.Option(
    "--confidence", metavar="0-4", rich_help_panel=_EVIDENCE,
    help="How sure: 0 very low, 1 low, 2 normal (default), 3 high, 4 very high.")]
NoteOpt = Annotated[Optional[str], typer.Option(
    "--note", metavar="TEXT", rich_help_panel=_EVIDENCE,
    help="Anything a reader should know about this citation.")]
NewActorOpt = Annotated[Optional[ActorKind], typer.Option(
    "--new-actor", metavar="KIND",
    help="Create the --actor names that are not yet known, as actors of this kind "
         "(person, state, party, government, military, organisation).")]
NewPlaceOpt = Annotated[bool, typer.Option("--new-place", help="Create the --place if it is not yet known.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Write even though the event looks like one already recorded (same date and a similar "
                    "title, or the same participants).")]
MeetingFormatOpt = Annotated[Optional[str], typer.Option(
    "--meeting-format", metavar="FORMAT", rich_help_panel=_DETAILS,
    help="For a meeting: bilateral, multilateral, congress, conference, reception, visit.")]
OutcomeOpt = Annotated[Optional[str], typer.Option(
    "--outcome", metavar="TEXT", rich_help_panel=_DETAILS, help="For a meeting: what came of it.")]
StatusOpt = Annotated[Optional[str], typer.Option(
    "--status", metavar="STATUS", rich_help_panel=_DETAILS,
    help="For an agreement: signed, in force, disputed, broken, ended.")]
SubjectOpt = Annotated[Optional[str], typer.Option(
    "--subject", metavar="TEXT", rich_help_panel=_DETAILS, help="For an agreement: what it is about.")]


def _interactive() -> bool:
    """Whether missing values may be asked for: only when a person is at a terminal."""
    return sys.stdin.isatty()


def _ask_for_missing(values: dict[str, str | None], labels: dict[str, str],
                     ctx: typer.Context | None = None, kinds: tuple[str, ...] = ()) -> dict[str, str]:
    """The required values, by field (the keys of `labels`): each as given, or asked for on a terminal (with its
    label); without a terminal, a refusal naming the options missing ("missing --date and --title: …").

    Each answer is checked as it is given (`_check_answer`): a bad one is said and asked again, keeping the
    answers before it, rather than found after the last question with every answer lost."""
    from relations_db.errors import UserError

    missing = [name for name in labels if not (values.get(name) or "").strip()]
    if missing and not _interactive():
        options = [OPTION_OF_FIELD[name] for name in missing]
        listed = ", ".join(options[:-1]) + " and " + options[-1] if len(options) > 1 else options[0]
        raise UserError(f"missing {listed}: give {'them' if len(missing) > 1 else 'it'} on the command line "
                        "(or run the command in a terminal to be asked); nothing was written")
    given: dict[str, str] = {}
    for name, label in labels.items():
        value = values.get(name)
        if value is not None and name not in missing:
            given[name] = value
        else:
            given[name] = typer.prompt(label, err=True, value_proc=functools.partial(_check_answer, ctx, name, kinds))
    return given


def _check_answer(ctx: typer.Context | None, name: str, kinds: tuple[str, ...], answer: str) -> str:
    """An answer to a prompt, checked as far as it can be alone: not blank, a date that parses, a kind of the
    vocabulary, a source the database has. A bad one raises BadParameter, on which the prompt says
    "Error: …" and asks again."""
    from relations_db.domain import dates
    from relations_db.errors import RelationsDBError

    answer = answer.strip()
    try:
        if not answer:
            raise typer.BadParameter("an answer is required")
        if name == "date":
            dates.parse(answer)
        elif name == "kind" and kinds and answer not in kinds:
            raise typer.BadParameter(f"the kind must be one of {', '.join(kinds)} (not {answer!r})")
        elif name == "source" and ctx is not None:
            from relations_db.cli.common import connection
            from relations_db.read import names

            with connection(ctx) as conn:
                names.source(conn, answer)
    except RelationsDBError as exc:
        raise typer.BadParameter(str(exc)) from None
    return answer


# --- add ---------------------------------------------------------------------------------------------------


@add_app.command("event")
def add_event(
    ctx: typer.Context,
    date: Annotated[Optional[str], typer.Option(
        "--date", "-d", metavar="EDTF", rich_help_panel=_EVENT,
        help="When: 1961-06-04, 1960-06, 1956, 1959-10~ (approximate), 1961? (uncertain), 1954/1956.")] = None,
    title: Annotated[Optional[str], typer.Option(
        "--title", metavar="TEXT", rich_help_panel=_EVENT, help="A short, one-line title.")] = None,
    type_: Annotated[Optional[str], typer.Option(
        "--type", "-t", metavar="TYPE", rich_help_panel=_EVENT,
        help="visit, meeting, congress, letter, agreement, decision, statement, military, economic, break… "
             "Optional: without one the event is unclassified (shown so, and listed by `check`).")] = None,
    summary: Annotated[Optional[str], typer.Option(
        "--summary", metavar="TEXT", rich_help_panel=_EVENT, help="A few sentences in your own words.")] = None,
    place: Annotated[Optional[str], typer.Option(
        "--place", "-p", metavar="PLACE", rich_help_panel=_EVENT, help="Where (a known place or alias).")] = None,
    tone: Annotated[Optional[str], typer.Option(
        "--tone", metavar="-10..10", rich_help_panel=_EVENT,
        help="The state of the relationship the event shows: -10 hostile … 10 cooperative.")] = None,
    tone_note: Annotated[Optional[str], typer.Option(
        "--tone-note", metavar="TEXT", rich_help_panel=_EVENT,
        help="The basis of the tone: the passage or rule it rests on (with --tone).")] = None,
    kind: Annotated[EventKind, typer.Option(
        "--kind", "-k", rich_help_panel=_EVENT, help="event, meeting (actors met) or agreement (an accord).")
    ] = "event",
    actor: Annotated[Optional[list[str]], typer.Option(
        "--actor", "-a", metavar="NAME[:ROLE]", rich_help_panel=_EVENT,
        help="A participant and their role (host, guest, delegate, speaker, signatory, target…). Repeatable.")
    ] = None,
    invokes: Annotated[Optional[list[str]], typer.Option(
        "--invokes", metavar="AGREEMENT", rich_help_panel=_EVENT,
        help="An agreement (id or slug) this event invokes or relies on. Repeatable.")] = None,
    slug: Annotated[Optional[str], typer.Option(
        "--slug", metavar="SLUG", rich_help_panel=_EVENT,
        help="The event's stable key (default: made from the date and title).")] = None,
    meeting_format: MeetingFormatOpt = None,
    outcome: OutcomeOpt = None,
    status: StatusOpt = None,
    subject: SubjectOpt = None,
    source: SourceOpt = None,
    locator: LocatorOpt = None,
    quote: QuoteOpt = None,
    cited_as: CitedAsOpt = None,
    cited_in: CitedInOpt = None,
    cited_in_locator: CitedInLocatorOpt = None,
    confidence: ConfidenceOpt = None,
    note: NoteOpt = None,
    new_actor: NewActorOpt = None,
    new_place: NewPlaceOpt = False,
    force: ForceOpt = False,
) -> None:
    """Add an event with the source that supports it (an event without a source is refused).

    Unknown actors and places are refused with the closest known names, unless --new-actor KIND or
    --new-place says to create them. An event on the same date with a similar title, or with the same
    participants, is refused as a likely duplicate unless --force. Prints the new event's slug.
    In a terminal, a missing --date, --title or --source is asked for, each answer checked as it is given.

    Example: relations-db add event --date 1957-04 --title "Hoxha visits Moscow" --type visit
    --actor "Enver Hoxha:guest" --source duka-2007 --locator "p. 281" --quote "In April 1957 ..."
    """
    from relations_db.write import events

    given = _ask_for_missing({"date": date, "title": title, "source": source},
                             {"date": "Date (EDTF, e.g. 1961-06-04)", "title": "Title",
                              "source": "Source (key or short form)"}, ctx)
    with session(ctx, write=True) as s:
        event = events.add_event(
            s, date=given["date"], title=given["title"], type=type_, source=given["source"],
            summary=summary, place=place, tone=tone, tone_note=tone_note, kind=kind, meeting_format=meeting_format,
            outcome=outcome, status=status, subject=subject, actors=actor or [], invokes=invokes or [], locator=locator,
            quote=quote, cited_as=cited_as, cited_in=cited_in, cited_in_locator=cited_in_locator,
            confidence=confidence, note=note, new_actor_kind=new_actor, new_place=new_place, force=force,
            slug=slug)
        slug_, cited = event.slug, event.citations[0].source.short
    typer.echo(slug_)
    notice(f"Added {kind} {slug_}, citing {cited}.")


@add_app.command("citation")
def add_citation(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(metavar="EVENT", help="The event's id or slug.")],
    source: SourceOpt = None,
    locator: LocatorOpt = None,
    quote: QuoteOpt = None,
    cited_as: CitedAsOpt = None,
    cited_in: CitedInOpt = None,
    cited_in_locator: CitedInLocatorOpt = None,
    confidence: ConfidenceOpt = None,
    note: NoteOpt = None,
) -> None:
    """Add more evidence for a recorded event: another source, page or quotation.

    Example: relations-db add citation 1961-12-03-soviet-union-breaks-relations --source hoxha-1980
    --locator "p. 12" --quote "..." --confidence 3
    """
    from relations_db.write import events

    given = _ask_for_missing({"source": source}, {"source": "Source (key or short form)"}, ctx)
    with session(ctx, write=True) as s:
        citation = events.add_citation(
            s, event, source=given["source"], locator=locator, quote=quote, cited_as=cited_as, cited_in=cited_in,
            cited_in_locator=cited_in_locator, confidence=confidence, note=note)
        slug, short, count = citation.event.slug, citation.source.short, len(citation.event.citations)
    typer.echo(slug)
    notice(f"Added a citation of {short} to {slug} (now {count} citation{'s' if count != 1 else ''}).")


@add_app.command("source")
def add_source(
    ctx: typer.Context,
    kind: Annotated[Optional[SourceKind], typer.Option(
        "--kind", "-k", help="book, article, chapter, archive, newspaper, memoir, report, web or other.")] = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="The title as printed.")] = None,
    key: Annotated[Optional[str], typer.Option(
        "--key", metavar="KEY", help="A stable key such as duka-2007 (default: made from author and year).")
    ] = None,
    author: Annotated[Optional[str], typer.Option(
        "--author", metavar="NAME", help="As printed in a reference list: 'Duka, V.'; an institution too.")] = None,
    year: Annotated[Optional[str], typer.Option("--year", metavar="YYYY", help="The year of the work.")] = None,
    container: Annotated[Optional[str], typer.Option(
        "--container", metavar="TEXT", help="The journal, magazine or series it appears in.")] = None,
    volume: Annotated[Optional[str], typer.Option("--volume", metavar="TEXT")] = None,
    issue: Annotated[Optional[str], typer.Option("--issue", metavar="TEXT")] = None,
    pages: Annotated[Optional[str], typer.Option("--pages", metavar="TEXT")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", metavar="TEXT")] = None,
    place: Annotated[Optional[str], typer.Option("--place", metavar="TEXT", help="Place of publication.")] = None,
    url: Annotated[Optional[str], typer.Option("--url", metavar="URL")] = None,
    doi: Annotated[Optional[str], typer.Option("--doi", metavar="DOI")] = None,
    fund: Annotated[Optional[str], typer.Option("--fund", metavar="TEXT", help="Archive fund, as printed.")] = None,
    file: Annotated[Optional[str], typer.Option("--file", metavar="TEXT", help="Archive file, as printed.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT")] = None,
) -> None:
    """Add a source: a book, article, archive file, newspaper issue, memoir, report or web page.

    Prints its key; cite it with `add event --source KEY` or `add citation EVENT --source KEY`.
    In a terminal, a missing --kind or --title is asked for.

    Example: relations-db add source --key hoxha-1980 --kind memoir --author "Hoxha, E." --year 1980
    --title "The Khrushchevites"
    """
    from relations_db.domain.vocab import SOURCE_KINDS
    from relations_db.write import records

    given = _ask_for_missing({"kind": kind, "title": title}, {"kind": "Kind (book, article, archive, …)",
                                                             "title": "Title"}, kinds=SOURCE_KINDS)
    with session(ctx, write=True) as s:
        created = records.add_source(
            s, key=key, kind=given["kind"], title=given["title"], year=year, author=author, container=container,
            volume=volume, issue=issue, pages=pages, publisher=publisher, place=place, url=url, doi=doi,
            fund=fund, file=file, note=note)
        key_, short = created.key, created.short
    typer.echo(key_)
    notice(f"Added source {key_} ({short}).")


@add_app.command("actor")
def add_actor(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The canonical name (English usage).")],
    kind: Annotated[Optional[ActorKind], typer.Option(
        "--kind", "-k", help="person, state, party, government, military or organisation.")] = None,
    description: Annotated[Optional[str], typer.Option(
        "--description", metavar="TEXT", help="One line about who or what it is.")] = None,
    alias: Annotated[Optional[list[str]], typer.Option(
        "--alias", metavar="NAME", help="Another spelling a user may type or a source prints. Repeatable.")
    ] = None,
) -> None:
    """Add an actor (person, state, party, government body, military command or organisation).

    An alias already naming another actor is refused. In a terminal, a missing --kind is asked for.

    Example: relations-db add actor "Andrei Grechko" --kind person --alias Grečko --alias Grecko
    """
    from relations_db.domain.vocab import ACTOR_KINDS
    from relations_db.write import records

    given = _ask_for_missing({"kind": kind}, {"kind": "Kind (person, state, party, government, military, "
                                                       "organisation)"}, kinds=ACTOR_KINDS)
    with session(ctx, write=True) as s:
        actor = records.add_actor(s, name=name, kind=given["kind"], description=description, aliases=alias or [])
        name_, aliases = actor.name, len(actor.aliases)
    typer.echo(name_)
    notice(f"Added actor {name_}" + (f" with {aliases} alias{'es' if aliases != 1 else ''}." if aliases else "."))


# --- edit, remove ------------------------------------------------------------------------------------------


@edit_app.command("event")
def edit_event(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(metavar="EVENT", help="The event's id or slug.")],
    date: Annotated[Optional[str], typer.Option("--date", "-d", metavar="EDTF", rich_help_panel=_EVENT,
                                                help="A new date (checked like add event's).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", metavar="TEXT", rich_help_panel=_EVENT)] = None,
    type_: Annotated[Optional[str], typer.Option("--type", "-t", metavar="TYPE", rich_help_panel=_EVENT)] = None,
    summary: Annotated[Optional[str], typer.Option(
        "--summary", metavar="TEXT", rich_help_panel=_EVENT, help="A new summary ('' removes it).")] = None,
    place: Annotated[Optional[str], typer.Option(
        "--place", "-p", metavar="PLACE", rich_help_panel=_EVENT, help="A new place ('' removes it).")] = None,
    tone: Annotated[Optional[str], typer.Option(
        "--tone", metavar="-10..10", rich_help_panel=_EVENT, help="A new tone ('' removes it).")] = None,
    tone_note: Annotated[Optional[str], typer.Option(
        "--tone-note", metavar="TEXT", rich_help_panel=_EVENT,
        help="A new basis for the tone ('' removes it).")] = None,
    kind: Annotated[Optional[EventKind], typer.Option(
        "--kind", "-k", rich_help_panel=_EVENT, help="Make it an event, a meeting or an agreement.")] = None,
    slug: Annotated[Optional[str], typer.Option(
        "--slug", metavar="SLUG", rich_help_panel=_EVENT, help="A new stable key (the old one keeps finding it).")
    ] = None,
    meeting_format: MeetingFormatOpt = None,
    outcome: OutcomeOpt = None,
    status: StatusOpt = None,
    subject: SubjectOpt = None,
    add_actor: Annotated[Optional[list[str]], typer.Option(
        "--add-actor", metavar="NAME[:ROLE]", help="Add a participant. Repeatable.")] = None,
    remove_actor: Annotated[Optional[list[str]], typer.Option(
        "--remove-actor", metavar="NAME", help="Remove a participant (in every role). Repeatable.")] = None,
    remove_citation: Annotated[Optional[list[str]], typer.Option(
        "--remove-citation", metavar="SOURCE", hidden=True,
        help="Gone: remove a citation by its id with `remove citation ID`.")] = None,
    add_invokes: Annotated[Optional[list[str]], typer.Option(
        "--add-invokes", metavar="AGREEMENT", help="An agreement the event invokes. Repeatable.")] = None,
    remove_invokes: Annotated[Optional[list[str]], typer.Option(
        "--remove-invokes", metavar="AGREEMENT", help="No longer invokes this agreement. Repeatable.")] = None,
    new_actor: NewActorOpt = None,
    new_place: NewPlaceOpt = False,
    force: ForceOpt = False,
) -> None:
    """Change a recorded event: any field, its participants, the agreements it invokes; the date is checked again.

    Give only what changes; '' removes an optional value (--summary '', --place '', --tone ''). Add more
    evidence with `add citation`; correct or remove a citation by its id (`show` prints it, [c17]) with
    `edit citation` and `remove citation`. A new --slug keeps the old one finding the event. Prints the event's
    slug.

    Example: relations-db edit event 1961-12-03-soviet-union-breaks-relations --date 1961-12 --tone -9
    """
    from relations_db.errors import UserError
    from relations_db.write.edit import edit_event as edit

    if remove_citation:
        raise UserError("--remove-citation is gone: a citation is removed by its id, which `relations-db show "
                        f"{event}` prints ([c17]): `relations-db remove citation c17`")
    fields = (date, title, type_, summary, place, tone, tone_note, kind, slug, meeting_format, outcome, status,
              subject)
    if all(v is None for v in fields) and not any((add_actor, remove_actor, add_invokes, remove_invokes)):
        raise UserError("nothing to change: give the fields to change, e.g. --title TEXT or --date EDTF "
                        "(see `relations-db edit event --help`)")
    with session(ctx, write=True) as s:
        edited, changed = edit(
            s, event, date=date, title=title, type=type_, summary=summary, place=place, tone=tone,
            tone_note=tone_note, kind=kind,
            slug=slug, meeting_format=meeting_format, outcome=outcome, status=status, subject=subject,
            add_actors=add_actor or [], remove_actors=remove_actor or [],
            add_invokes=add_invokes or [], remove_invokes=remove_invokes or [], new_actor_kind=new_actor,
            new_place=new_place, force=force)
        slug_ = edited.slug
    typer.echo(slug_)
    notice(f"Changed {slug_}: {', '.join(changed)}." if changed else f"{slug_} already says that; nothing changed.")


@remove_app.command("event")
def remove_event(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(metavar="EVENT", help="The event's id or slug.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an event and its citations (the sources, actors and places it used stay).

    Asks first; without a terminal, --yes is required.

    Example: relations-db remove event 1957-04-hoxha-visits-moscow --yes
    """
    from relations_db.errors import UserError
    from relations_db.write import events
    from relations_db.write.resolve import resolve_event

    if not yes:
        if not _interactive():
            raise UserError("removing an event cannot be undone: confirm with --yes")
        with session(ctx) as s:  # read only: no write lock is held while the user decides
            found = resolve_event(s, event)
            described = f"{found.slug} ({found.date}, {found.title!r}) and its {len(found.citations)} citation(s)"
        typer.confirm(f"Remove {described}?", abort=True, err=True)
    with session(ctx, write=True) as s:
        gone = events.remove_event(s, event)
    notice(f"Removed {gone['slug']} ({gone['date']}, {gone['title']!r}) and its {gone['citations']} "
           f"citation{'s' if gone['citations'] != 1 else ''}"
           + (f" and {gone['relative']} relative claim{'s' if gone['relative'] != 1 else ''} that named it"
              if gone["relative"] else "") + "."
           + (f" These events no longer invoke it: {', '.join(gone['invoked_by'])}." if gone["invoked_by"] else ""))
