"""The audit: read the database as a careful editor reads a manuscript, and list what is wrong.

Each rule is a function over the session that yields `Finding`s: which rule, how serious, which records,
what is wrong and how to fix it. `run_checks` runs them all. Most checks are SQL over the schema; the
comparison of an in-text citation ("(Duka, 2007)") with the reference it is linked to is done in Python, on
words folded for case and accents, so that "Foreign Office Document" matches "Foreign Office Documents" and
"Albanian Central Archive" matches "Central State Archive of Albania", while "(History of Albanian People,
2008)" for a work dated 2007 does not.

A citation that carries a `note` is a known, explained inconsistency (the data records what the paper
printed): its findings keep their severity — they are still true of the text — but are marked `noted`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from relations_db.domain import dates
from relations_db.errors import DateError
from relations_db.store.models import (
    Actor,
    ActorAlias,
    Citation,
    Event,
    Participation,
    Place,
    PlaceAlias,
    Source,
)
from relations_db.domain.text import fold

SEVERITIES = ("error", "warning", "info")

EV = Event.__table__
CI = Citation.__table__
SO = Source.__table__
PA = Participation.__table__
AC = Actor.__table__
AA = ActorAlias.__table__
PL = Place.__table__
PLA = PlaceAlias.__table__


@dataclass(frozen=True)
class Finding:
    """One thing the audit found: a rule, its severity, the records involved, what is wrong, how to fix it."""

    rule: str
    severity: str  # error | warning | info
    records: tuple[tuple[str, str], ...]  # (type, key): ("event", slug), ("source", key), ("actor", name)…
    message: str
    fix: str
    noted: str | None = None  # the citation's note, when the data already explains the inconsistency

    def as_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity,
                "records": [{"type": t, "key": k} for t, k in self.records],
                "message": self.message, "fix": self.fix, "noted": self.noted}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str
    check: Callable[[Session], Iterable[Finding]] = field(repr=False)


RULES: list[Rule] = []


def rule(rule_id: str, severity: str, summary: str):
    """Register a check; the order of registration is the order of the report within a severity."""

    def register(check: Callable[[Session], Iterable[Finding]]):
        RULES.append(Rule(rule_id, severity, summary, check))
        return check

    return register


def run_checks(session: Session, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of every rule (or of the rules named), errors first, then warnings, then info."""
    wanted = set(rules) if rules is not None else None
    if wanted is not None:
        unknown = wanted - {r.id for r in RULES}
        if unknown:
            from relations_db.errors import UserError

            raise UserError(f"unknown rule {', '.join(sorted(unknown))}; the rules are: "
                            f"{', '.join(r.id for r in RULES)}")
    order = {r.id: i for i, r in enumerate(RULES)}
    found = [f for r in RULES if wanted is None or r.id in wanted for f in r.check(session)]
    # Two citations of one event can fail a rule in the same way (two quotations from one archive file): one
    # finding, saying how many.
    same: dict[Finding, int] = {}
    for finding in found:
        same[finding] = same.get(finding, 0) + 1
    findings = [f if n == 1 else replace(f, message=f"{f.message} ({n} times in this event.)")
                for f, n in same.items()]
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), order[f.rule]))
    return findings


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity."""
    result = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        result[finding.severity] += 1
    return result


def _when(date_text: str) -> str:
    try:
        return dates.display(date_text)
    except DateError:
        return date_text


# --- events ---------------------------------------------------------------------------------------------------


@rule("event-uncited", "error", "an event with no citation")
def _events_uncited(session: Session) -> Iterator[Finding]:
    cited = select(CI.c.id).where(CI.c.event_id == EV.c.id).exists()
    for slug, date, title in session.execute(
            select(EV.c.slug, EV.c.date, EV.c.title).where(~cited).order_by(EV.c.start_date, EV.c.slug)):
        yield Finding("event-uncited", "error", (("event", slug),),
                      f"{title!r} ({_when(date)}) has no citation: nothing in the database supports it.",
                      f"add the source that reports it: relations-db add citation {slug} --source KEY "
                      "--locator PAGE --quote \"…\"")


@rule("interval-reversed", "error", "an event whose stored end is before its start")
def _intervals_reversed(session: Session) -> Iterator[Finding]:
    for slug, date, start, end in session.execute(
            select(EV.c.slug, EV.c.date, EV.c.start_date, EV.c.end_date)
            .where(EV.c.start_date > EV.c.end_date).order_by(EV.c.slug)):
        yield Finding("interval-reversed", "error", (("event", slug),),
                      f"the event dated {date!r} ends ({end.isoformat()}) before it starts ({start.isoformat()}); "
                      "it sorts and filters wrongly.",
                      "correct the date (EDTF start/end, e.g. 1954/1956) and load it again through "
                      "`relations-db import`, which recomputes start and end")


@rule("date-out-of-step", "error", "an event whose stored start/end/precision do not follow from its date")
def _dates_out_of_step(session: Session) -> Iterator[Finding]:
    rows = session.execute(select(EV.c.slug, EV.c.date, EV.c.start_date, EV.c.end_date, EV.c.precision)
                           .where(EV.c.start_date <= EV.c.end_date).order_by(EV.c.slug))
    for slug, date, start, end, precision in rows:
        try:
            parsed = dates.parse(date)
        except DateError as exc:
            yield Finding("date-out-of-step", "error", (("event", slug),),
                          f"the stored date {date!r} is not a valid EDTF date: {str(exc).split('. Accepted')[0]}.",
                          "correct the date and load it again through `relations-db import`")
            continue
        if (parsed.start, parsed.end, parsed.precision) != (start, end, precision):
            yield Finding("date-out-of-step", "error", (("event", slug),),
                          f"the date {date!r} means {parsed.start}…{parsed.end} ({parsed.precision}), but the "
                          f"database stores {start}…{end} ({precision}); filters and sorting use the stored days.",
                          "load the event again through `relations-db import`, which recomputes start and end")


@rule("duplicate-event", "warning", "two events on the same dates with similar titles")
def _duplicate_events(session: Session) -> Iterator[Finding]:
    by_span: dict[tuple, list] = defaultdict(list)
    for row in session.execute(select(EV.c.slug, EV.c.date, EV.c.start_date, EV.c.end_date, EV.c.title)
                               .order_by(EV.c.start_date, EV.c.end_date, EV.c.slug)):
        by_span[(row.start_date, row.end_date)].append(row)
    for rows in by_span.values():
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if similar_titles(a.title, b.title):
                    yield Finding("duplicate-event", "warning", (("event", a.slug), ("event", b.slug)),
                                  f"{a.title!r} and {b.title!r} are both dated {_when(a.date)}: probably the same "
                                  "event entered twice.",
                                  "merge them into one event that keeps the citations of both, or make the "
                                  "titles say how they differ")


_TITLE_STOP = frozenset("a an the of in on at to and for with by from".split())


def similar_titles(a: str, b: str) -> bool:
    """Titles that read as the same event: nearly the same text, or mostly the same words."""
    fa, fb = fold(a), fold(b)
    if difflib.SequenceMatcher(None, fa, fb).ratio() >= 0.85:
        return True
    wa = {w for w in re.findall(r"[a-z0-9]+", fa) if w not in _TITLE_STOP}
    wb = {w for w in re.findall(r"[a-z0-9]+", fb) if w not in _TITLE_STOP}
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.7


@rule("participant-no-role", "warning", "an actor in an event without a role")
def _participants_without_role(session: Session) -> Iterator[Finding]:
    stmt = (select(EV.c.slug, EV.c.title, AC.c.name).select_from(PA.join(EV, EV.c.id == PA.c.event_id)
                                                                  .join(AC, AC.c.id == PA.c.actor_id))
            .where(or_(PA.c.role.is_(None), func.trim(PA.c.role) == "")).order_by(EV.c.start_date, EV.c.slug,
                                                                                     AC.c.name))
    for slug, title, name in session.execute(stmt):
        yield Finding("participant-no-role", "warning", (("event", slug), ("actor", name)),
                      f"{name} takes part in {title!r} with no role: host, guest, signatory, target…?",
                      "give the role, e.g. `participants: [{actor: " + name + ", role: guest}]` in the seed file")


# --- citations ------------------------------------------------------------------------------------------------


@rule("citation-no-quote", "warning", "a citation with no quotation")
def _citations_without_quote(session: Session) -> Iterator[Finding]:
    stmt = (select(EV.c.slug, SO.c.key, CI.c.locator).select_from(CI.join(EV, EV.c.id == CI.c.event_id)
                                                                  .join(SO, SO.c.id == CI.c.source_id))
            .where(or_(CI.c.quote.is_(None), func.trim(CI.c.quote) == "")).order_by(EV.c.slug, CI.c.id))
    for slug, key, locator in session.execute(stmt):
        where = f" ({locator})" if locator else ""
        yield Finding("citation-no-quote", "warning", (("event", slug), ("source", key)),
                      f"the citation of {key}{where} has no quotation: a reader cannot see what the source says.",
                      "add the supporting words, verbatim, as the citation's quote")


# Words that carry no name in an in-text citation: function words (English and Albanian), markers of year,
# page and volume ("Viti 1961" is Albanian for "year 1961"), and the descriptors a paper adds to a name.
_CITE_STOP = frozenset("""
    a an the of and in on at to for by from with et al ed eds cf see also quoted ibid idem op cit
    i e te ne dhe per nga me viti vit year jahr anno annee p pp page pages vol volume nr no issue file fund
    newspaper magazine journal gazette
