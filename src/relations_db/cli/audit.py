"""`relations-db` commands: check, timeline, relations — the audit and the picture."""

from __future__ import annotations
