"""Hostile raw data: what loaders really deliver never fails the run and never moves a number.

One clean generated data set is built once. Each hostile variant adds rows to it, or delivers the
same rows with other column types (timestamps as ISO 8601 text with offsets, or with time zone;
scores and items as doubles), and is built again: the build must pass every test, `kpi_values`
must equal the clean build's row for row, and `fct_data_quality` must count every added row
under its quarantine reason, exactly. A contract breach (a missing column, a type that cannot
hold the values, a feed with no valid row) must stop the run with one message naming what to fix.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import KPI_VALUES_COLUMNS
from dbt_project import REPO_ROOT, dbt_command, dbt_environment, generate_raw

SEED = 11
USERS = 300
END_DATE = "2026-10-31"  # the build runs later: nothing in the clean data is in its future
SELECTION = ["--exclude", "test_type:unit"]  # the whole build and its data tests
RAW_TABLES = ("users", "events", "survey_responses")

# Rows added to the clean data, each with the quarantine reason it must get.
FUTURE = "2200-01-01 00:00:00"
HOSTILE_EVENTS = [
    # happened and received in 2200: received_in_future (would move the as-of date to 2200)
    ("h_future_1", "u_h1", FUTURE, FUTURE, "received_in_future"),
    ("h_future_2", None, "2200-06-01 10:00:00", "2200-06-01 10:00:01", "received_in_future"),
    # happened in 1900, received in 2026: too_late (would add KPI rows for 1900)
    ("h_old_1", "u_h1", "1900-01-01 00:00:00", "2026-10-01 00:00:00", "too_late"),
    ("h_old_2", "u_h2", "1900-05-01 12:00:00", "2026-10-02 00:00:00", "too_late"),
    # 31 days late (the limit is 30): too_late
    ("h_late", "u_h2", "2026-08-31 23:59:59", "2026-10-01 00:00:00", "too_late"),
]


def _dbt(
    work_dir: Path,
    raw_dir: Path,
    subcommand: str = "build",
    *extra: str,
    env: Mapping[str, str] | None = None,
) -> Any:
    command = dbt_command(subcommand, project=REPO_ROOT, work_dir=work_dir, raw_dir=raw_dir)
    return subprocess.run(
        [*command, *extra],
        cwd=REPO_ROOT,
        env={**dbt_environment(work_dir), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def _rewrite(source: Path, target: Path, statements: Mapping[str, str]) -> Path:
    """Copy the raw folder `source` to `target`, each table through `statements[table]`: a
    select over the view `<table>` of the clean rows (default: the rows as they are)."""
    target.mkdir(parents=True)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        for table in RAW_TABLES:
            con.execute(
                f"create view {table} as select * from read_parquet('{source / table}.parquet')"
            )
        for table in RAW_TABLES:
            select = statements.get(table, f"select * from {table}")
            con.execute(f"copy ({select}) to '{target / table}.parquet' (format parquet)")
    finally:
        con.close()
    return target


def _kpi_values(database: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = ", ".join(KPI_VALUES_COLUMNS)
        return sorted(
            con.execute(f"select {columns} from marts.kpi_values").fetchall(),
            key=lambda row: tuple((value is None, str(value)) for value in row),
        )
    finally:
        con.close()


def _outcomes(database: Path) -> dict[tuple[str, str, str], int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select source_name, outcome, reason, row_count from marts.fct_data_quality"
        ).fetchall()
    finally:
        con.close()
    return {(source, outcome, reason): count for source, outcome, reason, count in rows}


def _added(hostile: Path, clean: Path) -> dict[tuple[str, str, str], int]:
    """The data-quality counts the hostile build has beyond the clean one."""
    before, after = _outcomes(clean), _outcomes(hostile)
    return {
        key: count - before.get(key, 0)
        for key, count in after.items()
        if count != before.get(key, 0)
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(raw folder, built warehouse) of the clean data."""
    root = tmp_path_factory.mktemp("hostile")
    raw = generate_raw(root / "raw", seed=SEED, users=USERS, end_date=END_DATE)
    result = _dbt(root / "build", raw, "build", *SELECTION)
    assert result.returncode == 0, result.stdout[-4000:]
    return raw, root / "build" / "warehouse.duckdb"


def _build_hostile(
    tmp_path: Path,
    clean: tuple[Path, Path],
    statements: Mapping[str, str],
    env: Mapping[str, str] | None = None,
) -> tuple[Path, Any]:
    raw = _rewrite(clean[0], tmp_path / "raw", statements)
    result = _dbt(tmp_path / "build", raw, "build", *SELECTION, env=env)
    return tmp_path / "build" / "warehouse.duckdb", result


