"""Writing sources as a bibliography: every source (`sources --format bibtex|csljson|ris`), or the sources that
a selection of events cites, directly or as the work reporting a second-hand citation (`export --format
bibtex|csljson`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from relations_db.read.filters import Filters

Writer = Callable[[Iterable[Any], IO[str]], int]


def writer(format_: str) -> Writer:
    """The writer of a bibliography format: bibtex, csljson or ris."""
    if format_ == "bibtex":
        from relations_db.formats.bib.bibtex import write_bibtex

        return write_bibtex
    if format_ == "csljson":
        from relations_db.formats.bib.csljson import write_csljson

        return write_csljson
    from relations_db.formats.bib.ris import write_ris

    return write_ris


def write_sources(db: Any, format_: str, out: IO[str]) -> int:
    """Every source, in key order, in `format_`; return how many."""
    from relations_db.read.bibliography import source_records

    return writer(format_)(source_records(db), out)


class CitedSources:
    """The sources cited by the events matching `filters`, as the registry's "selection" export: the filters
    are checked now, the sources read when `write` runs."""

    format_ = "bibtex"

    def __init__(self, session: Session, filters: Filters) -> None:
        from relations_db.read.events import event_rows

        event_rows(session, filters)  # (checks the filters and resolves names before any file is touched)
        self.session, self.filters = session, filters

    def write(self, out: IO[str], progress: Callable[[int], None] | None = None) -> int:
        from relations_db.read.bibliography import cited_source_ids, source_records

        ids = cited_source_ids(self.session, self.filters)
        return writer(self.format_)(source_records(self.session, ids), out)


class CitedBibtex(CitedSources):
    """`export --format bibtex`."""

    format_ = "bibtex"


class CitedCslJson(CitedSources):
    """`export --format csljson`."""

    format_ = "csljson"
