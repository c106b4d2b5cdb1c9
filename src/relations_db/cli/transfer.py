"""`relations-db` commands: import and export of chronologies."""

from __future__ import annotations
