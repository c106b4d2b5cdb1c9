"""event_search: the stemmed search form of title, summary and quotations; an index other tools detect

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 08:30:00

`event_search.folded` (the folded text, one column) becomes `title_terms`, `summary_terms` and `quote_terms`:
each part's words folded (case, accents), spelled in ASCII (`anyascii`) and cut to their English stem
(Snowball's English stemmer, from PyStemmer), one space between. Both backends index exactly those words with their plain
tokenizers, so SQLite and PostgreSQL find the same events, and the ranking weighs the title above the summary
above the quotations.

- SQLite: `events_fts` is declared again over the three columns with `content="event_search"` in double
  quotes: Datasette and sqlite-utils look for that spelling (or `content=[event_search]`) to detect the index
  of a table, and saw none with 0001's single quotes. Its `rank` is configured as `bm25(10.0, 4.0, 1.0)`, so
  that any client ordering by `rank` gets the weighted order. `event_search` is rebuilt (a new table filled and
  renamed: SQLite cannot drop a column otherwise), each step safe to run again after a failure.
- PostgreSQL: `search_vector` becomes the weighted tsvector of the three (A, B, C), with its GIN index.

This file is frozen: its folding and stemming are copied here (as the package spelled them when it was written),
and it imports nothing of the package. The downgrade is lossless: 0004's `folded` is the fold of `body`, which
stays.
"""
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 2000
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ı": "i",
                        "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ħ": "h", "ŧ": "t"})
_WORD = re.compile(r"[a-z0-9]+")
_TERMS = ("title_terms", "summary_terms", "quote_terms")
_TRIGGERS = ("event_search_ai", "event_search_ad", "event_search_au")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


class _Stemmer:
    def __init__(self) -> None:
        import Stemmer  # (PyStemmer: Snowball's stemmers in C)

        self._stemmer, self._stems = Stemmer.Stemmer("english"), {}

    def form(self, text: str | None) -> str:
        if not text:
            return ""
        folded = _fold(text)
        if not folded.isascii():
            from anyascii import anyascii

            folded = " ".join(anyascii(folded).lower().split())
        out = []
        for word in _WORD.findall(folded):
            if not word.isalpha():  # (a word with a digit is kept as it is)
                out.append(word)
                continue
            if word not in self._stems:
                self._stems[word] = self._stemmer.stemWord(word)
            out.append(self._stems[word])
        return " ".join(out)


def _search_rows(conn: sa.Connection):
    """(event_id, body, title_terms, summary_terms, quote_terms) of every event with a search row, in chunks."""
    stemmer, last = _Stemmer(), 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT e.id, e.title, e.summary, s.body FROM events e JOIN event_search s ON s.event_id = e.id "
            f"WHERE e.id > {last} ORDER BY e.id LIMIT {_CHUNK}").all()
        if not rows:
            return
        last = rows[-1][0]
        quotes: dict[int, list[str]] = defaultdict(list)
        for event_id, quote in conn.exec_driver_sql(
                f"SELECT event_id, quote FROM citations WHERE event_id >= {rows[0][0]} AND event_id <= {last} "
                "AND quote IS NOT NULL AND quote <> '' ORDER BY event_id, id"):
            quotes[event_id].append(quote)
        yield [(event_id, body, stemmer.form(title), stemmer.form(summary), stemmer.form(" ".join(quotes[event_id])))
               for event_id, title, summary, body in rows]


