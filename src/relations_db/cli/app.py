"""The root Typer application, its global options and the error edge."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from relations_db.errors import RelationsDBError


class Group(TyperGroup):
    """Turns every expected error into a message and an exit code, once, for every command below it."""

    def invoke(self, ctx):  # noqa: D401 - click API
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return super().invoke(ctx)
        except RelationsDBError as exc:
            _fail(str(exc), exc.exit_code)
        except SQLAlchemyError as exc:  # a server gone away, a lock held past the timeout, a refused constraint
            from relations_db.db import _first_line

            _fail(f"database error: {_first_line(exc)}", 1)
        except BrokenPipeError:  # `relations-db events | head`: the reader left; not an error of ours
            raise typer.Exit(0) from None


def _fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=Group,
    name="relations-db",
    help="A sourced chronology of events: every claim traced to a page and a quotation.\n\n"
    "Example: relations-db events --year 1960",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db",
            metavar="URL",
            help="SQLAlchemy database URL (sqlite:///file.db, postgresql+psycopg://user@host/name) or a file "
            "path. Default: $RELATIONS_DB_URL, else an SQLite file in your user data directory "
            "(see `relations-db db path`).",
        ),
    ] = None,
) -> None:
    """A sourced chronology of events: every claim traced to a page and a quotation."""
    from relations_db.cli.common import State

    ctx.obj = State(url=db)


def _register() -> None:
    # Importing a module registers its commands on `app`; their heavy imports happen inside the commands.
    from relations_db.cli import audit, catalog, db_cmd, query, transfer, write  # noqa: F401


_register()


def main() -> None:
    """Console-script entry point."""
    app()
