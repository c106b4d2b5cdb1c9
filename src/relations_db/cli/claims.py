"""`relations-db` claims: add claim, rank, claims — what each source says about an event, and which is shown.

`add claim` joins the `add` group of `cli/write.py`; `rank` and `claims` are commands of their own (cli/app.py
loads all three from here). Each write is one call to `relations_db.write.claims` in one write transaction: any
refusal, and nothing is written.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional

import typer

from relations_db.cli.common import notice, session
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
)

if TYPE_CHECKING:
    Rank = str
    Stance = str
else:
    from relations_db.domain.vocab import CLAIM_RANKS, STANCES

    Rank = Literal[CLAIM_RANKS]
    Stance = Literal[STANCES]

_CLAIM = "Claim (exactly one)"

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
    """Record what one source says about an event — its date, a participant, its place, or that it happened —
    with the citation. A value another claim already has adds the citation to that claim. When the best-ranked
    dates disagree, the event is shown as disputed ("1961 or 1959 — sources disagree") until one is ranked.

    Example: relations-db add claim 1961-12-03-soviet-union-breaks-relations --date 1959 --source smith-2022
    --locator "p. 12" --quote "relations ended in 1959"
    """
    from relations_db.write.claims import ClaimInput
    from relations_db.write.claims import add_claim as write_claim

    with session(ctx, write=True) as s:
        added = write_claim(
            s, event, ClaimInput(date=date, actor=actor, place=place, occurred=occurred), source=source,
            evidence={"locator": locator, "quote": quote, "cited_as": cited_as, "cited_in": cited_in,
                      "cited_in_locator": cited_in_locator, "confidence": confidence, "note": note},
            stance=stance or "supports", rank=rank, reason=reason)
        claim, slug, disputed = added.claim, added.claim.event.slug, added.claim.event.disputed
        what = "Added" if added.new_claim else "Cited"
        short = added.citation.source.short
    typer.echo(f"k{claim.id}")
    notice(f"{what} claim k{claim.id} ({claim.kind}) of {slug}, citing {short}"
           + (": the sources now disagree on its date (rank one with `relations-db rank`)." if disputed else "."))


@commands.command("rank")
def rank_cmd(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(metavar="CLAIM", help="The claim's id, as `claims EVENT` prints it: k12.")],
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
    from relations_db.cli import output
    from relations_db.cli.common import connection
    from relations_db.read import names
    from relations_db.read.claims import claims_of
    from relations_db.read.events import event_by_ref

    with connection(ctx) as conn:
        detail = event_by_ref(conn, event)
        rows = claims_of(conn, names.event_id(conn, event), detail["citations"])
    fmt = format_ or "table"
    records: Sequence[Mapping[str, Any]] = rows if fmt in ("json", "jsonl") else [
        {**r, "id": f"k{r['id']}", "evidence": " | ".join(output.evidence_lines(r["evidence"]))}
        for r in rows]
    columns = [output.Column("Claim", width=6), output.Column("Kind", width=11), output.Column("Value", ratio=2),
               output.Column("Rank", width=10), output.Column("Shown", width=5), output.Column("Evidence", ratio=4)]
    output.emit_records(records, fmt, columns,
                        lambda r: [r["id"], r["kind"], r["value"], r["rank"], "yes" if r["shown"] else "no",
                                   r["evidence"]],
                        csv_fields=("id", "kind", "value", "rank", "reason", "shown", "evidence"))