def _columns(conn: sa.Connection, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def _tables(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


# --- SQLite ---------------------------------------------------------------------------------------------------

_SQLITE_NEW = """CREATE TABLE {name} (
	event_id INTEGER NOT NULL,
	body TEXT NOT NULL,
	{columns},
	CONSTRAINT pk_event_search PRIMARY KEY (event_id),
	CONSTRAINT fk_event_search_event_id_events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE
)"""


def _sqlite_fts(columns: Sequence[str], quote: str, tokenize: str) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE events_fts USING fts5({names}, content={quote}event_search{quote}, "
        f"content_rowid={quote}event_id{quote}{tokenize})",
        f"CREATE TRIGGER event_search_ai AFTER INSERT ON event_search BEGIN "
        f"INSERT INTO events_fts(rowid, {names}) VALUES (new.event_id, {new}); END",
        f"CREATE TRIGGER event_search_ad AFTER DELETE ON event_search BEGIN "
        f"INSERT INTO events_fts(events_fts, rowid, {names}) VALUES ('delete', old.event_id, {old}); END",
        f"CREATE TRIGGER event_search_au AFTER UPDATE ON event_search BEGIN "
        f"INSERT INTO events_fts(events_fts, rowid, {names}) VALUES ('delete', old.event_id, {old}); "
        f"INSERT INTO events_fts(rowid, {names}) VALUES (new.event_id, {new}); END",
    ]


def _sqlite_rebuild(conn: sa.Connection, columns: Sequence[str], rows) -> None:
    """Replace event_search by a table with `columns` after `body`, filled from `rows` (chunks of tuples); safe to
    run again: a half-filled new table is dropped first, a new table already renamed is kept."""
    for trigger in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.exec_driver_sql("DROP TABLE IF EXISTS events_fts")
    if "event_search" not in _tables(conn):  # (a run that failed between the drop and the rename)
        conn.exec_driver_sql("ALTER TABLE event_search_new RENAME TO event_search")
    if set(columns) <= _columns(conn, "event_search"):
        return
    conn.exec_driver_sql("DROP TABLE IF EXISTS event_search_new")
    conn.exec_driver_sql(_SQLITE_NEW.format(name="event_search_new",
                                            columns=",\n\t".join(f"{c} TEXT NOT NULL" for c in columns)))
    marks = ", ".join("?" * (len(columns) + 2))
    for chunk in rows:
        conn.exec_driver_sql(f"INSERT INTO event_search_new VALUES ({marks})", chunk)
    conn.exec_driver_sql("DROP TABLE event_search")
    conn.exec_driver_sql("ALTER TABLE event_search_new RENAME TO event_search")


def _sqlite_index(conn: sa.Connection, statements: list[str], rank: str | None) -> None:
    for statement in statements:
        conn.exec_driver_sql(statement)
    if rank:
        conn.exec_driver_sql(f"INSERT INTO events_fts(events_fts, rank) VALUES ('rank', '{rank}')")
    conn.exec_driver_sql("INSERT INTO events_fts(events_fts) VALUES ('rebuild')")


# --- PostgreSQL -------------------------------------------------------------------------------------------------

_PG_VECTOR = ("setweight(to_tsvector('simple', title_terms), 'A') || "
              "setweight(to_tsvector('simple', summary_terms), 'B') || "
              "setweight(to_tsvector('simple', quote_terms), 'C')")


def _pg_vector(expression: str) -> None:
    op.execute(f"ALTER TABLE event_search ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute("CREATE INDEX ix_event_search_fts ON event_search USING gin (search_vector)")


def _pg_fill(conn: sa.Connection, columns: Sequence[str], rows) -> None:
    sets = ", ".join(f"{c} = %s" for c in columns)
    for chunk in rows:
        conn.exec_driver_sql(f"UPDATE event_search SET {sets} WHERE event_id = %s",
                             [(*values, event_id) for event_id, _body, *values in chunk])


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_rebuild(conn, _TERMS, _search_rows(conn))
        _sqlite_index(conn, _sqlite_fts(_TERMS, '"', ""), "bm25(10.0, 4.0, 1.0)")
    elif conn.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_event_search_fts")
        op.execute("ALTER TABLE event_search DROP COLUMN search_vector")
        for column in _TERMS:
            op.execute(f"ALTER TABLE event_search ADD COLUMN {column} TEXT")
        _pg_fill(conn, _TERMS, _search_rows(conn))
        for column in _TERMS:
            op.execute(f"ALTER TABLE event_search ALTER COLUMN {column} SET NOT NULL")
        op.execute("ALTER TABLE event_search DROP COLUMN folded")
        _pg_vector(_PG_VECTOR)


def _folded_rows(conn: sa.Connection):
    last = 0
    while True:
        rows = conn.exec_driver_sql(f"SELECT event_id, body FROM event_search WHERE event_id > {last} "
                                    f"ORDER BY event_id LIMIT {_CHUNK}").all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(event_id, body, _fold(body)) for event_id, body in rows]


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_rebuild(conn, ("folded",), _folded_rows(conn))
        _sqlite_index(conn, _sqlite_fts(("body",), "'", ", tokenize='unicode61 remove_diacritics 2'"), None)
    elif conn.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_event_search_fts")
        op.execute("ALTER TABLE event_search DROP COLUMN search_vector")
        op.execute("ALTER TABLE event_search ADD COLUMN folded TEXT")
        _pg_fill(conn, ("folded",), _folded_rows(conn))
        op.execute("ALTER TABLE event_search ALTER COLUMN folded SET NOT NULL")
        for column in _TERMS:
            op.execute(f"ALTER TABLE event_search DROP COLUMN {column}")
        _pg_vector("to_tsvector('simple', folded)")
