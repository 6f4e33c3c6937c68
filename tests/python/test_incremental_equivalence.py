"""Incremental runs must give exactly the numbers of a full rebuild, and a run without new data
must change nothing.

The generated raw data are replayed as a scheduler would see them (kpikit.batches): four cuts by
received_at, each held back in part as late loads (rows whose received_at falls before the cut
but which reach the raw table only with the next cut), with `dbt run` after each cut on the same
warehouse. The data are checked to really straddle the cuts: copies of one event loaded with
different cuts (the first received among them loaded last, so it must replace a stored winner),
late events (occurred before a cut, received after it), late loads, anonymous visitors
identified only after a cut, and anonymous ids whose stitch moves to another user after a cut
(the generator's shared devices). The marts and kpi_values of the last run must
equal a --full-refresh build of all the data, row for row; a fifth run on the same data must
leave every table as it was (the incremental models rewrite no row).

A device identified three times, each time earlier and as another user, with the funnel left out
of the middle run, checks that the funnel notices the stitch change it missed and recomputes
everyone (the stored stitch names only the last user it replaced).

A negative control replays two cuts with var incremental_lookback_days 0: the late loads fall
outside the re-read window, so the numbers must differ from the full build and the
reconciliation test must fail, which is how the tests above could catch a broken increment.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dbt_project import REPO_ROOT, dbt_command, dbt_environment, run_checked

from kpikit.batches import held_back_sample, received_at_range, write_raw_as_of

SEED = 2024
BATCHES = 4
LATE_SHARE = 0.05  # of the events received in the last LATE_WINDOW before a cut
LATE_WINDOW = timedelta(days=2)  # inside the default lookback of 3 days
SELECTION = [
    "--select",
    "+kpi_values",
    "+fct_data_quality",
    "+fct_funnel_person_steps",
    "stg_raw__events_classified",
    "stg_raw__events_quarantine",
]
# Incremental models: bookkeeping columns differ between builds, not their data.
BOOKKEEPING_COLUMNS = {"batch_loaded_at", "replaced_user_id", "replaced_batch_loaded_at"}
# Incremental models that must rewrite nothing when no new data came.
INCREMENTAL_TABLES = (
    ("staging", "stg_raw__events_received_days"),
    ("staging", "stg_raw__events"),
    ("staging", "stg_raw__events_outcomes_daily"),
    ("intermediate", "int_anonymous_ids_stitched"),
    ("intermediate", "int_events_identified"),
    ("intermediate", "int_task_events_filtered"),
    ("intermediate", "int_activation_events"),
    ("intermediate", "int_feature_user_months"),
    ("intermediate", "int_funnel_person_steps"),
    ("marts", "fct_user_days"),
    ("marts", "fct_active_users_daily"),
    ("marts", "fct_task_attempts"),
    ("marts", "fct_funnel_person_steps"),
    ("marts", "fct_funnel_entries"),
)


def _cuts(raw_dir: Path, batches: int) -> list[datetime]:
    first, last = received_at_range(raw_dir)
    return [first + (last - first) * index / batches for index in range(1, batches + 1)]


def _dbt_run(
    work_dir: Path, raw_dir: Path, *extra: str, variables: Mapping[str, str | int] | None = None
) -> None:
    command = dbt_command(
        "run", project=REPO_ROOT, work_dir=work_dir, raw_dir=raw_dir, variables=variables
    )
    run_checked([*command, *SELECTION, *extra], dbt_environment(work_dir), "dbt run")


def _dbt_unchecked(
    subcommand: str,
    work_dir: Path,
    raw_dir: Path,
    arguments: list[str],
    variables: Mapping[str, str | int] | None = None,
) -> subprocess.CompletedProcess[str]:
    """A dbt command whose failure the test expects: the result, not an exception."""
    command = dbt_command(
        subcommand, project=REPO_ROOT, work_dir=work_dir, raw_dir=raw_dir, variables=variables
    )
    return subprocess.run(
        [*command, *arguments],
        cwd=REPO_ROOT,
        env=dbt_environment(work_dir),
        capture_output=True,
        text=True,
        check=False,
    )


def _replay(
    work_dir: Path,
    source: Path,
    cuts: list[datetime],
    variables: Mapping[str, str | int] | None = None,
) -> int:
    """Run dbt after each cut of `source`; return the number of late loads held back."""
    raw_dir = work_dir / "raw"
    held_back = 0
    for index, cut in enumerate(cuts):
        is_last = index == len(cuts) - 1
        result = write_raw_as_of(
            source, raw_dir, cut, late_share=0.0 if is_last else LATE_SHARE, late_window=LATE_WINDOW
        )
        held_back += result.events_held_back
        _dbt_run(work_dir, raw_dir, variables=variables)
    return held_back


def _fetch_all(database: Path, query: str) -> list[tuple]:
    """The rows of a query on a built warehouse file, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _tables(database: Path) -> dict[str, list[str]]:
    """schema.table -> columns, of every table the build made (views excluded)."""
    rows = _fetch_all(
        database,
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where schema_name in ('staging', 'intermediate', 'marts') "
        "and (schema_name, table_name) in "
        "(select schema_name, table_name from duckdb_tables()) "
        "order by schema_name, table_name, column_index",
    )
    tables: dict[str, list[str]] = {}
    for schema, table, column in rows:
        tables.setdefault(f"{schema}.{table}", []).append(column)
    return tables


