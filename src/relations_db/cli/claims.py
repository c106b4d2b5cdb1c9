"""`relations-db` claims: add|edit|remove claim, rank, claims — what each source says about an event, and which
is shown.

`add claim`, `edit claim` and `remove claim` join the groups of `cli/write.py` (with `cli/correct.py`'s commands,
imported here so that the groups list every noun); `rank` and `claims` are commands of their own. cli/app.py
loads the add, edit and remove groups and these two from here. Each write is one call to
`relations_db.write.claims` in one write transaction: any refusal, and nothing is written.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer

from relations_db.cli.common import notice, session
from relations_db.cli.correct import YesOpt, _confirm
from relations_db.cli.options import FormatOpt
from relations_db.cli.write import (
    CitedAsOpt,
    CitedInLocatorOpt,
    CitedInOpt,
    ConfidenceOpt,
    LocatorOpt,
    NoteOpt,
    QuoteOpt,
    SourceOpt,
    add_app,
    commands,
    edit_app,
    remove_app,
)

if TYPE_CHECKING:
    Rank = str
    Stance = str
else:
    from relations_db.domain.vocab import CLAIM_RANKS, STANCES

    Rank = Literal[CLAIM_RANKS]
    Stance = Literal[STANCES]

_CLAIM = "Claim (exactly one)"

_RELATIVE = "Relative dating"
BeforeOpt = Annotated[Optional[str], typer.Option(
    "--before", metavar="EVENT", rich_help_panel=_CLAIM,
    help="The event this one came before: it ended no later than EVENT began (the same day allowed).")]
AfterOpt = Annotated[Optional[str], typer.Option(
    "--after", metavar="EVENT", rich_help_panel=_CLAIM,
    help="The event this one came after: it began no earlier than EVENT ended (the same day allowed).")]
DuringOpt = Annotated[Optional[str], typer.Option(
    "--during", metavar="EVENT", rich_help_panel=_CLAIM, help="The event this one happened within.")]
AtLeastOpt = Annotated[Optional[str], typer.Option(
    "--at-least", metavar="DURATION", rich_help_panel=_RELATIVE,
    help="With --before/--after: the gap is at least this long: 10D, 2W, 3M, 1Y (a month counts 28 days).")]
AtMostOpt = Annotated[Optional[str], typer.Option(
    "--at-most", metavar="DURATION", rich_help_panel=_RELATIVE,
    help="With --before/--after: the gap is at most this long (a month counts 31 days, a year 366).")]

ReasonOpt = Annotated[Optional[str], typer.Option(
    "--reason", metavar="TEXT", help="How the value was determined or why it is ranked so: 'inferred from \"a "
                                     "few months after\"'.")]


@add_app.command("claim")
def add_claim(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(metavar="EVENT", help="The event's id or slug.")],
    date: Annotated[Optional[str], typer.Option(
        "--date", "-d", metavar="EDTF", rich_help_panel=_CLAIM, help="The date this source gives: '1959'.")] = None,
    actor: Annotated[Optional[str], typer.Option(
        "--actor", "-a", metavar="NAME:ROLE", rich_help_panel=_CLAIM,
        help="A participant this source names, with a role: 'Kapo:delegate'.")] = None,
    place: Annotated[Optional[str], typer.Option(
        "--place", "-p", metavar="PLACE", rich_help_panel=_CLAIM, help="The place this source gives.")] = None,
    occurred: Annotated[bool, typer.Option(
        "--occurred", rich_help_panel=_CLAIM,
        help="That the event happened at all (with --stance disputes: a denial).")] = False,
    before: BeforeOpt = None,
    after: AfterOpt = None,
    during: DuringOpt = None,
    at_least: AtLeastOpt = None,
    at_most: AtMostOpt = None,
    source: SourceOpt = None,
    locator: LocatorOpt = None,
    quote: QuoteOpt = None,
    cited_as: CitedAsOpt = None,
    cited_in: CitedInOpt = None,
    cited_in_locator: CitedInLocatorOpt = None,
    confidence: ConfidenceOpt = None,
    note: NoteOpt = None,
    stance: Annotated[Optional[Stance], typer.Option(
        "--stance", help="Whether the citation supports (default) or disputes the claim.")] = None,
    rank: Annotated[Optional[Rank], typer.Option(
        "--rank", help="preferred, normal (default) or deprecated: the best rank is shown.")] = None,
    reason: ReasonOpt = None,
) -> None:
    """Record what one source says about an event — its date, a participant, its place, that it happened, or
    that it came before, after or during another event (with --at-least/--at-most for the gap) — with the
    citation. A value another claim already has adds the citation to that claim. When the best-ranked dates
    disagree, the event is shown as disputed ("1961 or 1959 — sources disagree") until one is ranked; `check`
    reports relative claims that contradict the dates.

    Example: relations-db add claim 1961-12-03-soviet-union-breaks-relations --date 1959 --source smith-2022
    --locator "p. 12" --quote "relations ended in 1959"
    """
    from relations_db.write.claims import ClaimInput
    from relations_db.write.claims import add_claim as write_claim

    with session(ctx, write=True) as s:
        added = write_claim(
            s, event, ClaimInput(date=date, actor=actor, place=place, occurred=occurred, before=before, after=after,
                                 during=during, at_least=at_least, at_most=at_most), source=source,
            evidence={"locator": locator, "quote": quote, "cited_as": cited_as, "cited_in": cited_in,
                      "cited_in_locator": cited_in_locator, "confidence": confidence, "note": note},
            stance=stance or "supports", rank=rank, reason=reason)
        claim, slug, disputed = added.claim, added.claim.event.slug, added.claim.event.disputed
        what = "Added" if added.new_claim else "Cited"
        short = added.citation.source.short
    typer.echo(f"k{claim.id}")
    notice(f"{what} claim k{claim.id} ({claim.kind}) of {slug}, citing {short}"
           + (": the sources now disagree on its date (rank one with `relations-db rank`)." if disputed else "."))


ClaimArg = Annotated[str, typer.Argument(metavar="CLAIM",
                                         help="The claim's id, as `claims EVENT` prints it: k12, k-164.")]


@edit_app.command("claim")
def edit_claim(
    ctx: typer.Context,
    claim: ClaimArg,
    date: Annotated[Optional[str], typer.Option("--date", "-d", metavar="EDTF", help="A date claim's date.")] = None,
    actor: Annotated[Optional[str], typer.Option(
        "--actor", "-a", metavar="NAME:ROLE", help="A participant claim's actor and role.")] = None,
    place: Annotated[Optional[str], typer.Option("--place", "-p", metavar="PLACE", help="A place claim's place.")]
    = None,
    before: Annotated[Optional[str], typer.Option("--before", metavar="EVENT", help="A before claim's event.")]
    = None,
    after: Annotated[Optional[str], typer.Option("--after", metavar="EVENT", help="An after claim's event.")]
    = None,
    during: Annotated[Optional[str], typer.Option("--during", metavar="EVENT", help="A during claim's event.")]
    = None,
    at_least: Annotated[Optional[str], typer.Option(
        "--at-least", metavar="DURATION", help="A before or after claim's least gap: 3M ('' clears it).")] = None,
    at_most: Annotated[Optional[str], typer.Option(
        "--at-most", metavar="DURATION", help="A before or after claim's greatest gap: 1Y ('' clears it).")] = None,
    reason: ReasonOpt = None,
) -> None:
    """Correct one claim: its value (of its own kind) or its reason ('' clears it). A value another claim of the
    event already states is refused; the event shows the result.

    Example: relations-db edit claim k248 --date 1959-12 --reason "the paper's note 14"
    """
    from relations_db.write.claims import ClaimInput
    from relations_db.write.claims import edit_claim as write_edit

    with session(ctx, write=True) as s:
        edited, changed = write_edit(s, claim, ClaimInput(date=date, actor=actor, place=place, before=before,
                                                          after=after, during=during, at_least=at_least,
                                                          at_most=at_most), reason)
        name, slug = f"k{edited.id}", edited.event.slug
    typer.echo(name)
    notice(f"Changed {name} of {slug}: {', '.join(changed)}." if changed else
           f"{name} already says that; nothing changed.")


@remove_app.command("claim")
def remove_claim(ctx: typer.Context, claim: ClaimArg, yes: YesOpt = False) -> None:
    """Remove one claim (a participant claim with the participant); its citations stay with the event. An
    event's only date claim cannot go.

    Asks first; without a terminal, --yes is required.

    Example: relations-db remove claim k248 --yes
    """
    from relations_db.write.claims import remove_claim as write_remove

    _confirm(yes, f"Remove claim {claim}?", "removing a claim")
    with session(ctx, write=True) as s:
        slug, kind, value = write_remove(s, claim)
    notice(f"Removed the {kind} claim {value} from {slug}.")


@commands.command("rank")
def rank_cmd(
    ctx: typer.Context,
    claim: ClaimArg,
    rank: Annotated[Rank, typer.Argument(metavar="RANK", help="preferred, normal or deprecated.")],
    reason: ReasonOpt = None,
) -> None:
    """Rank a claim: the event shows its preferred claims, else its normal ones, never a deprecated one. Ranking
    one of two disagreeing dates preferred settles what is shown; the other stays, as a note.

    Example: relations-db rank k12 preferred --reason "the note of 3 December 1961 is dated"
    """
    from relations_db.write.claims import rank_claim

    with session(ctx, write=True) as s:
        ranked = rank_claim(s, claim, rank, reason)
        slug, shown, disputed = ranked.event.slug, ranked.event.date, ranked.event.disputed
    typer.echo(f"k{ranked.id}")
    notice(f"Ranked claim k{ranked.id} {rank}; {slug} shows {shown}"
           + (" (its sources still disagree)." if disputed else "."))


@commands.command("claims")
def claims_cmd(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(metavar="EVENT", help="The event's id or slug.")],
    format_: FormatOpt = None,
) -> None:
    """Every claim about one event — its dates, participants, place — with its rank, reason, whether it is
    shown, and the citations that support or dispute it.

    Example: relations-db claims 1961-12-03-soviet-union-breaks-relations
    """
    from relations_db.cli import claim_text, output
    from relations_db.cli.common import connection
    from relations_db.read import names
    from relations_db.read.claims import claims_of
    from relations_db.read.events import event_by_ref

    with connection(ctx) as conn:
        detail = event_by_ref(conn, event)
        rows = claims_of(conn, names.event_id(conn, event), detail["citations"])
    fmt = format_ or "table"
    records: Sequence[Mapping[str, Any]] = rows if fmt in ("json", "jsonl") else [
        {**r, "id": f"k{r['id']}", "evidence": " | ".join(claim_text.evidence_lines(r["evidence"]))}
        for r in rows]
    columns = [output.Column("Claim", width=6), output.Column("Kind", width=11), output.Column("Value", ratio=2),
               output.Column("Rank", width=10), output.Column("Shown", width=5), output.Column("Evidence", ratio=4)]
    output.emit_records(records, fmt, columns,
                        lambda r: [r["id"], r["kind"], r["value"], r["rank"], "yes" if r["shown"] else "no",
                                   r["evidence"]],
                        csv_fields=("id", "kind", "value", "rank", "reason", "shown", "evidence"))
