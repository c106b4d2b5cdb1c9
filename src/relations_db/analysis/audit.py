"""The audit: read the database as a careful editor reads a manuscript, and list what is wrong.

Each rule is a function over the session that yields `Finding`s: which rule, how serious, which records,
what is wrong and how to fix it. `run_checks` runs them all, each check once (the two cited-as rules share one
pass over the citations). Most checks are SQL over the schema; the comparison of an in-text citation
("(Duka, 2007)") with the reference it is linked to is done in Python (`analysis.in_text`), on words folded for
case and accents, so that "Foreign Office Document" matches "Foreign Office Documents" and "Albanian Central
Archive" matches "Central State Archive of Albania", while "(History of Albanian People, 2008)" for a work
dated 2007 does not.

A citation that carries a `note` is a known, explained inconsistency (the data records what the paper
printed): its findings keep their severity — they are still true of the text — but are marked `noted`.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from relations_db.analysis import (  # noqa: F401  (register their rules before RULES is built)
    claim_rules,
    claims_audit,
    duplicates,
    relative_audit,
)
from relations_db.analysis.findings import CHECKS, Finding, Rule, rule, rules
from relations_db.analysis.findings import when as _when
from relations_db.analysis.in_text import InText, in_text_citations, names_source, source_words
from relations_db.domain import dates, vocab
from relations_db.errors import DateError, UserError
from relations_db.store import schema

EV = schema.events
ES = schema.event_search
CI = schema.citations
SO = schema.sources
PA = schema.participations
AC = schema.actors
AA = schema.actor_aliases
PL = schema.places
PLA = schema.place_aliases
CL = schema.claims


def run_checks(session: Session, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of every rule (or of the rules named), errors first, then warnings, then info."""
    wanted = set(rules) if rules is not None else None
    if wanted is not None:
        unknown = wanted - {r.id for r in RULES}
        if unknown:
            raise UserError(f"unknown rule {', '.join(sorted(unknown))}; the rules are: "
                            f"{', '.join(r.id for r in RULES)}", field="rules")
    order = {r.id: i for i, r in enumerate(RULES)}
    checks = dict.fromkeys(r.check for r in RULES if wanted is None or r.id in wanted)  # each pass once
    found = [f for check in checks for f in check(session) if wanted is None or f.rule in wanted]
    # Two citations of one event can fail a rule in the same way (two quotations from one archive file): one
    # finding, saying how many.
    same: dict[Finding, int] = {}
    for finding in found:
        same[finding] = same.get(finding, 0) + 1
    findings = [f if n == 1 else replace(f, message=f"{f.message} ({n} times in this event.)")
                for f, n in same.items()]
    # A stable sort: within a rule, the findings stay in the order its check found them.
    findings.sort(key=lambda f: (vocab.SEVERITIES.index(f.severity), order[f.rule]))
    return findings


def _span(columns: list) -> str:
    """The stored bounds (start_day, end_day, start_kind, end_kind, start_iso, end_iso) as a finding shows them:
    'first…last', a missing end by its kind."""
    _, _, start_kind, end_kind, start_iso, end_iso = columns
    return f"{start_iso or f'({start_kind})'}…{end_iso or f'({end_kind})'}"


def _noted(note: str | None) -> str | None:
    """A citation's note as a finding carries it: None when there is none, or only blanks."""
    return note.strip() if note and note.strip() else None


# --- events ---------------------------------------------------------------------------------------------------


@rule("event-uncited")
def _events_uncited(session: Session) -> Iterator[Finding]:
    cited = select(CI.c.id).where(CI.c.event_id == EV.c.id).exists()
    for slug, date, title in session.execute(
            select(EV.c.slug, EV.c.date, EV.c.title).where(~cited).order_by(EV.c.start_day.nulls_first(), EV.c.slug)):
        yield Finding("event-uncited", "error", (("event", slug),),
                      f"{title!r} ({_when(date)}) has no citation: nothing in the database supports it.",
                      f"add the source that reports it: relations-db add citation {slug} --source KEY "
                      "--locator PAGE --quote \"…\"")