def _differences(left: Path, right: Path, *, ignore: set[str]) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ: name -> (rows only in left, rows only in right)."""
    left_tables, right_tables = _tables(left), _tables(right)
    assert left_tables.keys() == right_tables.keys()
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as left_db (read_only)")
        con.execute(f"attach '{right}' as right_db (read_only)")
        found = {}
        for name, columns in left_tables.items():
            assert columns == right_tables[name], f"{name}: columns differ"
            listed = ", ".join(f'"{column}"' for column in columns if column not in ignore)
            counts = []
            for first, second in (("left_db", "right_db"), ("right_db", "left_db")):
                query = (
                    f"select count(*) from (select {listed} from {first}.{name} "
                    f"except all select {listed} from {second}.{name})"
                )
                counts.append(con.execute(query).fetchone()[0])
            if counts != [0, 0]:
                found[name] = (counts[0], counts[1])
    finally:
        con.close()
    return found


def _straddling(raw_dir: Path, cuts: list[datetime]) -> dict[str, int]:
    """How many events the cuts split: copies on both sides, late events, late identities,
    stitches that change after a cut."""
    con = duckdb.connect()
    try:
        con.execute("set time zone 'UTC'")
        con.execute(
            f"create view events as select * from read_parquet('{raw_dir / 'events.parquet'}')"
        )
        con.execute(
            "create table all_cuts as select * from unnest(?::timestamp[]) with ordinality "
            "as loads(cut, cut_number)",
            [cuts],
        )
        # The cuts between batches (the last one has nothing after it to straddle).
        con.execute(f"create table cuts as select cut from all_cuts where cut_number < {len(cuts)}")
        # The cut each raw event row is loaded with, by _replay's rule (kpikit.batches).
        copies_loaded = f"""copies_loaded as (
                    select events.event_id, events.received_at,
                        min(all_cuts.cut_number) as loaded_with
                    from events join all_cuts
                        on events.received_at <= all_cuts.cut
                        and not (
                            all_cuts.cut_number < {len(cuts)}
                            and events.received_at > all_cuts.cut - to_seconds(
                                {LATE_WINDOW.total_seconds()})
                            and {held_back_sample("events.received_at", LATE_SHARE)}
                        )
                    where events.event_id is not null
                    group by events.event_id, events.received_at
                )"""
        queries = {
            # Copies of one event that reach the raw table with different cuts (received on
            # both sides of a cut, or one of them held back as a late load) ...
            "copies_loaded_with_different_cuts": f"""
                with {copies_loaded}
                select count(*) from (
                    select event_id from copies_loaded group by event_id
                    having count(distinct loaded_with) > 1
                )""",
            # ... of which the first received (the winner) is loaded after another copy.
            "late_loaded_copies_winning": f"""
                with {copies_loaded}, winners as (
                    select event_id, arg_min(loaded_with, received_at) as winner_loaded_with
                    from copies_loaded group by event_id
                )
                select count(distinct copies_loaded.event_id) from copies_loaded
                join winners using (event_id)
                where copies_loaded.loaded_with < winners.winner_loaded_with""",
            "late_events_across_a_cut": """
                select count(*) from events join cuts
                    on occurred_at <= cut and received_at > cut""",
            "anonymous_ids_identified_after_a_cut": """
                with first_identified as (
                    select anonymous_id, min(received_at) as identified_at from events
                    where anonymous_id is not null and user_id is not null group by anonymous_id
                ), first_seen as (
                    select anonymous_id, min(received_at) as seen_at from events
                    where anonymous_id is not null and user_id is null group by anonymous_id
                )
                select count(*) from first_identified
                join first_seen using (anonymous_id)
                join cuts on seen_at <= cut and identified_at > cut""",
            "anonymous_ids_restitched_after_a_cut": """
                with sightings as (
                    select anonymous_id, user_id, occurred_at, received_at from events
                    where anonymous_id is not null and user_id is not null
                        and occurred_at is not null
                ), stitched as (
                    select anonymous_id, arg_min(user_id, (occurred_at, user_id)) as user_id
                    from sightings group by anonymous_id
                ), stitched_by_cut as (
                    select cut, anonymous_id,
                        arg_min(user_id, (occurred_at, user_id)) as user_id
                    from sightings join cuts on received_at <= cut group by all
                )
                select count(*) from stitched_by_cut join stitched using (anonymous_id)
                where stitched_by_cut.user_id != stitched.user_id""",
        }
        counts = {}
        for name, query in queries.items():
            rows = con.execute(query).fetchall()
            counts[name] = sum(row[0] for row in rows)
    finally:
        con.close()
    return counts


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory, generated_raw) -> Path:
    work_dir = tmp_path_factory.mktemp("full_refresh")
    _dbt_run(work_dir, generated_raw(SEED), "--full-refresh")
    return work_dir / "warehouse.duckdb"


def test_incremental_batches_equal_full_refresh(
    tmp_path: Path, generated_raw: Callable[[int], Path], full_build: Path
) -> None:
    source = generated_raw(SEED)
    cuts = _cuts(source, BATCHES)
    straddling = _straddling(source, cuts)
    assert all(count > 0 for count in straddling.values()), straddling

    held_back = _replay(tmp_path, source, cuts)
    assert held_back > 0

    incremental = tmp_path / "warehouse.duckdb"
    assert _differences(full_build, incremental, ignore=BOOKKEEPING_COLUMNS) == {}
    # The marts kept with load marks ran incrementally in the last run: they read only the
    # upstream rows loaded after their mark, the previous run's start (not 1900-01-01).
    compiled = tmp_path / "target" / "compiled" / "kpikit" / "models" / "marts"
    for mart in (
        "tasks/fct_task_attempts.sql",
        "funnel/fct_funnel_person_steps.sql",
        "funnel/fct_funnel_entries.sql",
    ):
        mark = re.search(
            r"where batch_loaded_at > cast\('([^']+)' as timestamp\)", (compiled / mart).read_text()
        )
        assert mark is not None and not mark.group(1).startswith("1900"), mart
    # fct_active_users_daily rewrote only the days from the first one whose user-days changed.
    recompute_from = re.search(
        r"where series_days\.date_day >= cast\(cast\('([^']+)' as timestamp\) as date\)",
        (compiled / "activity" / "fct_active_users_daily.sql").read_text(),
    )
    assert recompute_from is not None and recompute_from.group(1) > "2000", recompute_from

    # A run with no new data changes no data, and no load mark but the marts' (below).
    before = tmp_path / "before_rerun.duckdb"
    before.write_bytes(incremental.read_bytes())
    _dbt_run(tmp_path, tmp_path / "raw")
    changed = _differences(before, incremental, ignore=set())
    # By design one model rewrites rows on every run, with the same values and a new load mark:
    # the task attempts still in progress (the as-of date may have passed their timeout); and
    # the marts' load marks move to this run. No other table may change at all.
    assert set(changed) <= {
        "intermediate.int_task_attempts_resolved",
        "intermediate.int_mart_load_marks",  # every incremental mart's mark moves to this run
    }, changed
    assert _differences(before, incremental, ignore=BOOKKEEPING_COLUMNS) == {}
    for schema, table in INCREMENTAL_TABLES:
        assert f"{schema}.{table}" not in changed
    rewritten = _fetch_all(
        incremental,
        "select outcome, count(*) from intermediate.int_task_attempts_resolved "
        "where batch_loaded_at = (select max(batch_loaded_at) "
        "from intermediate.int_task_attempts_resolved) group by outcome",
    )
    if "intermediate.int_task_attempts_resolved" in changed:
        assert [outcome for outcome, _ in rewritten] == ["in_progress"], rewritten


def test_lookback_too_short_is_caught(
    tmp_path: Path, generated_raw: Callable[[int], Path], full_build: Path
) -> None:
    source = generated_raw(SEED)
    cuts = _cuts(source, 2)
    zero_lookback = {"incremental_lookback_days": 0}
    held_back = _replay(tmp_path, source, cuts, variables=zero_lookback)
    assert held_back > 0

    differing = _differences(full_build, tmp_path / "warehouse.duckdb", ignore=BOOKKEEPING_COLUMNS)
    assert "marts.kpi_values" in differing
    assert "staging.stg_raw__events" in differing

    result = _dbt_unchecked(
        "test",
        tmp_path,
        tmp_path / "raw",
        ["--select", "test_name:rows_reconcile,stg_raw__events"],
        variables=zero_lookback,
    )
    assert result.returncode != 0
    assert re.search(r"FAIL 1 rows_reconcile_stg_raw__events", result.stdout), result.stdout[-2000:]


def test_marts_refill_after_an_empty_rebuild(
    tmp_path: Path, generated_raw: Callable[[int], Path], full_build: Path
) -> None:
    """`--empty --full-refresh` of the marts kept with load marks empties them but writes no
    mark (it copies no row), so their old marks stay: the next run must not trust them, or the
    marts would stay empty (their upstream has nothing new). It must refill them."""
    source = generated_raw(SEED)
    _dbt_run(tmp_path, source)
    marts = ["fct_task_attempts", "fct_funnel_person_steps", "fct_funnel_entries"]
    result = _dbt_unchecked(
        "run", tmp_path, source, ["--empty", "--full-refresh", "--select", *marts]
    )
    assert result.returncode == 0, result.stdout[-3000:]
    warehouse = tmp_path / "warehouse.duckdb"
    emptied = _fetch_all(
        warehouse, " union all ".join(f"select count(*) from marts.{mart}" for mart in marts)
    )
    assert emptied == [(0,)] * len(marts)
    _dbt_run(tmp_path, source)
    assert _differences(full_build, warehouse, ignore=BOOKKEEPING_COLUMNS) == {}


def test_changed_definition_needs_full_refresh(
    tmp_path: Path, generated_raw: Callable[[int], Path]
) -> None:
    """Stored incremental rows depend on vars such as kpi_timezone: an incremental run with
    another value must stop and say to rebuild, and a --full-refresh run must then succeed."""
    source = generated_raw(SEED)
    _dbt_run(tmp_path, source)
    paris = {"kpi_timezone": "Europe/Paris"}
    result = _dbt_unchecked("run", tmp_path, source, SELECTION, variables=paris)
    assert result.returncode != 0
    assert "but this run uses" in result.stdout
    assert 'kpi_timezone="Europe/Paris"' in result.stdout
    assert "dbt build --full-refresh" in result.stdout
    _dbt_run(tmp_path, source, "--full-refresh", variables=paris)


def test_active_users_follow_a_changed_window(
    tmp_path: Path, generated_raw: Callable[[int], Path], full_build: Path
) -> None:
    """fct_active_users_daily is incremental but has no settings column: its load mark is kept
    per mau_window_days. A run with another window rewrites every row; a run back with the
    first window must not trust the mark it had left for it, or the rows would mix windows."""
    source = generated_raw(SEED)
    _dbt_run(tmp_path, source)
    _dbt_run(tmp_path, source, variables={"mau_window_days": 8})
    warehouse = tmp_path / "warehouse.duckdb"
    assert "marts.fct_active_users_daily" in _differences(full_build, warehouse, ignore=set())
    _dbt_run(tmp_path, source)
    assert _differences(full_build, warehouse, ignore=BOOKKEEPING_COLUMNS) == {}


def _write_raw_with_events(source: Path, out: Path, extra_events: list[tuple]) -> None:
    """`source`'s raw tables in `out`, with `extra_events` appended to the events."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for table in ("users", "survey_responses"):
            con.execute(
                f"copy (select * from '{source / f'{table}.parquet'}') "
                f"to '{out / f'{table}.parquet'}' (format parquet)"
            )
        events = con.sql(f"select * from '{source / 'events.parquet'}'")
        if extra_events:
            rows = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in extra_events)
            added = con.sql(
                f"select * from (values {rows}) as added("
                "event_id, user_id, anonymous_id, session_id, event_name, occurred_at, "
                "received_at, properties)",
                params=[value for event in extra_events for value in event],
            )
            events = events.union(
                added.project(
                    "event_id, user_id, anonymous_id, session_id, event_name, "
                    "cast(occurred_at as timestamp) as occurred_at, "
                    "cast(received_at as timestamp) as received_at, properties"
                )
            )
        events.write_parquet(str(out / "events.parquet"))
    finally:
        con.close()