def test_implausible_times_and_disagreeing_copies_move_no_number(
    tmp_path: Path, clean: tuple[Path, Path]
) -> None:
    """Rows stamped in 2200 or 1900, and two late copies of a delivered event that name another
    event: quarantined, or counted as duplicates (and as conflicting ones), never used."""
    events = " union all ".join(
        f"select '{event_id}', {repr(user) if user else 'null'}, 'a_hostile', null, "
        f"'page_viewed', timestamp '{occurred}', timestamp '{received}', null"
        for event_id, user, occurred, received, _ in HOSTILE_EVENTS
    )
    # Two copies of one page view, received an hour after it, under another name.
    copies = (
        "select * exclude (n) replace ('tampered' as event_name, "
        "received_at + interval (n) hour as received_at) "
        "from (select * from events where event_name = 'page_viewed' "
        "and user_id is not null and properties like '{%}' "
        "and occurred_at between received_at - interval 1 day and received_at "
        "order by event_id limit 1), range(1, 3) as copies(n)"
    )
    statements = {
        "events": f"select * from events union all {events} union all {copies}",
        "users": (
            "select * from users union all select 'u_future', timestamp '2200-01-01', "
            "timestamp '2026-10-01', null, 'FR', 'pro', 'ads' union all select 'u_export', "
            "timestamp '2026-09-01', timestamp '2200-01-01', null, 'FR', 'pro', 'ads'"
        ),
        "survey_responses": (
            "select * from survey_responses union all "
            "select 'r_future', 'nps', 1, 10, null, timestamp '2200-01-01'"
        ),
    }
    database, result = _build_hostile(tmp_path, clean, statements)
    assert result.returncode == 0, result.stdout[-4000:]

    assert _kpi_values(database) == _kpi_values(clean[1])
    expected: dict[tuple[str, str, str], int] = {}
    for *_, reason in HOSTILE_EVENTS:
        key = ("events", "quarantined", reason)
        expected[key] = expected.get(key, 0) + 1
    expected[("events", "duplicate", "none")] = 2
    expected[("events", "conflicting_duplicate", "none")] = 2
    expected[("users", "quarantined", "created_in_future")] = 1
    expected[("users", "quarantined", "updated_in_future")] = 1
    expected[("survey_responses", "quarantined", "responded_in_future")] = 1
    assert _added(database, clean[1]) == expected


