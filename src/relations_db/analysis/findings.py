"""The audit's findings and its registry of checks: what a finding holds, how a check registers for the rules of
`vocab.AUDIT_RULES`, and the small helpers every check shares. The checks themselves are in `audit.py` and
`duplicates.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy.orm import Session

from relations_db.domain import dates, vocab
from relations_db.errors import DateError


class RecordDict(TypedDict):
    type: str
    key: str


class FindingDict(TypedDict):
    """A finding as `check --format json` prints it."""

    rule: str
    severity: str
    records: list[RecordDict]
    message: str
    fix: str
    noted: str | None


@dataclass(frozen=True)
class Finding:
    """One thing the audit found: a rule, its severity, the records involved, what is wrong, how to fix it."""

    rule: str
    severity: str  # one of vocab.SEVERITIES
    records: tuple[tuple[str, str], ...]  # (type, key): ("event", slug), ("source", key), ("actor", name)…
    message: str
    fix: str
    noted: str | None = None  # the citation's note, when the data already explains the inconsistency

    def as_dict(self) -> FindingDict:
        return {"rule": self.rule, "severity": self.severity,
                "records": [{"type": t, "key": k} for t, k in self.records],
                "message": self.message, "fix": self.fix, "noted": self.noted}


Check = Callable[[Session], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A rule of the audit. Several rules may share one `check` (one pass over the data yielding the findings
    of each): `run_checks` runs each check once and keeps the findings of the rules asked for."""

    id: str
    severity: str
    summary: str
    check: Check = field(repr=False)


CHECKS: dict[str, Check] = {}  # rule id → its check, as registered


def rules(*rule_ids: str) -> Callable[[Check], Check]:
    """Register a check for one or more rules of `vocab.AUDIT_RULES` (by id), which says their severity and
    summary and the order of the report."""
    known = {rule_id for rule_id, _, _ in vocab.AUDIT_RULES}

    def register(check: Check) -> Check:
        for rule_id in rule_ids:
            if rule_id not in known or rule_id in CHECKS:
                raise ValueError(f"{rule_id!r} is not a rule of vocab.AUDIT_RULES, or has a check already")
            CHECKS[rule_id] = check
        return check

    return register


def rule(rule_id: str) -> Callable[[Check], Check]:
    """Register a check that yields the findings of one rule."""
    return rules(rule_id)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity."""
    result = dict.fromkeys(vocab.SEVERITIES, 0)
    for finding in findings:
        result[finding.severity] += 1
    return result


def when(date_text: str) -> str:
    try:
        return dates.display(date_text)
    except DateError:
        return date_text
