"""The yardstick: the smallest Typer app that does what a relations-db command does, for side-by-side ratios.

`--help` shows Typer's start-up floor; `query URL YEAR` opens the same database with SQLAlchemy, runs one
select of the year's events and prints JSON — the least any year query can cost in this stack.
"""

import typer

app = typer.Typer()


@app.command()
def query(url: str, year: int) -> None:
    """Print the events of YEAR as JSON."""
    import json

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, slug, date, start_date, end_date, title FROM events "
                 "WHERE start_date <= :last AND end_date >= :first ORDER BY start_date, end_date"),
            {"first": f"{year}-01-01", "last": f"{year}-12-31"},
        )
        print(json.dumps([dict(r._mapping) for r in rows], default=str))


@app.command()
def hello() -> None:
    """Say hello (a second command, so that Typer builds a group as relations-db does)."""
    print("hello")


if __name__ == "__main__":
    app()
