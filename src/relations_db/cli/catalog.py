"""`relations-db` commands: actors, actor, meetings, agreements, sources, source — the lists and profiles."""

from __future__ import annotations
