"""Importing a large BibTeX file: `relations-db import refs.bib` of N entries (default 10,000) into an empty
SQLite database, timed as a whole process (issue 17: at most 10 s for 10,000).

The entries are generated in the forms Better BibTeX writes (see tests/data/bib/thirty.bib): articles, books,
chapters with editors, theses, reports, web pages and archival @misc, two to three authors each, a third of them
with LaTeX accents ({\\"e}, {\\v{c}}), dates to the day for one in five. Run: python bench/bib_import.py [N]
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAMILIES = ["Duka", "Lalaj", "Mëhilli", "Hoxha", "Smirnova", "Lüthi", "Pano", "Prifti", "Kola", "Zavalani",
            "{\\v{C}}ern{\\'y}", "M{\\\"u}ller", "Ostermann", "Griffith", "Skendi"]
GIVENS = ["Valentina", "Ana", "Elidor", "Enver", "Nina D.", "Lorenz M.", "Nicholas C.", "Peter R.", "Paulin"]
WORDS = "albania soviet union split cold war party relations aid treaty base vlor{\\\"e} tirana moscow".split()


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()


def _names(rng: random.Random) -> str:
    return " and ".join(f"{rng.choice(FAMILIES)}, {rng.choice(GIVENS)}" for _ in range(rng.randint(2, 3)))


def entry(i: int, rng: random.Random) -> str:
    kind = ("article", "book", "incollection", "phdthesis", "techreport", "online", "misc")[i % 7]
    fields = {"author": _names(rng), "title": _title(rng)}
    if rng.random() < 0.2:
        fields["date"] = f"{rng.randint(1945, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    else:
        fields["year"] = str(rng.randint(1945, 2020))
    if kind == "article":
        fields |= {"journal": "Journal of Cold War Studies", "volume": str(rng.randint(1, 30)),
                   "number": str(rng.randint(1, 4)), "pages": f"{rng.randint(1, 200)}--{rng.randint(201, 400)}",
                   "doi": f"10.1162/jcws.{i}"}
    elif kind in ("book", "incollection"):
        fields |= {"publisher": "Princeton University Press", "address": "Princeton", "isbn": f"978-0-{i:09d}"}
        if kind == "incollection":
            fields |= {"booktitle": _title(rng), "editor": _names(rng), "pages": "1--20"}
    elif kind == "online":
        fields |= {"url": f"https://example.org/doc/{i}", "urldate": "2024-05-01"}
    elif kind == "misc":
        fields |= {"archive": "Arkivi Qendror Shtet{\\\"e}ror", "archive_location": f"Fond 14, Dosja {i}"}
    else:
        fields |= {"school" if kind == "phdthesis" else "institution": "University of Tirana"}
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@{kind}{{Entry{i:05d}_{rng.choice(GIVENS)[:3]},\n{body}\n}}\n"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        bib, url = Path(tmp) / "refs.bib", f"sqlite:///{tmp}/bench.db"
        bib.write_text("\n".join(entry(i, rng) for i in range(n)), encoding="utf-8")
        cli = [sys.executable, "-m", "relations_db", "--db", url]
        subprocess.run([*cli, "db", "upgrade"], check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run([*cli, "import", str(bib)], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(done.stderr)
        print(done.stderr.strip())
        print(f"sqlite  {n:>6}  import .bib ({bib.stat().st_size / 1e6:.1f} MB)  {seconds:.1f} s  "
              f"target <= 10 s for 10,000  {'ok' if seconds <= 10 * n / 10_000 else 'SLOW'}")


if __name__ == "__main__":
    main()