def test_values_as_loaders_deliver_them_are_read_or_quarantined(
    tmp_path: Path, clean: tuple[Path, Path]
) -> None:
    """Timestamps as ISO 8601 text (offsets converted to UTC) or with time zone, scores and
    items as doubles: the same rows give the same numbers; text that is no timestamp and scores
    that are not whole numbers (never rounded) are quarantined, one reason each."""
    iso = "strftime({column}, '%Y-%m-%dT%H:%M:%S.%fZ')"
    shifted = "strftime({column} + interval 2 hour, '%Y-%m-%d %H:%M:%S.%f') || '+02:00'"
    events = (
        "select event_id, user_id, anonymous_id, session_id, event_name, "
        f"{iso.format(column='occurred_at')} as occurred_at, "
        f"{shifted.format(column='received_at')} as received_at, properties from events "
        "union all select 'h_text', 'u_h1', null, null, 'page_viewed', 'yesterday', "
        "'2026-10-01T00:00:00Z', null "
        "union all select 'h_text_2', 'u_h1', null, null, 'page_viewed', "
        "'2026-10-01T00:00:00Z', '2026-02-30 10:00:00', null "
        # a date alone is UTC midnight, whatever the session's zone: exactly the skew limit
        # after its delivery (not clock_skew), so the properties decide its reason
        "union all select 'h_date_only', 'u_h1', null, null, 'page_viewed', "
        "'2026-10-02', '2026-10-01t00:00:00z', '[1]'"
    )
    surveys = (
        "select response_id, survey, cast(item as double) as item, "
        "cast(score as double) as score, user_id, responded_at from survey_responses "
        "union all select 'r_frac', 'csat', 1.0, 5.4, null, timestamp '2026-10-01' "
        "union all select 'r_nan', 'csat', 1.0, 'nan'::double, null, timestamp '2026-10-01' "
        "union all select 'r_inf', 'nps', 1.0, 'inf'::double, null, timestamp '2026-10-01' "
        "union all select 'r_item', 'sus', 2.5, 3.0, null, timestamp '2026-10-01'"
    )
    users = (
        "select user_id, timezone('UTC', created_at) as created_at, "
        "timezone('UTC', updated_at) as updated_at, email, country, plan, acquisition_channel "
        "from users"
    )
    statements = {"events": events, "survey_responses": surveys, "users": users}
    # A session time zone that is not UTC: text and timestamptz must not depend on it.
    database, result = _build_hostile(tmp_path, clean, statements, {"TZ": "America/New_York"})
    assert result.returncode == 0, result.stdout[-4000:]

    assert _kpi_values(database) == _kpi_values(clean[1])
    assert _added(database, clean[1]) == {
        ("events", "quarantined", "unreadable_occurred_at"): 1,
        ("events", "quarantined", "unreadable_received_at"): 1,
        ("events", "quarantined", "properties_not_json_object"): 1,
        ("survey_responses", "quarantined", "score_not_whole_number"): 3,
        ("survey_responses", "quarantined", "item_not_whole_number"): 1,
    }


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (
            {"events": "select * exclude (properties) from events"},
            "has no column properties (expected text). Add or rename the column, or set var"
            " `kpikit_events`",
        ),
        (
            {"events": "select * replace (occurred_at is not null as occurred_at) from events"},
            "has column occurred_at of type boolean, which cannot hold a timestamp (or ISO 8601"
            " text)",
        ),
        (
            {"survey_responses": "select * replace (null as response_id) from survey_responses"},
            "kpikit: the survey_responses input has no valid row ({rows} rows: {rows}"
            " null_response_id). Fix the feed",
        ),
    ],
    ids=["missing_column", "impossible_type", "no_valid_row"],
)
def test_contract_breach_stops_with_one_message(
    statements: dict[str, str], message: str, tmp_path: Path, clean: tuple[Path, Path]
) -> None:
    raw = _rewrite(clean[0], tmp_path / "raw", statements)
    selection = ["--select", "+stg_raw__survey_responses", "+stg_raw__events"]
    result = _dbt(tmp_path / "build", raw, "run", *selection)
    assert result.returncode != 0
    rows = duckdb.sql(f"select count(*) from '{raw}/survey_responses.parquet'").fetchall()[0][0]
    expected = message.format(rows=rows)
    assert expected in " ".join(result.stdout.split()), result.stdout[-3000:]


def test_backfill_outside_the_lookback_stops_the_marts(
    tmp_path: Path, clean: tuple[Path, Path]
) -> None:
    """Rows loaded later than the incremental lookback allows are missed by an incremental run:
    the reconciliation fails before any mart is rebuilt (kpi_values stays the last good one),
    and its message names the lookback that reads them, which then reconciles."""
    work_dir = tmp_path / "build"
    work_dir.mkdir()
    shutil.copy(clean[1], work_dir / "warehouse.duckdb")
    backfill = " union all ".join(
        f"select 'h_backfill_{index}', 'u_backfill', null, null, 'page_viewed', "
        f"timestamp '2026-10-11 10:00:00', timestamp '2026-10-11 10:0{index}:00', null"
        for index in range(5)
    )
    raw = _rewrite(
        clean[0], tmp_path / "raw", {"events": f"select * from events union all {backfill}"}
    )

    result = _dbt(work_dir, raw, "build", *SELECTION)

    assert result.returncode != 0
    output = " ".join(result.stdout.split())
    assert "FAIL 1 rows_reconcile_stg_raw__events" in output, output[-3000:]
    match = re.search(r"run once with --vars '\{incremental_lookback_days: (\d+)\}'", output)
    assert match, output[-3000:]
    assert "accounts for" in output and "nothing downstream is rebuilt" in output
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    status = {result["unique_id"]: result["status"] for result in results}
    assert status["model.kpikit.kpi_values.v1"] == "skipped"
    assert status["model.kpikit.int_events_identified"] == "skipped"
    assert _kpi_values(work_dir / "warehouse.duckdb") == _kpi_values(clean[1])

    lookback = int(match.group(1))
    rerun = _dbt(
        work_dir,
        raw,
        "build",
        *SELECTION,
        "--vars",
        f'{{raw_path: "{raw}", incremental_lookback_days: {lookback}}}',
    )
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert "PASS rows_reconcile_stg_raw__events" in rerun.stdout
