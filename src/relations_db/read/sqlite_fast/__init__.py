"""The SQLite read path without SQLAlchemy: the commands that only read, on an SQLite file at the schema head,
run the statements SQLAlchemy compiled ahead of time (`statements.py`, written by `python -m
relations_db.read.compile`) through `sqlite3`, and build the same dicts from the rows (`read/assemble.py`).

Each function returns None when it cannot answer exactly as the SQLAlchemy path would — a shape of statement
not compiled, a name that is not an exact match (whose error message, with its suggestions, is the SQLAlchemy
path's) — and the caller then asks the SQLAlchemy path, before anything is printed. An import-linter contract
keeps SQLAlchemy out of this package: importing it costs ≈0.4 s, more than the rest of a query.
"""
