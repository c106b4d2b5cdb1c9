"""`relations-db` commands: check, timeline, relations — the audit and the picture."""

from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer
from typer.core import TyperCommand

from relations_db.cli.options import (
    ActorOpt,
    FromOpt,
    LimitOpt,
    PlaceOpt,
    SearchOpt,
    SourceOpt,
    ToOpt,
    TypeOpt,
    WithinOpt,
    YearOpt,
    filters_from,
    format_flag,
)

if TYPE_CHECKING:
    # (Typer's vendored Click gives these types no public name; only the type checker reads them.)
    from typer._click import Context, HelpFormatter

    from relations_db.analysis.findings import Finding
    from relations_db.analysis.timeline import Timeline

commands = typer.Typer(add_completion=False)

# Where `check`'s help lists the rules: replaced by `rule_list()` when the help is shown.
RULES_MARK = "{rules}"


def rule_list(rich: bool = True) -> str:
    """The audit's rules as `check --help` lists them, from their table (`vocab.AUDIT_RULES`, which the audit
    registers its checks against): by severity, then in the table's order; a summary too long for the line goes
    on under itself, not under the rule's name. The audit itself is not loaded.

    The lines are wrapped here, to the width the help is printed at, and kept as they are by either help printer:
    Rich keeps line breaks; click's plain printer (TYPER_USE_RICH=0) joins a paragraph's lines unless it opens
    with the `\\b` mark, which ran "Info:" into the line before it."""
    import shutil
    import textwrap

    from rich.markup import escape

    from relations_db.domain.vocab import AUDIT_RULES, SEVERITIES

    # (both printers indent the help: Rich by one column and a margin, click by two)
    width = max(40, shutil.get_terminal_size((80, 24)).columns - (3 if rich else 2))
    name_width = max(len(rule_id) for rule_id, _, _ in AUDIT_RULES)
    hang = " " * (name_width + 4)
    lines = []
    for severity in SEVERITIES:
        rules = [(rule_id, summary) for rule_id, of, summary in AUDIT_RULES if of == severity]
        if rules:
            lines.append(f"{severity.capitalize()}{'s' if severity != 'info' else ''}:")
            lines += [textwrap.fill(summary, width, initial_indent=f"  {rule_id:<{name_width}}  ",
                                    subsequent_indent=hang, break_long_words=False, break_on_hyphens=False)
                      for rule_id, summary in rules]
    text = "\n".join(lines)
    return escape(text) if rich else "\b\n" + text


class RulesInHelp(TyperCommand):
    """A command whose help lists the audit's rules where it says RULES_MARK, written when the help is shown
    (from `vocab.AUDIT_RULES`: the help loads neither the audit nor SQLAlchemy)."""

    def format_help(self, ctx: "Context", formatter: "HelpFormatter") -> None:
        if self.help and RULES_MARK in self.help:
            from typer.core import HAS_RICH

            self.help = self.help.replace(RULES_MARK, rule_list(rich=HAS_RICH and self.rich_markup_mode is not None))
        super().format_help(ctx, formatter)


CheckFormat = Annotated[Optional[Literal["table", "json"]], format_flag(
    "table (default: one block per finding) or json (one array).")]
RuleOpt = Annotated[Optional[list[str]], typer.Option(
    "--rule", "-r", metavar="RULE", help="Run only this rule (repeat for several); see the list above.")]


