"""`relations-db` commands: events, chronology, show, search — the read side."""

from __future__ import annotations