""".split())
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})[a-z]?(?![0-9])")


@dataclass(frozen=True)
class InText:
    """One in-text citation as printed, split into the words of its name and its year."""

    text: str
    words: tuple[str, ...]
    year: int | None


def in_text_citations(cited_as: str) -> list[InText]:
    """'(Duka, 2007; Mezini, 1999)' → two InText; markup (*italics*, quotes, brackets) is ignored."""
    parts = []
    for part in re.split(r";", cited_as):
        years = _YEAR.findall(part)
        words = tuple(w for w in _words(_YEAR.sub(" ", part)) if w not in _CITE_STOP)
        if words or years:
            parts.append(InText(part.strip(" ()[]"), words, int(years[-1]) if years else None))
    return parts


def _words(text: str, initials: bool = False) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", fold(text))
            if (len(w) > 1 or (initials and w.isalpha())) and not w.isdigit()]


def _same_word(a: str, b: str) -> bool:
    """Equal, or the same word with a short ending: albania/albanian, document/documents."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2


def source_words(source) -> set[str]:
    """The words a citation may use to name a source: its author (with initials), title, container and kind."""
    text = " ".join(p for p in (source.title, source.container, source.kind) if p)
    return set(_words(source.author or "", initials=True)) | set(_words(text))


def names_source(cite: InText, words: set[str]) -> bool:
    """True if every name word of the in-text citation is a word of the source.

    An author's initial stands for a first name ("Enver Hoxha" for "Hoxha, E."), but only beside a word that
    matches in full, so that an initial alone never names a source.
    """
    full = [w for w in cite.words if any(_same_word(w, s) for s in words if len(s) > 1)]
    if not full:
        return False
    initials = {s for s in words if len(s) == 1}
    return all(w in full or w[0] in initials for w in cite.words)


