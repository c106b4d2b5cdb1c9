"""How a CSV row (either form) names a recorded event by its slug, and the slugs an import has given out."""

from __future__ import annotations

from relations_db.store.bulk import BulkWriter


def event_ids_of_slugs(bulk: BulkWriter, slugs: list[str]) -> dict[str, int]:
    """The id of the event each of `slugs` names: the slug it has now, or one it had before it was merged into
    another (`retired_slugs`, so that a colleague's CSV written before the merge still finds it)."""
    found = dict(bulk.fetch("SELECT slug, id FROM events", "slug", slugs))
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        found.update(bulk.fetch("SELECT slug, event_id FROM retired_slugs", "slug", missing))
    return found


class GivenSlugs:
    """A set of strings that may answer "maybe" for one it does not hold (about one in a hundred after a
    million), in 16 MiB whatever their number: a bit per hash value (a Bloom filter with one hash)."""

    _BITS = 1 << 27

    def __init__(self) -> None:
        self.bits = bytearray(self._BITS // 8)

    def add(self, text: str) -> None:
        h = hash(text) & (self._BITS - 1)
        self.bits[h >> 3] |= 1 << (h & 7)

    def __contains__(self, text: str) -> bool:
        h = hash(text) & (self._BITS - 1)
        return bool(self.bits[h >> 3] & (1 << (h & 7)))
