"""`python -m relations_db` runs the command line."""

from relations_db.cli import main

if __name__ == "__main__":
    main()