@rule("interval-reversed")
def _intervals_reversed(session: Session) -> Iterator[Finding]:
    for slug, date, start, end in session.execute(
            select(EV.c.slug, EV.c.date, EV.c.start_iso, EV.c.end_iso)
            .where(EV.c.start_day > EV.c.end_day).order_by(EV.c.slug)):
        yield Finding("interval-reversed", "error", (("event", slug),),
                      f"the event dated {date!r} ends ({end}) before it starts ({start}); "
                      "it sorts and filters wrongly.",
                      "correct the date (EDTF start/end, e.g. 1954/1956) and load it again through "
                      "`relations-db import`, which recomputes start and end")


def _dated_by_claims() -> ColumnElement[bool]:
    """An event with several date claims: its days are the hull of the best-ranked ones, not its date's own days
    (`date-conflict` reads them)."""
    other = CL.alias("other")
    return select(CL.c.id).where(CL.c.event_id == EV.c.id, CL.c.kind == "date", CL.c.rank != "deprecated",
                                 select(other.c.id).where(other.c.event_id == CL.c.event_id, other.c.kind == "date",
                                                          other.c.rank != "deprecated", other.c.id != CL.c.id)
                                 .exists()).exists()


@rule("date-out-of-step")
def _dates_out_of_step(session: Session) -> Iterator[Finding]:
    rows = session.execute(select(EV.c.slug, EV.c.date, EV.c.start_day, EV.c.end_day, EV.c.start_kind,
                                  EV.c.end_kind, EV.c.start_iso, EV.c.end_iso, EV.c.precision)
                           .where(or_(EV.c.start_day <= EV.c.end_day, EV.c.start_day.is_(None),
                                      EV.c.end_day.is_(None)), ~_dated_by_claims()).order_by(EV.c.slug))
    for slug, date, *stored, precision in rows:
        try:
            parsed = dates.parse(date)
        except DateError as exc:
            yield Finding("date-out-of-step", "error", (("event", slug),),
                          f"the stored date {date!r} is not a valid EDTF date: {str(exc).split('. Accepted')[0]}.",
                          "correct the date and load it again through `relations-db import`")
            continue
        means = [parsed.start_day, parsed.end_day, parsed.start_kind, parsed.end_kind, parsed.start_iso,
                 parsed.end_iso]
        if (means, parsed.precision) != (stored, precision):
            yield Finding("date-out-of-step", "error", (("event", slug),),
                          f"the date {date!r} means {_span(means)} ({parsed.precision}), but the "
                          f"database stores {_span(stored)} ({precision}); filters and sorting use the stored days.",
                          "load the event again through `relations-db import`, which recomputes start and end")


@rule("participant-no-role")
def _participants_without_role(session: Session) -> Iterator[Finding]:
    stmt = (select(EV.c.slug, EV.c.title, AC.c.name).select_from(PA.join(EV, EV.c.id == PA.c.event_id)
                                                                  .join(AC, AC.c.id == PA.c.actor_id))
            .where(or_(PA.c.role.is_(None), func.trim(PA.c.role) == ""))
            .order_by(EV.c.start_day.nulls_first(), EV.c.slug, AC.c.name))
    for slug, title, name in session.execute(stmt):
        yield Finding("participant-no-role", "warning", (("event", slug), ("actor", name)),
                      f"{name} takes part in {title!r} with no role: host, guest, signatory, target…?",
                      "give the role, e.g. `participants: [{actor: " + name + ", role: guest}]` in the seed file")


# --- citations ------------------------------------------------------------------------------------------------


