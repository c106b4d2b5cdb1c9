"""How a CSV row (either form) names a recorded event by its slug."""

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
