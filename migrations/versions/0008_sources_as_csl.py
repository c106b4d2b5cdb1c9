"""sources modelled on CSL-JSON: creators with roles and names, issued/accessed as EDTF, and the other CSL variables

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-01 08:30:00

Adds to `sources` the CSL variables it had no column for (`csl_type`, `issued`, `accessed`, `collection`, `genre`,
`edition`, `number`, `isbn`, `issn`, `language`, `archive`, `archive_place`, `archive_location`, and `extra`, a
JSON object of imported fields with no CSL variable), and the table `source_creators` (a source's names in order,
each with its CSL role, a family and given name or a literal name).

The rows move over losing nothing: `year` becomes `issued` (the year stays, as the year of `issued`); `author`
is split at ';' into names, 'Family, Given' or, without a comma, a literal (institution) name, and stays as their
display string, which joins them back to the same text. An archive file (kind 'archive') was stored with the
archive as its author and its designation as its title, because the old schema had no archive field: its author
becomes `archive`, and where it has a fund or a file its title is also its `archive_location`. This file is
frozen: it keeps its own copy of those rules and imports nothing of the package.

The downgrade gives an archive back its author and drops the rest; `losses` counts the sources that would lose
something the older schema cannot hold (a day or month of `issued`, an editor, an ISBN…), so that
`db downgrade` says so and refuses without `--yes`.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = {"csl_type": sa.String(40), "issued": sa.String(60), "accessed": sa.String(60),
                 "collection": sa.Text(), "genre": sa.String(200), "edition": sa.String(100),
                 "number": sa.String(100), "isbn": sa.String(200), "issn": sa.String(200),
                 "language": sa.String(50), "archive": sa.String(300), "archive_place": sa.String(200),
                 "archive_location": sa.String(300), "extra": sa.Text()}
# The columns whose values the older schema has no place for at all.
_NO_PLACE = ("csl_type", "accessed", "collection", "genre", "edition", "number", "isbn", "issn", "language",
             "archive_place", "extra")
_ROLES = ('author', 'editor', 'translator', 'container-author', 'collection-editor', 'editorial-director',
          'reviewed-author', 'original-author', 'recipient', 'interviewer', 'illustrator', 'composer',
          'director', 'chair', 'compiler', 'contributor', 'curator', 'organizer', 'performer', 'producer',
          'series-creator')


def _name(position: int, part: str) -> dict:
    family, _, given = (x.strip() for x in part.partition(","))
    if "," in part and family and ", ".join(p for p in (family, given) if p) == part:
        return {"position": position, "family": family, "given": given or None, "literal": None}
    return {"position": position, "family": None, "given": None, "literal": part}


def _names(author: str | None) -> list[dict]:
    """'Duka, V.; Smith, J.' → family/given names; a name without a comma is a literal name; a text the names
    would not display again exactly ('Duka,V.', 'A;B') is one literal name (the display joins with '; ')."""
    text = (author or "").strip()
    names = [_name(position, part) for position, part in enumerate(p.strip() for p in text.split(";") if p.strip())]
    shown = "; ".join(n["literal"] or ", ".join(p for p in (n["family"], n["given"]) if p) for n in names)
    return names if shown == text else ([_name(0, text)] if text else [])


def upgrade() -> None:
    for name, type_ in _TEXT_COLUMNS.items():
        op.add_column("sources", sa.Column(name, type_, nullable=True))
    op.create_table(
        "source_creators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("family", sa.String(300), nullable=True),
        sa.Column("given", sa.String(300), nullable=True),
        sa.Column("suffix", sa.String(50), nullable=True),
        sa.Column("literal", sa.String(300), nullable=True),
        sa.CheckConstraint("(literal IS NOT NULL AND family IS NULL AND given IS NULL AND suffix IS NULL) "
                           "OR (literal IS NULL AND family IS NOT NULL)", name=op.f("ck_source_creators_one_name")),
        sa.CheckConstraint(f"role IN {_ROLES!r}", name=op.f("ck_source_creators_role")),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_source_creators_source_id_sources",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_source_creators"),
        sa.UniqueConstraint("source_id", "position", name="uq_source_creators_source_id_position"),
    )
    op.create_index("ix_source_creators_source_id", "source_creators", ["source_id"])
    conn = op.get_bind()
    updates, creators = [], []
    for id_, kind, author, title, year, fund, file in conn.execute(sa.text(
            "SELECT id, kind, author, title, year, fund, file FROM sources")):
        row = {"id": id_, "issued": f"{year:04d}" if year else None, "archive": None, "location": None,
               "author": author}
        if kind == "archive" and author:
            row.update(archive=author, author=None, location=title if (fund or file) else None)
        else:
            creators += [{**name, "source_id": id_, "role": "author", "suffix": None} for name in _names(author)]
        updates.append(row)
    if updates:
        conn.execute(sa.text("UPDATE sources SET issued = :issued, archive = :archive, author = :author, "
                             "archive_location = :location WHERE id = :id"), updates)
    if creators:
        conn.execute(sa.text("INSERT INTO source_creators (source_id, position, role, family, given, suffix, "
                             "literal) VALUES (:source_id, :position, :role, :family, :given, :suffix, :literal)"),
                     creators)


def downgrade() -> None:
    # An archive file gets its archive back as author (the old convention); the display string of the other
    # sources' authors is already in `author`.
    op.execute("UPDATE sources SET author = archive WHERE kind = 'archive' AND author IS NULL "
               "AND archive IS NOT NULL")
    op.drop_index("ix_source_creators_source_id", table_name="source_creators")
    op.drop_table("source_creators")
    # Plain DROP COLUMN on both engines (SQLite ≥ 3.35, as 0003): the columns carry no constraint.
    for name in _TEXT_COLUMNS:
        op.execute(f"ALTER TABLE sources DROP COLUMN {name}")


def _loses(row, creators: list[tuple]) -> bool:
    """Whether the downgrade would drop something of this source that 0004's columns cannot hold."""
    values = row._mapping
    if any(values[name] is not None for name in _NO_PLACE):
        return True
    if values["issued"] is not None and values["issued"] != (f"{values['year']:04d}" if values["year"] else None):
        return True
    archival = values["kind"] == "archive" and values["author"] is None
    if values["archive"] is not None and not archival:
        return True
    if values["archive_location"] is not None and not (archival and values["archive_location"] == values["title"]):
        return True
    expected = [(n["family"], n["given"], n["literal"]) for n in _names(values["author"])]
    return [(role, suffix) for role, *_, suffix in creators if (role, suffix) != ("author", None)] != [] or \
        [tuple(c[1:4]) for c in creators] != expected


def losses(connection: sa.Connection) -> list[str]:
    """What the downgrade would drop that the older schema cannot hold."""
    by_source: dict[int, list[tuple]] = {}
    for source_id, role, family, given, literal, suffix in connection.execute(sa.text(
            "SELECT source_id, role, family, given, literal, suffix FROM source_creators "
            "ORDER BY source_id, position")):
        by_source.setdefault(source_id, []).append((role, family, given, literal, suffix))
    rows = connection.execute(sa.text(
        "SELECT id, kind, author, title, year, " + ", ".join(_TEXT_COLUMNS) + " FROM sources")).all()
    keys = [row.id for row in rows if _loses(row, by_source.get(row.id, []))]
    count = len(keys)
    return ([f"the bibliographic fields of {count} source{'s' if count != 1 else ''} that the older schema has no "
             "column for (a day or month of the date, editors and other roles, ISBN, edition, extra fields…)"]
            if count else [])