@rule("citation-no-quote")
def _citations_without_quote(session: Session) -> Iterator[Finding]:
    stmt = (select(EV.c.slug, SO.c.key, CI.c.locator).select_from(CI.join(EV, EV.c.id == CI.c.event_id)
                                                                  .join(SO, SO.c.id == CI.c.source_id))
            .where(or_(CI.c.quote.is_(None), func.trim(CI.c.quote) == "")).order_by(EV.c.slug, CI.c.id))
    for slug, key, locator in session.execute(stmt):
        where = f" ({locator})" if locator else ""
        yield Finding("citation-no-quote", "warning", (("event", slug), ("source", key)),
                      f"the citation of {key}{where} has no quotation: a reader cannot see what the source says.",
                      "add the supporting words, verbatim, as the citation's quote")


@dataclass(frozen=True)
class _Work:
    """A source as the comparison of in-text citations reads it."""

    id: int
    key: str
    kind: str
    author: str | None
    title: str
    container: str | None
    year: int | None
    short: str

    @property
    def label(self) -> str:
        return f"{self.key} ({self.short})"


class _Works:
    """Every source of the database, with the words an in-text citation may name it by, read once per check."""

    def __init__(self, session: Session) -> None:
        # (an archive file is named by its archive: it has no author)
        self.all = [_Work(*row) for row in session.execute(
            select(SO.c.id, SO.c.key, SO.c.kind, func.coalesce(SO.c.author, SO.c.archive), SO.c.title,
                   SO.c.container, SO.c.year, SO.c.short))]
        self.by_id = {work.id: work for work in self.all}
        self.words = {work.id: source_words(work) for work in self.all}

    def names(self, cite: InText, work: _Work) -> bool:
        return names_source(cite, self.words[work.id])

    def names_any(self, cite: InText, but: _Work | None = None) -> bool:
        """Whether the in-text citation names some source (other than `but`)."""
        return any(names_source(cite, words) for i, words in self.words.items() if but is None or i != but.id)

    def named_by(self, cite: InText, but: _Work) -> list[_Work]:
        """The sources other than `but` that the in-text citation names."""
        return [work for work in self.all if work.id != but.id and self.names(cite, work)]


@dataclass(frozen=True)
class _CitedAs:
    """One citation's in-text form, with the source it is linked to."""

    text: str
    cites: list[InText]
    linked: _Work
    records: tuple[tuple[str, str], ...]
    noted: str | None


@rules("cited-as-mismatch", "cited-as-unreferenced")
def _cited_as_findings(session: Session) -> Iterator[Finding]:
    """One pass over the in-text citations for both rules: the sources and their words are read once."""
    works = _Works(session)
    stmt = (select(EV.c.slug, CI.c.cited_as, CI.c.source_id, CI.c.note)
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id))
            .where(CI.c.cited_as.is_not(None), func.trim(CI.c.cited_as) != "")
            .order_by(EV.c.start_day.nulls_first(), EV.c.slug, CI.c.id))
    for slug, cited_as, source_id, note in session.execute(stmt):
        linked = works.by_id[source_id]
        cited = _CitedAs(cited_as, in_text_citations(cited_as), linked, (("event", slug), ("source", linked.key)),
                         _noted(note))
        yield from _unreferenced(cited, works)
        mismatch = _mismatch(cited, works)
        if mismatch is not None:
            yield mismatch


def _unreferenced(cited: _CitedAs, works: _Works) -> Iterator[Finding]:
    """A finding for each part of the in-text citation that names no source at all."""
    for cite in cited.cites:
        if cite.words and not works.names_any(cite):
            yield Finding(
                "cited-as-unreferenced", "warning", cited.records,
                f"the in-text citation {cite.text!r} names no source in the database (linked to "
                f"{cited.linked.label}): the reference list has no such work.",
                "add the missing reference as a source and link the citation to it, or correct cited_as "
                "(keep what the paper printed in the citation's note)", cited.noted)