def test_funnel_recovers_from_a_missed_stitch_change(
    tmp_path: Path, generated_raw: Callable[[int], Path]
) -> None:
    """A device is identified three times, each time earlier and as another user, in three
    runs; the funnel is left out of the middle one. The stitch of the last run names only the
    middle user as replaced, while the funnel's stored steps still credit the first user with
    the device's page view: the funnel must notice and recompute everyone, so the result still
    equals a full rebuild."""
    source = generated_raw(SEED)
    _, last_received = received_at_range(source)
    device = "a_test_shared_device"

    def at(hours: float) -> datetime:
        return last_received + timedelta(hours=hours)

    def event(number: int, user: str | None, name: str, occurred: float, received: float):
        properties = '{"path": "/pricing"}' if name == "page_viewed" else '{"method": "email"}'
        return (
            f"evt_test_{number}", user, device, f"s_test_{number}", name,
            at(occurred), at(received), properties,
        )  # fmt: skip

    batches = [
        # The device views a page anonymously, then signs in as u_test_first.
        [event(1, None, "page_viewed", -72, 1), event(2, "u_test_first", "signed_up", -24, 1)],
        # A late event: it signed in as u_test_middle before that.
        [event(3, "u_test_middle", "signed_up", -48, 2)],
        # Another late event: as u_test_last even earlier.
        [event(4, "u_test_last", "signed_up", -60, 3)],
    ]
    raw_dir = tmp_path / "raw"
    extra: list[tuple] = []
    for index, batch in enumerate(batches):
        extra += batch
        _write_raw_with_events(source, raw_dir, extra)
        skip_funnel = ["--exclude", "int_funnel_person_steps+"] if index == 1 else []
        _dbt_run(tmp_path, raw_dir, *skip_funnel)

    incremental = tmp_path / "warehouse.duckdb"
    full_dir = tmp_path / "full"
    full_dir.mkdir()
    _dbt_run(full_dir, raw_dir, "--full-refresh")
    assert (
        _differences(full_dir / "warehouse.duckdb", incremental, ignore=BOOKKEEPING_COLUMNS) == {}
    )
    stitch = _fetch_all(
        incremental,
        "select user_id, replaced_user_id, replaced_batch_loaded_at is not null "
        f"from intermediate.int_anonymous_ids_stitched where anonymous_id = '{device}'",
    )
    # The last run replaced the middle user, whose stitch the run the funnel missed stored ...
    assert stitch == [("u_test_last", "u_test_middle", True)], stitch
    # ... so the funnel recomputed every person in the last run.
    funnel_loads = _fetch_all(
        incremental,
        "select count(distinct batch_loaded_at) from intermediate.int_funnel_person_steps",
    )
    assert funnel_loads == [(1,)], funnel_loads
    first_steps = _fetch_all(
        incremental,
        "select step_name, reached_at from intermediate.int_funnel_person_steps "
        "where person_id = 'u_test_first' order by step_number",
    )
    # Without the page view of the device, now u_test_last's, u_test_first reaches no step.
    assert first_steps == [], first_steps
