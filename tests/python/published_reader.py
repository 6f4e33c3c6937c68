"""A BI reader in a loop, for the publishing test: run as a separate process.

    python published_reader.py --database FILE --expected-rows N --expected-sum S \
        --expected-tables T --ready-file F --stop-file G [--max-seconds 60] [--max-reads 100000]
        [--pause 0.01]

Each read opens a fresh read-only connection to the published file (as a BI tool reconnecting
would), reads `count(*)` and `sum(value)` of marts.kpi_values and the number of marts tables in
one transaction, and closes it. A read is consistent when it sees the complete table: the expected
row count, sum and table count. It touches `--ready-file` after its first read, stops when
`--stop-file` exists or a limit is reached, and prints a JSON summary on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import duckdb


def read_once(database: Path) -> tuple[int, float, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute("begin transaction")
        count, total = con.execute("select count(*), sum(value) from marts.kpi_values").fetchone()
        (tables,) = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()
        con.execute("commit")
    finally:
        con.close()
    return int(count), float(total), int(tables)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--expected-rows", type=int, required=True)
    parser.add_argument("--expected-sum", type=float, required=True)
    parser.add_argument("--expected-tables", type=int, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--stop-file", type=Path, required=True)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--max-reads", type=int, default=100_000)
    parser.add_argument("--pause", type=float, default=0.01, help="seconds between reads")
    args = parser.parse_args()

    reads = 0
    errors: list[str] = []
    inconsistent: list[str] = []
    files_seen: set[int] = set()
    deadline = time.monotonic() + args.max_seconds
    while reads < args.max_reads and time.monotonic() < deadline and not args.stop_file.exists():
        if reads:
            time.sleep(args.pause)
        reads += 1
        try:
            files_seen.add(os.stat(args.database).st_ino)
            count, total, tables = read_once(args.database)
        except Exception as error:  # every failure is a finding
            errors.append(f"read {reads}: {type(error).__name__}: {error}")
            continue
        finally:
            if reads == 1:
                args.ready_file.touch()
        if (
            count != args.expected_rows
            or not math.isclose(total, args.expected_sum, rel_tol=1e-9, abs_tol=1e-9)
            or tables != args.expected_tables
        ):
            inconsistent.append(f"read {reads}: rows {count}, sum {total!r}, tables {tables}")
    summary = {
        "reads": reads,
        "errors": errors[:20],
        "error_count": len(errors),
        "inconsistent": inconsistent[:20],
        "inconsistent_count": len(inconsistent),
        "files_seen": len(files_seen),
        "stopped_by": "stop file" if args.stop_file.exists() else "limit",
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