@commands.command("check", cls=RulesInHelp)
def check_cmd(ctx: typer.Context, format_: CheckFormat = None, rule: RuleOpt = None) -> None:
    """Audit the database the way an editor reads a manuscript: every finding with its severity, the records
    involved and how to fix it. Exits 1 when there is an error (so a team can run it in CI), else 0.

    {rules}

    A citation with a note is a known inconsistency: its findings are still listed, marked "noted".

    Example: relations-db check --format json
    """
    import sys

    from relations_db.analysis.audit import run_checks
    from relations_db.analysis.findings import counts
    from relations_db.cli import output
    from relations_db.cli.common import session
    from relations_db.formats.json import write_indented

    with session(ctx) as s:
        findings = run_checks(s, rule or None)
    if format_ == "json":
        write_indented((f.as_dict() for f in findings), sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_findings(findings, set(rule or ()))
    tally = counts(findings)
    if findings:
        output.message(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: " +
                       ", ".join(f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}" for sev, n in tally.items()))
    else:
        output.message("No findings.")
    if tally["error"]:
        raise typer.Exit(1)


# More information findings of one rule than this print as one block listing their records (the seed has a
# single-citation finding for half its events), unless the rule is asked for by name (`--rule`).
INFO_LISTED = 3
SUMMARY_KEYS = 40  # (the records such a block names; it says how many more)


def _print_findings(findings: "list[Finding]", asked: set[str]) -> None:
    from collections import Counter

    from relations_db.cli.output import console

    width = max(60, min(console().width, 120))
    many = Counter(f.rule for f in findings if f.severity == "info")
    done: set[str] = set()
    for finding in findings:
        if finding.severity != "info" or many[finding.rule] <= INFO_LISTED or finding.rule in asked:
            _print_block(finding.severity, finding.rule, ", ".join(f"{k} {v}" for k, v in finding.records),
                         (("", finding.message), ("fix: ", finding.fix), ("noted: ", finding.noted or "")), width)
        elif finding.rule not in done:
            done.add(finding.rule)
            _print_summary([f for f in findings if f.rule == finding.rule], width)


def _print_summary(findings: "list[Finding]", width: int) -> None:
    """One block for many information findings of a rule: how many, the rule's summary and their records."""
    from relations_db.domain.vocab import AUDIT_RULES

    rule_id = findings[0].rule
    summary = next(text for rid, _, text in AUDIT_RULES if rid == rule_id)
    kinds = list(dict.fromkeys(kind for f in findings for kind, _ in f.records[:1]))
    noun = kinds[0] if len(kinds) == 1 else "record"
    keys = ", ".join(key for f in findings[:SUMMARY_KEYS] for _, key in f.records[:1])
    if len(findings) > SUMMARY_KEYS:
        keys += f" and {len(findings) - SUMMARY_KEYS} more"
    _print_block("info", rule_id, f"{len(findings)} {noun}s",
                 ((f"{summary} — ", keys), ("", f"`relations-db check --rule {rule_id}` lists each with what it says "
                                               "and how to fix it")), width)


def _print_block(severity: str, rule_id: str, records: str, parts: tuple[tuple[str, str], ...], width: int) -> None:
    import textwrap

    from relations_db.domain.text import visible

    lines = [f"{severity.upper():<8}{rule_id}: {records}"]
    for label, text in parts:
        if text:
            lines.append(textwrap.fill(label + text, width=width, initial_indent=" " * 8, subsequent_indent=" " * 8,
                                       break_long_words=False, break_on_hyphens=False))
    typer.echo(visible("\n".join(lines)) + "\n")  # (findings quote stored titles and names)


TimelineFormat = Annotated[Optional[Literal["table", "csv", "json"]], format_flag(
    "table (default: bars), csv or json (the numbers: period, events, mean_tone, min_tone, max_tone, key_events: "
    "the three of strongest tone).")]
ByOpt = Annotated[Optional[Literal["year", "month"]], typer.Option(
    "--by", case_sensitive=False, help="One row per year (default) or per month.")]


@commands.command("timeline")
def timeline_cmd(
    ctx: typer.Context,
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    within: WithinOpt = False,
    actor: ActorOpt = None,
    type_: TypeOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    by: ByOpt = None,
    format_: TimelineFormat = None,
) -> None:
    """The relationship at a glance: one row per year (or month) with a bar of the number of events, a bar of
    the mean tone from hostile (-, left) to cooperative (+, right), and the key events, strongest tone first.

    An event counts in the one year (month) that holds its whole span. With --by month, an event known only
    to the year or season counts in a row of its own: the bare year. Events spanning several years (1948/1961,
    a decade, an open end) are counted in no row and in no tone mean: they are listed under the table (on
    stderr with csv and json). Events without a tone count as events but not in the tone. Years without
    events between the first and the last are shown, empty. Takes the same filters as `events`.

    Example: relations-db timeline --from 1953 --to 1961
    """
    from relations_db.analysis.timeline import build
    from relations_db.cli import output
    from relations_db.cli.common import session
    from relations_db.read.events import event_rows

    filters = filters_from(year=year, from_=from_, to=to, actor=actor, type_=type_, place=place, source=source,
                           search=search, limit=limit, within=within)
    with session(ctx) as s:
        timeline = build(event_rows(s, filters), by=(by or "year").lower())
    fmt = format_ or "table"
    if not timeline.periods and not timeline.spanning:
        output.message(output.nothing_shown(filters))
        if fmt == "json":
            typer.echo("[]")
        elif fmt == "csv":
            _timeline_csv(timeline)
        return
    if fmt == "table":
        _timeline_table(timeline, output.console().width)
        return
    if fmt == "csv":
        _timeline_csv(timeline)
    else:
        import json
        import sys

        json.dump([p.as_dict() for p in timeline.periods], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    if timeline.spanning:
        output.message(f"Not counted: {len(timeline.spanning)} event{'s' if len(timeline.spanning) != 1 else ''} "
                       f"spanning several years: {', '.join(e['slug'] for e in timeline.spanning)}.")


def _timeline_csv(timeline: "Timeline") -> None:
    import csv
    import sys

    from relations_db.formats.csv.columns import neutralise, write_row

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("period", "events", "mean_tone", "min_tone", "max_tone", "key_events"))
    for period in timeline.periods:
        row = period.as_dict()
        write_row(writer, sys.stdout, [
            str(row["period"]), str(row["events"]), *("" if row[k] is None else str(row[k])
                                                      for k in ("mean_tone", "min_tone", "max_tone")),
            neutralise("; ".join(row["key_events"]))])


def _hang(first: str, text: str, width: int, indent: int) -> str:
    """`first` followed by `text` wrapped to `width` at spaces (never inside a word), later lines indented by
    `indent`: the key events of a period under their column, a spanning event under its text."""
    import textwrap

    if len(first) + len(text) <= width:
        return first + text
    def lines(text: str, room: int) -> list[str]:
        return textwrap.wrap(text, max(12, room), break_long_words=False, break_on_hyphens=False)

    head = lines(text, width - len(first))[0]  # (the first line has `first` before it)
    rest = lines(text[len(head):].strip(), width - indent)
    return "\n".join([first + head, *(" " * indent + line for line in rest)])


def _key_events(titles: list[str], width: int, lines: int = 2) -> str:
    """The strongest titles, whole, as many as wrap into `lines` lines of `width` (at least the first, however
    long), then how many more there are: a title is never cut (csv and json list them all)."""
    import textwrap

    def fits(text: str) -> bool:
        return len(textwrap.wrap(text, max(12, width), break_long_words=False, break_on_hyphens=False)) <= lines

    shown = titles[:1]
    for title in titles[1:]:
        rest = len(titles) - len(shown) - 1
        if not fits("; ".join([*shown, title]) + (f"; +{rest} more" if rest else "")):
            break
        shown.append(title)
    more = len(titles) - len(shown)
    return "; ".join(shown) + (f"; +{more} more" if more else "")


def _timeline_table(timeline: "Timeline", width: int) -> None:
    from relations_db.analysis.timeline import count_bar, tone_bar
    from relations_db.domain import dates
    from relations_db.domain.text import visible
    from relations_db.domain.vocab import tone_word

    width = max(width, 60)
    months = any(p.is_month for p in timeline.periods)
    # With --by month, a bare year is the row of events known only to the year (or season).
    label = {p.period: p.label + (" (year)" if months and not p.is_month else "") for p in timeline.periods}
    label_w = max([6, *(len(v) for v in label.values())])
    bar_w, half = (12, 8) if width >= 100 else (8, 6)
    tone_w = 2 * half + 1 + 6 + 9  # bar, signed mean, word
    keys_at = label_w + 2 + 4 + bar_w + 2 + tone_w + 2  # where the key events begin
    def echo(line: str) -> None:
        typer.echo(visible(line))  # (the key events are stored titles)
    echo(_hang(f"{'period':<{label_w}}  {'events':<{4 + bar_w}}  {'hostile':>{half}}|{'cooperative':<{half}}"
               f"{'mean':>6}{'':9}  ", "key events (strongest tone first)", width, keys_at))
    for period in timeline.periods:
        mean = period.mean_tone
        tone = f"{tone_bar(mean, half)}{'' if mean is None else f'{mean:+.1f}':>6} {tone_word(mean):<8}"
        keys = _key_events([e["title"] for e in period.key_events()], width - keys_at)
        bar = count_bar(period.count, timeline.max_count, bar_w)
        echo(_hang(f"{label[period.period]:<{label_w}}  {period.count:>3} {bar:<{bar_w}}  {tone}  ", keys, width,
                   keys_at).rstrip())
    if timeline.spanning:
        echo("\nSpanning several years (counted in no row, in no mean):")
        for event in timeline.spanning:
            tone = f" (tone {event['tone']:+d})" if event.get("tone") is not None else ""
            echo(_hang("  ", f"{dates.display(event['date'])}: {event['title']}{tone}", width, 6))


RelationsFormat = Annotated[Optional[Literal["table", "csv", "json", "dot", "graphml"]], format_flag(
    "table (default), csv, json, dot (Graphviz) or graphml (Gephi, yEd).")]
FocusOpt = Annotated[Optional[str], typer.Option(
    "--actor", "-a", metavar="NAME",
    help="Only the pairs that include this actor (any alias, any case or accents).")]


# Not the shared LimitOpt: here it counts pairs, and every event still counts towards them.
PairLimitOpt = Annotated[Optional[int], typer.Option(
    "--limit", "-n", metavar="N", min=0, rich_help_panel="Filters",
    help="Show at most N pairs, the most frequent (every matching event still counts towards them).")]


@commands.command("relations")
def relations_cmd(
    ctx: typer.Context,
    actor: FocusOpt = None,
    year: YearOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    within: WithinOpt = False,
    type_: TypeOpt = None,
    place: PlaceOpt = None,
    source: SourceOpt = None,
    search: SearchOpt = None,
    limit: PairLimitOpt = None,
    format_: RelationsFormat = None,
) -> None:
    """Who met whom: every pair of actors who took part in the same events, how often, over which years,
    and which events (most frequent pairs first). With --actor, only that actor's pairs. The other filters
    choose which events count, as in `events`. DOT and GraphML give the network as a graph file.

    Example: relations-db relations --actor Hoxha --from 1955 --to 1961
    """
    import sys

    from relations_db.analysis import network
    from relations_db.cli import output
    from relations_db.cli.common import session
    from relations_db.formats.graph import write_dot, write_graphml
    from relations_db.read.events import event_rows
    from relations_db.write.resolve import resolve_actor

    filters = filters_from(year=year, from_=from_, to=to, type_=type_, place=place, source=source, search=search,
                           within=within)
    with session(ctx) as s:
        focus = resolve_actor(s, actor).name if actor else None
        filters.actors = [focus] if focus else []
        graph = network.actor_pairs(event_rows(s, filters), actor=focus, limit=limit)
    fmt = format_ or "table"
    if fmt == "dot":
        write_dot(graph, sys.stdout)
    elif fmt == "graphml":
        write_graphml(graph, sys.stdout)
    else:
        columns = [output.Column("Actor", ratio=2), output.Column("Actor", ratio=2),
                   output.Column("Events", width=6, justify="right"), output.Column("Years", width=9),
                   output.Column("Event slugs", ratio=3, whole=True)]
        output.emit_records((p.as_dict() for p in graph.pairs), fmt, columns,
                            lambda r: [r["actor_a"], r["actor_b"], str(r["events"]),
                                       network.span_text(r["first_year"], r["last_year"]), _some(r["slugs"])],
                            csv_fields=network.CSV_COLUMNS)
    if not graph.pairs:
        output.message("--limit 0: no pairs shown." if limit == 0 else
                       f"{focus} shares no event with another actor." if focus else "No two actors share an event.")


def _some(slugs: list[str], shown: int = 1) -> str:
    """The first slugs of a long list, and how many more (all of them are in csv and json)."""
    more = len(slugs) - shown
    return ", ".join(slugs[:shown]) + (f", +{more} more" if more > 0 else "")
