"""`relations-db` commands: add event|actor|source|citation, edit event, remove event — the write side."""

from __future__ import annotations
