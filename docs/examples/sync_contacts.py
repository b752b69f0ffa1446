#!/usr/bin/env python3
"""Sync people from a CSV file into Steward through its REST API.

    STEWARD_TOKEN=stw_... python sync_contacts.py people.csv --url https://crm.example.org \\
        [--id-column member_no --system mis]

Each row becomes a person: columns email, first_name, last_name, phone,
city, postcode, country and tags (separated by ";"); any other column is
ignored. Rows go to POST /api/v1/contacts:batch in batches of up to 500, so
a person already in Steward (same external id, else same email) is
updated and a new one is created; running the script again changes
nothing. With --id-column, that column is the person's id in your system
(`external_ids: {SYSTEM: value}`), the surest way to match.

Every batch carries an Idempotency-Key made from the run and the batch's
content, so a batch retried after a timeout or a lost connection is
applied once. A 429 waits
for the time the server names. A batch with a wrong row is refused whole;
the script names the CSV line and field, and stops.

Only the standard library: copy this file anywhere."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

BATCH = 500
COLUMNS = ("email", "first_name", "last_name", "phone", "city", "postcode", "country", "tags")


def record(row: dict, id_column: str | None, system: str) -> dict:
    """One CSV row as the API's person."""
    cell = {k: (row.get(k) or "").strip() for k in COLUMNS}
    person = {"first_name": cell["first_name"], "last_name": cell["last_name"]}
    if cell["email"]:
        person["emails"] = [{"email": cell["email"]}]
    if cell["phone"]:
        person["phones"] = [{"number": cell["phone"]}]
    if cell["city"] or cell["postcode"]:
        person["addresses"] = [{"city": cell["city"], "postcode": cell["postcode"], "country": cell["country"]}]
    if cell["tags"]:
        person["tags"] = [t.strip() for t in cell["tags"].split(";") if t.strip()]
    if id_column and (row.get(id_column) or "").strip():
        person["external_ids"] = {system: row[id_column].strip()}
    return person


def post(url: str, token: str, body: dict, run: str, attempts: int = 5) -> dict:
    """POST with retries, each with the same Idempotency-Key: this run's id
    and the batch's content (a later run is a new request, not a retry)."""
    data = json.dumps(body, sort_keys=True).encode()
    key = hashlib.sha256(run.encode() + data).hexdigest()
    for attempt in range(attempts):
        request = urllib.request.Request(url, data=data, method="POST", headers={  # noqa: S310 (http(s), checked in sync)
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (http(s) only)
                return json.load(response)
        except urllib.error.HTTPError as error:
            problem = json.loads(error.read() or b"{}")
            if error.code == 429:
                time.sleep(int(error.headers.get("Retry-After", "1")))
                continue
            if error.code >= 500 and attempt < attempts - 1:
                time.sleep(2 ** attempt)
                continue
            raise Refused(error.code, problem) from None
        except (urllib.error.URLError, TimeoutError):
            if attempt == attempts - 1:
                raise
            time.sleep(2 ** attempt)
    raise Refused(429, {"title": "Still rate limited after several tries"})


class Refused(Exception):
    def __init__(self, status: int, problem: dict):
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")
        self.status, self.problem = status, problem


def sync(path: str, base_url: str, token: str, id_column: str | None = None, system: str = "csv",
         out=sys.stdout) -> dict:
    """Send the file; returns the totals. Raises Refused (after printing the
    lines and fields at fault) when a batch is refused."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    if not base_url.startswith(("https://", "http://")):
        raise ValueError(f"--url must be an http(s) address, not {base_url!r}")
    url = base_url.rstrip("/") + "/api/v1/contacts:batch"
    run = uuid.uuid4().hex
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        try:
            result = post(url, token, {"records": [record(r, id_column, system) for r in chunk]}, run)
        except Refused as refused:
            for error in refused.problem.get("errors", []):
                index = int(error["field"].split("]")[0].split("[")[1]) if error["field"].startswith("records[") \
                    else None
                where = f"line {start + index + 2}" if index is not None else "request"
                field = error["field"].split(".", 1)[1] if "." in error["field"] else ""
                print(f"{where}: {field or 'row'}: {error['detail']}", file=out)
            raise
        for name in totals:
            totals[name] += result[name]
    print(f"created {totals['created']}, updated {totals['updated']}, unchanged {totals['unchanged']}", file=out)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv")
    parser.add_argument("--url", default=os.environ.get("STEWARD_URL", "http://127.0.0.1:5000"))
    parser.add_argument("--id-column", help="the column holding your system's id for the person")
    parser.add_argument("--system", default="csv", help="the name of that system in Steward (lower case)")
    args = parser.parse_args(argv)
    token = os.environ.get("STEWARD_TOKEN")
    if not token:
        parser.error("set STEWARD_TOKEN to a personal access token (Your account → API tokens)")
    try:
        sync(args.csv, args.url, token, args.id_column, args.system)
    except Refused as refused:
        print(f"stopped: {refused}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
