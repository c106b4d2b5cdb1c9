"""A synthetic but realistic corpus for the benchmarks, written in relations-db's import formats.

    python bench/generate.py --events 100000 --out bench/out/corpus-100k

writes `base.yaml` (the seed format: sources, 5,000 actors with aliases, places) and `events.csv` (the export
format: date, start, end, title, type, place, actors, sources, summary). Import both with
`relations-db import base.yaml` then `relations-db import events.csv`.

Realistic means: actors' popularity is skewed (Zipf, so the busiest actor is in ~6% of events, as a head of
state is), 2–3 participants per event with roles, 1–2 sources per event among 400 works (some by the same author in
the same year, so short forms get letters), dates at every precision the paper uses (day, month, year,
approximate, uncertain, intervals, seasons, decades), accented names. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import csv
import itertools
import random
from pathlib import Path

from relations_db.domain import dates

FIRST = ["Enver", "Mehmet", "Hysni", "Nikita", "Andrei", "Liri", "Beqir", "Gogo", "Haxhi", "Vladimir", "Tuk",
         "Zhou", "Josip", "Anastas", "Mikhail", "Ramiz", "Kadri", "Spiro", "Vasil", "Nexhmije", "Frol", "Dritëro"]
LAST = ["Hoxha", "Shehu", "Kapo", "Grečko", "Belishova", "Balluku", "Nushi", "Lleshi", "Jakova", "Kasatonov",
        "Andrejev", "Mikoyan", "Suslov", "Alia", "Hazbiu", "Koleka", "Këllezi", "Ivanov", "Petrov", "Çarçani",
        "Dume", "Gega", "Plaku", "Ndreu", "Prifti", "Theodhosi"]
KINDS = ["person"] * 8 + ["state", "party", "government", "military", "organisation"]
ROLES = ["host", "guest", "delegate", "speaker", "signatory", "target", "subject", "initiator"]
TYPES = ["visit", "meeting", "congress", "conference", "letter", "agreement", "decision", "statement",
         "military", "economic", "diplomatic", "break"]
PLACES = [("Tirana", ["Tiranë"]), ("Moscow", ["Moskva"]), ("Vlorë", ["Vlora", "Vlore", "Valona"]),
          ("Beijing", ["Peking"]), ("Bucharest", ["București"]), ("Belgrade", ["Beograd"]),
          ("Durrës", ["Durres", "Durazzo"]), ("Shkodër", ["Shkodra", "Scutari"]), ("Warsaw", ["Warszawa"]),
          ("Prague", ["Praha"]), ("Budapest", []), ("Sofia", []), ("Berlin", []), ("New York", []),
          ("Korçë", ["Korca", "Korça"]), ("Elbasan", []), ("Sazan", ["Saseno"]), ("Pashaliman", [])]
VERBS = ["visits", "meets", "writes to", "signs an accord with", "denounces", "receives", "criticises",
         "negotiates with", "cables", "reports on"]
TOPICS = ["credits", "the naval base", "grain deliveries", "the party line", "the Yugoslav question",
          "destalinisation", "the five-year plan", "submarines", "oil refining", "textile works", "the embassy"]
SOURCE_KINDS = ["book", "article", "archive", "newspaper", "memoir", "report"]


def _zipf_cdf(n: int, s: float = 0.7) -> list[float]:
    weights = [1 / (rank ** s) for rank in range(1, n + 1)]
    total, acc, cdf = sum(weights), 0.0, []
    for w in weights:
        acc += w
        cdf.append(acc / total)
    return cdf


def _edtf(rng: random.Random) -> str:
    year = rng.randint(1944, 1991)
    month = rng.randint(1, 12)
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    roll = rng.random()
    if roll < 0.40:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if roll < 0.65:
        return f"{year:04d}-{month:02d}"
    if roll < 0.80:
        return f"{year:04d}"
    if roll < 0.85:
        return f"{year:04d}-{month:02d}~"
    if roll < 0.90:
        return f"{year:04d}?"
    if roll < 0.95:
        return f"{year:04d}/{min(year + rng.randint(1, 5), 1991):04d}"
    if roll < 0.98:
        return f"{year:04d}-{rng.randint(21, 23)}"
    return f"{str(year)[:3]}X"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(events: int, out: Path, seed: int = 1, actors: int = 5000, sources: int = 400) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)

    actor_names: list[str] = []
    seen: set[str] = set()
    for i in itertools.count():
        if len(actor_names) == actors:
            break
        name = f"{rng.choice(FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(LAST)}"
        name = name if name not in seen else f"{name} {i}"
        seen.add(name)
        actor_names.append(name)
    source_rows = []
    for i in range(sources):
        author = f"{rng.choice(LAST)}, {rng.choice(FIRST)[0]}."
        year = rng.randint(1950, 2020)
        if i % 50 == 1 and source_rows:  # a second work by the same author and year: "2007a"
            author, year = source_rows[-1][1], source_rows[-1][2]
        source_rows.append((f"src-{i:04d}", author, year, rng.choice(SOURCE_KINDS)))

    with (out / "base.yaml").open("w", encoding="utf-8") as f:
        f.write("format: relations-db/seed 1\nsources:\n")
        for key, author, year, kind in source_rows:
            f.write(f"  - key: {key}\n    kind: {kind}\n    author: {_q(author)}\n"
                    f"    title: {_q(rng.choice(TOPICS).capitalize() + ' ' + str(year))}\n    year: {year}\n")
        f.write("actors:\n")
        for i, name in enumerate(actor_names):
            kind = KINDS[i % len(KINDS)]
            f.write(f"  - name: {_q(name)}\n    kind: {kind}\n")
            if i % 3 == 0:
                f.write(f"    aliases: [{_q(name.upper() + ' ' + str(i))}]\n")
        f.write("places:\n")
        for name, aliases in PLACES:
            f.write(f"  - name: {_q(name)}\n")
            if aliases:
                f.write(f"    aliases: [{', '.join(_q(a) for a in aliases)}]\n")

    # Short forms as relations-db computes them (a second work by the same author and year gets a letter).
    shorts: dict[str, str] = {}
    taken: dict[str, int] = {}
    for key, author, year, _ in sorted(source_rows):
        base = f"{author.split(',')[0]} {year}"
        n = taken.get(base, 0)
        taken[base] = n + 1
        shorts[key] = base if n == 0 else base + "abcdefghijklmnopqrstuvwxyz"[n - 1]

    cdf = _zipf_cdf(actors)
    order = list(range(actors))
    rng.shuffle(order)  # the most popular actor is not simply the first one written
    with (out / "events.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "start", "end", "title", "type", "place", "actors", "sources", "summary"])
        for i in range(events):
            picked: list[int] = []
            while len(picked) < rng.choice((2, 2, 3)):
                a = order[bisect.bisect_left(cdf, rng.random())]
                if a not in picked:
                    picked.append(a)
            who = [actor_names[a] for a in picked]
            title = f"{who[0]} {rng.choice(VERBS)} {who[1]} on {rng.choice(TOPICS)} #{i}"
            cited = rng.sample(source_rows, rng.choice((1, 1, 2)))
            date = dates.parse(_edtf(rng))
            writer.writerow([
                date.text, date.start_iso or "", date.end_iso or "", title, rng.choice(TYPES),
                rng.choice(PLACES)[0] if rng.random() < 0.7 else "",
                "; ".join(f"{n}:{rng.choice(ROLES)}" for n in who),
                "; ".join(shorts[c[0]] for c in cited),
                f"{who[0]} and {who[1]} discussed {rng.choice(TOPICS)}; reported by {shorts[cited[0][0]]}.",
            ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--actors", type=int, default=5000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.events, args.out, args.seed, args.actors)
    print(f"wrote {args.out / 'base.yaml'} and {args.out / 'events.csv'} ({args.events} events)")


if __name__ == "__main__":
    main()
