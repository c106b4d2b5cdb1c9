"""The yardstick: the smallest Typer app that does what a relations-db command does, for side-by-side ratios.

`--help` shows Typer's start-up floor; `query URL YEAR` opens the same database with SQLAlchemy, runs one
select of the year's events and prints JSON — the least any year query can cost in this stack.
"""

import typer

app = typer.Typer()


@app.command()
def query(url: str, year: int) -> None:
    """Print the events of YEAR as JSON."""
    import datetime as dt
    import json

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, slug, date, start_iso, end_iso, title FROM events "
                 "WHERE start_day <= :last AND end_day >= :first ORDER BY start_day, end_day"),
            {"first": dt.date(year, 1, 1).toordinal(), "last": dt.date(year, 12, 31).toordinal()},
        )
        print(json.dumps([dict(r._mapping) for r in rows], default=str))


@app.command()
def hello() -> None:
    """Say hello (a second command, so that Typer builds a group as relations-db does)."""
    print("hello")


if __name__ == "__main__":
    app()