def _mismatch(cited: _CitedAs, works: _Works) -> Finding | None:
    """The finding when the in-text citation names another source than the linked one, or another year."""
    named = _named_parts(cited, works)
    if named is None:
        return None
    candidates, problems = named
    year_problem = _year_problem(cited, candidates, works)
    if year_problem:
        problems.append(year_problem)
    if not problems:
        return None
    return Finding("cited-as-mismatch", "warning", cited.records,
                   f"the in-text citation {cited.text!r} " + "; it ".join(problems) + ".",
                   "link the citation to the source the text means, or correct the source's year; if the paper "
                   "itself is inconsistent, say so in the citation's note", cited.noted)


def _named_parts(cited: _CitedAs, works: _Works) -> tuple[list[InText], list[str]] | None:
    """The parts of the in-text citation that speak of the linked source (whose years are then compared), with
    the problem when they name another source; None when they name no source (`_unreferenced` reports that)."""
    if not any(c.words for c in cited.cites):
        return cited.cites, []  # a year alone, "(2007)", the author being named in the sentence
    naming = [c for c in cited.cites if works.names(c, cited.linked)]
    if naming:
        return naming, []
    others = [c for c in cited.cites if works.names_any(c, but=cited.linked)]
    if not others:
        return None
    matches = [work for c in others for work in works.named_by(c, but=cited.linked)]
    return others, [f"names {', '.join(repr(c.text) for c in others)}, which is "
                    f"{' or '.join(dict.fromkeys(m.label for m in matches))}, not the linked source "
                    f"{cited.linked.label}"]


def _year_problem(cited: _CitedAs, candidates: list[InText], works: _Works) -> str | None:
    """The problem when the year printed is not the linked source's, saying which source has that name and
    year, if any."""
    linked = cited.linked
    years = [c.year for c in candidates if c.year is not None]
    if linked.year is None or not years or linked.year in years:
        return None
    said = years[0]
    same_name = [w for w in works.all if w.year == said and any(works.names(c, w) for c in candidates)]
    where = (f"; {', '.join(w.label for w in same_name)} matches name and year" if same_name
             else f"; no source in the database is by that name and dated {said}")
    return f"says {said}, but {linked.label} is dated {linked.year}{where}"


@rule("source-before-event")
def _sources_before_events(session: Session) -> Iterator[Finding]:
    stmt = (select(EV.c.slug, EV.c.date, EV.c.title, EV.c.start_day, SO.c.key, SO.c.short, SO.c.year,
                   CI.c.cited_as, CI.c.note)
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id).join(SO, SO.c.id == CI.c.source_id))
            .where(SO.c.year.is_not(None)).order_by(EV.c.start_day.nulls_first(), EV.c.slug, CI.c.id))
    for row in session.execute(stmt):
        # An open or unknown start (../1948, /1948) could be any time; only an event that surely began after the
        # last day of the work's year is flagged (day numbers, so that an event BC compares too).
        if row.start_day is None or dates.year_days(row.year)[1] >= row.start_day:
            continue
        as_printed = f" (cited as {row.cited_as!r})" if row.cited_as else ""
        yield Finding("source-before-event", "warning", (("event", row.slug), ("source", row.key)),
                      f"{row.short}{as_printed} is dated {row.year}, before {row.title!r} ({_when(row.date)}), "
                      "which it is cited for: a work cannot report what had not yet happened.",
                      "check which document the text means (another file or year of the archive?) and link the "
                      "citation to it; if the paper itself is wrong, say so in the citation's note",
                      _noted(row.note))


@rule("source-uncited")
def _sources_uncited(session: Session) -> Iterator[Finding]:
    used = select(CI.c.id).where(or_(CI.c.source_id == SO.c.id, CI.c.cited_in_id == SO.c.id)).exists()
    for key, short in session.execute(select(SO.c.key, SO.c.short).where(~used).order_by(SO.c.key)):
        yield Finding("source-uncited", "info", (("source", key),),
                      f"{short} is in the sources but no citation uses it.",
                      f"cite it for the events it reports, or remove it if it is not needed (`relations-db "
                      f"remove source {key}`)")


