"""The import figure: a deterministic CSV of new people with ~10% rows
matching existing contacts by email, imported with
`flask contacts import FILE --match email` and timed as a whole command."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from faker import Faker

from bench.cli import flask

HEADERS = ["First name", "Last name", "Email", "Phone", "Address", "City", "State", "Zip", "Country"]
MATCH_SHARE = 0.10
VERSION = 2  # in the cached file's name: bump when the rows written change


def rows_to_match(rows: int) -> int:
    return int(rows * MATCH_SHARE)


def _plain(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower()) or "x"


def write(path: Path, rows: int, matches: list[list[str]], seed: int) -> dict:
    """Write `rows` rows; every tenth row (while `matches` last) carries an
    existing contact's email and name with a new phone and address."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(f"steward-bench-import:{seed}")
    firsts = sorted({fake.first_name() for _ in range(1000)})
    lasts = sorted({fake.last_name() for _ in range(1500)})
    streets = [fake.street_address() for _ in range(2000)]
    towns = [(fake.city(), fake.state_abbr(), fake.postcode()) for _ in range(500)]
    every = max(1, round(1 / MATCH_SHARE))
    matched = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for i in range(rows):
            if i % every == every - 1 and matched < len(matches):
                email, first, last = matches[matched]
                matched += 1
            else:
                first, last = rng.choice(firsts), rng.choice(lasts)
                email = f"{_plain(first)}.{_plain(last)}.{i}@import.example.net"
            city, state, zipcode = rng.choice(towns)
            phone = f"({rng.randint(201, 989)}) 555-01{rng.randint(0, 99):02d}"
            writer.writerow([first, last, email, phone, rng.choice(streets), city, state, zipcode, "US"])
    return {"rows": rows, "matching_rows": matched, "new_rows": rows - matched}


_SUMMARY = re.compile(r"([\d,]+) created, ([\d,]+) updated, ([\d,]+) skipped, ([\d,]+) failed")


def run(path: Path, env: dict, log: Path, rows: int) -> dict:
    """Import the file from the command line; rows/s over the whole command."""
    output, seconds = flask(["contacts", "import", str(path), "--match", "email"], env, log)
    match = _SUMMARY.search(output)
    counts = dict(zip(("created", "updated", "skipped", "failed"),
                      (int(g.replace(",", "")) for g in match.groups()), strict=True)) if match else {}
    return {"seconds": round(seconds, 1), "rows_per_s": round(rows / seconds), **counts}