def _source_label(source) -> str:
    return f"{source.key} ({source.short})"


@rule("cited-as-mismatch", "warning", "an in-text citation whose name or year is not the linked source's")
def _cited_as_mismatch(session: Session) -> Iterator[Finding]:
    yield from (f for f in _citation_findings(session) if f.rule == "cited-as-mismatch")


@rule("cited-as-unreferenced", "warning", "an in-text citation that names no source in the database")
def _cited_as_unreferenced(session: Session) -> Iterator[Finding]:
    yield from (f for f in _citation_findings(session) if f.rule == "cited-as-unreferenced")


def _citation_findings(session: Session) -> Iterator[Finding]:
    sources = list(session.execute(select(SO.c.id, SO.c.key, SO.c.kind, SO.c.author, SO.c.title, SO.c.container,
                                          SO.c.year, SO.c.short)))
    words = {s.id: source_words(s) for s in sources}
    stmt = (select(EV.c.slug, CI.c.cited_as, CI.c.source_id, CI.c.note)
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id))
            .where(CI.c.cited_as.is_not(None), func.trim(CI.c.cited_as) != "")
            .order_by(EV.c.start_date, EV.c.slug, CI.c.id))
    by_id = {s.id: s for s in sources}
    for slug, cited_as, source_id, note in session.execute(stmt):
        linked = by_id[source_id]
        records = (("event", slug), ("source", linked.key))
        noted = note.strip() if note and note.strip() else None
        cites = in_text_citations(cited_as)
        for cite in cites:
            if cite.words and not any(names_source(cite, w) for w in words.values()):
                yield Finding(
                    "cited-as-unreferenced", "warning", records,
                    f"the in-text citation {cite.text!r} names no source in the database (linked to "
                    f"{_source_label(linked)}): the reference list has no such work.",
                    "add the missing reference as a source and link the citation to it, or correct cited_as "
                    "(keep what the paper printed in the citation's note)", noted)
        naming = [c for c in cites if names_source(c, words[source_id])]
        problems = []
        if not any(c.words for c in cites):
            candidates = cites  # a year alone, "(2007)", the author being named in the sentence
        elif not naming:
            others = [c for c in cites if any(names_source(c, w) for i, w in words.items() if i != source_id)]
            if not others:
                continue  # named nothing: reported above as unreferenced
            matches = [by_id[i] for c in others for i, w in words.items() if i != source_id and names_source(c, w)]
            problems.append(f"names {', '.join(repr(c.text) for c in others)}, which is "
                            f"{' or '.join(dict.fromkeys(_source_label(m) for m in matches))}, not the linked "
                            f"source {_source_label(linked)}")
            candidates = others
        else:
            candidates = naming
        if linked.year is not None:
            years = [c.year for c in candidates if c.year is not None]
            if years and linked.year not in years:
                said = years[0]
                same_name = [s for s in sources if s.year == said and any(names_source(c, words[s.id])
                                                                          for c in candidates)]
                where = (f"; {', '.join(_source_label(s) for s in same_name)} matches name and year" if same_name
                         else f"; no source in the database is by that name and dated {said}")
                problems.append(f"says {said}, but {_source_label(linked)} is dated {linked.year}{where}")
        if problems:
            yield Finding("cited-as-mismatch", "warning", records,
                          f"the in-text citation {cited_as!r} " + "; it ".join(problems) + ".",
                          "link the citation to the source the text means, or correct the source's year; if the "
                          "paper itself is inconsistent, say so in the citation's note", noted)