@rule("archive-unlocated")
def _archives_unlocated(session: Session) -> Iterator[Finding]:
    """An archive is cited by its fund and file; without either no reader can find the document, which is
    what a citation is for (the paper's "(Central State Archive, 1954)" is in no reference list)."""
    stmt = (select(SO.c.key, SO.c.short).where(SO.c.kind == "archive", SO.c.fund.is_(None), SO.c.file.is_(None))
            .order_by(SO.c.key))
    for key, short in session.execute(stmt):
        yield Finding("archive-unlocated", "warning", (("source", key),),
                      f"{short} is an archive source with neither fund nor file: a reader cannot find the document "
                      "it cites (is it missing from the citing work's reference list?).",
                      f"give its fund and file once they are known "
                      f"(`relations-db edit source {key} --fund … --file …`)")


@rule("event-unclassified")
def _events_unclassified(session: Session) -> Iterator[Finding]:
    for slug, date, title in session.execute(
            select(EV.c.slug, EV.c.date, EV.c.title).where(EV.c.type.is_(None))
            .order_by(EV.c.start_day.nulls_first(), EV.c.slug)):
        yield Finding("event-unclassified", "info", (("event", slug),),
                      f"{title!r} ({_when(date)}) has no type: it is listed as unclassified and no --type "
                      "filter finds it.",
                      f"give it a type when one is clear: relations-db edit event {slug} --type TYPE")


# --- actors and places ----------------------------------------------------------------------------------------


@rule("actor-unused")
def _actors_unused(session: Session) -> Iterator[Finding]:
    used = select(PA.c.id).where(PA.c.actor_id == AC.c.id).exists()
    for (name,) in session.execute(select(AC.c.name).where(~used).order_by(AC.c.name)):
        yield Finding("actor-unused", "info", (("actor", name),),
                      f"{name} takes part in no event.",
                      "add the actor to the events it took part in, or remove it (`relations-db remove actor "
                      f"{shlex.quote(name)}`)")


@rule("alias-shared")
def _aliases_shared(session: Session) -> Iterator[Finding]:
    for noun, table, aliases, fk in (("actor", AC, AA, AA.c.actor_id), ("place", PL, PLA, PLA.c.place_id)):
        owners: dict[str, set[str]] = defaultdict(set)
        spelled: dict[str, str] = {}
        for name, folded in session.execute(select(table.c.name, table.c.name_folded)):
            owners[folded].add(name)
            spelled.setdefault(folded, name)
        for alias, folded, name in session.execute(
                select(aliases.c.name, aliases.c.folded, table.c.name).join(table, table.c.id == fk)
                .order_by(aliases.c.id)):
            owners[folded].add(name)
            spelled.setdefault(folded, alias)
        for folded in sorted(owners):
            names = sorted(owners[folded])
            if len(names) > 1:
                yield Finding("alias-shared", "error", tuple((noun, n) for n in names),
                              f"the spelling {spelled[folded]!r} names {len(names)} {noun}s: {', '.join(names)}; "
                              f"a search for it cannot tell which {noun} is meant.",
                              f"keep the spelling on one {noun} only (or merge the {noun}s if they are one: "
                              f"`relations-db merge {noun} {shlex.quote(names[0])} {shlex.quote(names[1])}`)")


def _registry() -> list[Rule]:
    """The rules of `vocab.AUDIT_RULES` with their checks, in its order; every rule has one."""
    missing = [rule_id for rule_id, _, _ in vocab.AUDIT_RULES if rule_id not in CHECKS]
    if missing:
        raise RuntimeError(f"no check registered for the audit rules {', '.join(missing)}")
    return [Rule(rule_id, severity, summary, CHECKS[rule_id]) for rule_id, severity, summary in vocab.AUDIT_RULES]


RULES: list[Rule] = _registry()  # (after every check above has registered)
