"""Replay raw data in loading order: the raw folder as it stood at a moment of loading.

`write_raw_as_of` copies a raw folder (the native layout's Parquet files) keeping only the rows
loaded by a given moment: events by ``received_at``, users by ``created_at`` (sign-up), survey
responses by ``responded_at``; rows without that timestamp are kept in every cut (they cannot be
placed in time, and staging quarantines them anyway). Cutting at growing moments into the same
folder and running dbt after each cut replays the history as a scheduler would see it, which is
what the incremental equivalence tests and ``kpikit benchmark`` do.

``late_share`` holds back a deterministic share of the events received in the
``late_window`` before the cut: they are left out of this cut and appear in the next one, with
their original ``received_at``, as rows a loader delivered late. A later cut includes them, so
each row appears in every cut from the first one that covers it, except while held back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from kpikit.load import RAW_TABLES

# The column that orders each raw table in loading time.
LOADED_AT_COLUMN = {
    "users": "created_at",
    "events": "received_at",
    "survey_responses": "responded_at",
}


@dataclass(frozen=True)
class Cut:
    """What one cut kept: rows per table, and events held back as late deliveries."""

    rows: dict[str, int]
    events_held_back: int


def held_back_sample(received_at_column: str, late_share: float) -> str:
    """SQL predicate: the deterministic `late_share` sample of event rows a cut holds back
    (among those received in its late window), by a hash of event_id and received_at."""
    return f"hash(event_id, {received_at_column}) % 1000 < {round(late_share * 1000)}"


def write_raw_as_of(
    source: Path,
    out: Path,
    loaded_until: datetime,
    *,
    late_share: float = 0.0,
    late_window: timedelta = timedelta(days=1),
) -> Cut:
    """Write to `out` the raw tables of `source` as loaded by `loaded_until` (inclusive)."""
    if not 0.0 <= late_share < 1.0:
        raise ValueError(f"late_share must be in [0, 1), got {late_share}")
    out.mkdir(parents=True, exist_ok=True)
    until = _timestamp(loaded_until)
    late_from = _timestamp(loaded_until - late_window)
    rows: dict[str, int] = {}
    held_back = 0
    con = duckdb.connect()
    try:
        con.execute("set time zone 'UTC'")
        for table in RAW_TABLES:
            column = LOADED_AT_COLUMN[table]
            path = source / f"{table}.parquet"
            keep = f"{column} is null or {column} <= {until}"
            if table == "events" and late_share > 0:
                held = f"{column} > {late_from} and {column} <= {until} and " + held_back_sample(
                    column, late_share
                )
                held_back = _count(con, path, held)
                keep = f"({keep}) and not coalesce({held}, false)"
            scratch = out / f".{table}.parquet.tmp"
            con.execute(
                f"copy (select * from read_parquet('{_literal(path)}') where {keep}) "
                f"to '{_literal(scratch)}' (format parquet)"
            )
            scratch.replace(out / f"{table}.parquet")
            rows[table] = _count(con, out / f"{table}.parquet", "true")
    finally:
        con.close()
    return Cut(rows=rows, events_held_back=held_back)


def received_at_range(source: Path) -> tuple[datetime, datetime]:
    """The earliest and latest received_at of the raw events in `source`."""
    con = duckdb.connect()
    try:
        con.execute("set time zone 'UTC'")
        first, last = con.execute(
            "select min(received_at), max(received_at) "
            f"from read_parquet('{_literal(source / 'events.parquet')}')"
        ).fetchone()
    finally:
        con.close()
    return first, last


def _count(con: duckdb.DuckDBPyConnection, path: Path, where: str) -> int:
    sql = f"select count(*) from read_parquet('{_literal(path)}') where {where}"
    return int(con.execute(sql).fetchone()[0])


def _timestamp(moment: datetime) -> str:
    return f"timestamp '{moment.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