@rule("source-before-event", "warning", "a source dated before the event it is cited for")
def _sources_before_events(session: Session) -> Iterator[Finding]:
    stmt = (select(EV.c.slug, EV.c.date, EV.c.title, EV.c.start_date, SO.c.key, SO.c.short, SO.c.year,
                   CI.c.cited_as, CI.c.note)
            .select_from(CI.join(EV, EV.c.id == CI.c.event_id).join(SO, SO.c.id == CI.c.source_id))
            .where(SO.c.year.is_not(None)).order_by(EV.c.start_date, EV.c.slug, CI.c.id))
    for row in session.execute(stmt):
        start = row.start_date
        # An open start (../1948) could be any time; only an event that surely began after the work is flagged.
        if start == dt.date.min or row.year >= start.year:
            continue
        as_printed = f" (cited as {row.cited_as!r})" if row.cited_as else ""
        yield Finding("source-before-event", "warning", (("event", row.slug), ("source", row.key)),
                      f"{row.short}{as_printed} is dated {row.year}, before {row.title!r} ({_when(row.date)}), "
                      "which it is cited for: a work cannot report what had not yet happened.",
                      "check which document the text means (another file or year of the archive?) and link the "
                      "citation to it; if the paper itself is wrong, say so in the citation's note",
                      row.note.strip() if row.note and row.note.strip() else None)


@rule("source-uncited", "info", "a source no citation uses")
def _sources_uncited(session: Session) -> Iterator[Finding]:
    used = select(CI.c.id).where(or_(CI.c.source_id == SO.c.id, CI.c.cited_in_id == SO.c.id)).exists()
    for key, short in session.execute(select(SO.c.key, SO.c.short).where(~used).order_by(SO.c.key)):
        yield Finding("source-uncited", "info", (("source", key),),
                      f"{short} is in the sources but no citation uses it.",
                      "cite it for the events it reports, or remove it if it is not needed")


# --- actors and places ----------------------------------------------------------------------------------------


@rule("actor-unused", "info", "an actor who takes part in no event")
def _actors_unused(session: Session) -> Iterator[Finding]:
    used = select(PA.c.id).where(PA.c.actor_id == AC.c.id).exists()
    for (name,) in session.execute(select(AC.c.name).where(~used).order_by(AC.c.name)):
        yield Finding("actor-unused", "info", (("actor", name),),
                      f"{name} takes part in no event.",
                      "add the actor to the events it took part in, or remove it")


@rule("alias-shared", "error", "one spelling that names two actors (or two places)")
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
                              f"keep the spelling on one {noun} only (or merge the {noun}s if they are one)")

