"""`relations-db db …`: schema and data management."""

from typing import Annotated, Optional

import typer

from relations_db.cli.common import notice

db_app = typer.Typer(help="Schema and data management: upgrade, downgrade, current, seed, path.\n\n"
                          "Example: relations-db db current", no_args_is_help=True)
commands = typer.Typer(add_completion=False)
commands.add_typer(db_app, name="db")


@db_app.command("path")
def path_cmd() -> None:
    """Print where the default SQLite database lives (used when no --db or RELATIONS_DB_URL is given).

    Example: relations-db db path
    """
    from relations_db.store.db import default_path

    typer.echo(str(default_path()))


@db_app.command("upgrade")
def upgrade_cmd(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(metavar="REVISION", help="Target revision (default: the newest).")
                        ] = "head",
) -> None:
    """Migrate the database to the newest schema (creates the tables of an empty database, loads no data), then
    make the stored CSV cells of events that have none (after migration 0012).

    Example: relations-db --db sqlite:///team.db db upgrade
    """
    from relations_db.store import db

    engine = ctx.obj.engine()
    before = db.schema_revision(engine)
    db.upgrade(engine, revision)
    after = db.schema_revision(engine)
    notice(f"Schema at revision {after}" + (" (unchanged)." if before == after else f" (was {before or 'empty'})."))
    if after == db.SCHEMA_HEAD:
        from relations_db.cli.common import session
        from relations_db.write.event_cells import fill_missing_cells

        with session(ctx, write=True) as s:
            made = fill_missing_cells(s)
        if made:
            notice(f"Made the CSV cells (date as shown, sources, notes) of {made:,} events.")


@db_app.command("downgrade")
def downgrade_cmd(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(
        metavar="REVISION", help="Target revision: -1 (one step, default) or base (no tables).")] = "-1",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Migrate the database down (data in dropped tables is lost).

    Example: relations-db db downgrade base --yes
    """
    import sys

    from relations_db.errors import UserError
    from relations_db.store import db

    engine = ctx.obj.engine()
    where = engine.url.render_as_string(hide_password=True)
    losses = db.downgrade_losses(engine, revision)
    dropped = "; ".join(losses) if losses else "no data"
    if not yes:
        if not sys.stdin.isatty():
            raise UserError(f"downgrading {where} to {revision} would drop {dropped}: confirm with --yes")
        typer.confirm(f"Downgrade {where} to {revision}, dropping {dropped}?", abort=True)
    db.downgrade(engine, revision)
    notice(f"Schema at revision {db.schema_revision(engine) or 'base (no tables)'}"
           + (f"; dropped {dropped}." if losses else "."))


@db_app.command("current")
def current_cmd(ctx: typer.Context) -> None:
    """Print the database's schema revision and whether it is up to date.

    Example: relations-db db current
    """
    from relations_db.store import db

    engine = ctx.obj.engine()
    revision = db.schema_revision(engine)
    head = db.SCHEMA_HEAD
    if revision is None:
        typer.echo(f"empty (no tables); newest is {head}")
    elif revision == head:
        typer.echo(f"{revision} (head)")
    else:
        typer.echo(f"{revision} (behind: newest is {head}; run `relations-db db upgrade`)")


@db_app.command("seed")
def seed_cmd(
    ctx: typer.Context,
    file: Annotated[Optional[str], typer.Argument(
        metavar="FILE", help="A seed-format YAML file (default: the seed shipped with relations-db).")] = None,
) -> None:
    """Load the seed data (idempotent: loading twice changes nothing; an edited file updates what changed).

    Example: relations-db db seed
    """
    from relations_db.cli.common import session
    from relations_db.formats.seed.apply import load_default_seed, load_seed_file
    from relations_db.store import db

    engine = ctx.obj.engine()
    if db.check_current(engine) == "empty":
        db.upgrade(engine)
    with session(ctx, write=True) as s:
        report = load_seed_file(s, file) if file else load_default_seed(s)
    notice(f"Seed loaded: {report.summary()}.")
