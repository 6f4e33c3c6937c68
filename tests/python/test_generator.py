"""The demo data generator (`kpikit generate`): native raw layout, determinism, every quirk,
realistic behaviour, the --events target and argument errors. Small runs only: fast."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kpikit import cli
from kpikit.generate import SHARED_DEVICE_MIN_IDS, GeneratorConfig, generate

VENV_BIN = Path(sys.executable).parent
END_DATE = date(2026, 10, 31)
HORIZON = datetime.combine(END_DATE + timedelta(days=1), datetime.min.time())
SMALL_USERS = 300
TABLES = ("users", "events", "survey_responses")

# The native raw layout: columns, types and order.
RAW_COLUMNS = {
    "users": [
        ("user_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
        ("email", "VARCHAR"),
        ("country", "VARCHAR"),
        ("plan", "VARCHAR"),
        ("acquisition_channel", "VARCHAR"),
    ],
    "events": [
        ("event_id", "VARCHAR"),
        ("user_id", "VARCHAR"),
        ("anonymous_id", "VARCHAR"),
        ("session_id", "VARCHAR"),
        ("event_name", "VARCHAR"),
        ("occurred_at", "TIMESTAMP"),
        ("received_at", "TIMESTAMP"),
        ("properties", "VARCHAR"),
    ],
    "survey_responses": [
        ("response_id", "VARCHAR"),
        ("survey", "VARCHAR"),
        ("item", "INTEGER"),
        ("score", "INTEGER"),
        ("user_id", "VARCHAR"),
        ("responded_at", "TIMESTAMP"),
    ],
}

TERMINALS = "('task_completed', 'task_failed', 'task_abandoned')"
ATTEMPTS = f"""
with started as (
    select
        json_extract_string(properties, '$.attempt_id') as attempt_id,
        min(occurred_at) as started_at
    from events
    where event_name = 'task_started' and json_valid(properties)
    group by all
),
ends as (
    select json_extract_string(properties, '$.attempt_id') as attempt_id, occurred_at
    from events
    where event_name in {TERMINALS} and json_valid(properties)
)
select
    started.attempt_id,
    started.started_at,
    count(distinct ends.occurred_at) as terminals,
    min(ends.occurred_at) as first_end
from started left join ends using (attempt_id)
group by all
"""

# One query per quirk or behaviour: each must count at least one row on a small run.
EVENT_QUIRKS = {
    "duplicate delivery (same content, later received_at)": """
        select event_id from events where event_id is not null group by event_id
        having count(*) = 2 and count(distinct received_at) = 2
            and count(distinct row(user_id, anonymous_id, session_id, event_name, occurred_at,
                                   properties)) = 1""",
    "delivered three times": """
        select event_id from events where event_id is not null group by event_id
        having count(*) >= 3""",
    "late event (received 1-10 days after)": """
        select * from events
        where received_at between occurred_at + interval 1 day and occurred_at + interval 11 day""",
    "clock skew beyond 24 h": """
        select * from events where occurred_at > received_at + interval 24 hour""",
    "small clock skew within the limit": """
        select * from events
        where occurred_at > received_at and occurred_at <= received_at + interval 24 hour""",
    "malformed JSON properties": """
        select * from events where properties is not null and not json_valid(properties)""",
    "non-object JSON properties": """
        select * from events
        where json_valid(properties) and json_type(properties) != 'OBJECT'""",
    "both ids null": "select * from events where user_id is null and anonymous_id is null",
    "null event_id": "select * from events where event_id is null",
    "null event_name": "select * from events where event_name is null",
    "null occurred_at": "select * from events where occurred_at is null",
    "user_id missing from users": """
        select * from events
        where user_id not in (select user_id from users where user_id is not null)""",
    "anonymous visitor who never signs up": """
        select anonymous_id from events where anonymous_id is not null group by all
        having count(user_id) = 0""",
    "signed_up stitching both ids": """
        select * from events
        where event_name = 'signed_up' and user_id is not null and anonymous_id is not null""",
    "passive events in a month without activity": """
        select user_id, date_trunc('month', occurred_at) from events where user_id is not null
        group by all
        having count(*) filter (where event_name in
                ('email_delivered', 'email_opened', 'push_delivered')) > 0
            and count(*) filter (where event_name not in
                ('email_delivered', 'email_opened', 'push_delivered')) = 0""",
    "task_error": "select * from events where event_name = 'task_error'",
    "task_completed": "select * from events where event_name = 'task_completed'",
    "task_failed": "select * from events where event_name = 'task_failed'",
    "task_abandoned": "select * from events where event_name = 'task_abandoned'",
    "orphan task events": f"""
        select * from events
        where event_name in {TERMINALS[:-1]}, 'task_error') and json_valid(properties)
            and json_extract_string(properties, '$.attempt_id') not in (
                select json_extract_string(properties, '$.attempt_id') from events
                where event_name = 'task_started' and json_valid(properties)
                    and json_extract_string(properties, '$.attempt_id') is not null)""",
    "attempt with a terminal event after 30 minutes": f"""
        select * from ({ATTEMPTS}) where first_end > started_at + interval 30 minute""",
    "attempt without terminal event (times out)": f"""
        select * from ({ATTEMPTS})
        where terminals = 0 and started_at < timestamp '{HORIZON}' - interval 1 day""",
    "attempt with two terminal events": f"select * from ({ATTEMPTS}) where terminals >= 2",
    "attempt still in progress at the end": f"""
        select * from ({ATTEMPTS})
        where terminals = 0 and started_at >= timestamp '{HORIZON}' - interval 30 minute
            and started_at < timestamp '{HORIZON}'""",
    "activation within 7 days": """
        select * from events join users using (user_id)
        where event_name = 'project_created'
            and occurred_at between created_at and created_at + interval 7 day""",
    "activation after 7 days": """
        select user_id from events join users using (user_id)
        where event_name = 'project_created' group by all
        having min(occurred_at) > min(created_at) + interval 7 day""",
    "order within 7 days of sign-up": """
        select * from events join users using (user_id)
        where event_name = 'order_completed'
            and occurred_at between created_at and created_at + interval 7 day""",
    "order after 7 days": """
        select * from events join users using (user_id)
        where event_name = 'order_completed' and occurred_at > created_at + interval 7 day""",
}

USER_QUIRKS = {
    "re-exported user (earlier updated_at, other plan)": """
        select user_id from users where user_id is not null group by all
        having count(distinct updated_at) > 1 and count(distinct plan) > 1""",
    "null user_id": "select * from users where user_id is null",
    "null created_at": "select * from users where created_at is null",
    "null email": "select * from users where email is null",
    "email like user123@example.com": "select * from users where email like 'user%@example.com'",
    "null country": "select * from users where country is null",
    "null plan": "select * from users where plan is null",
    "null acquisition_channel": "select * from users where acquisition_channel is null",
}

# Shared device: anonymous_ids seen with two or more user_ids ...
SHARED_DEVICES = """
    select anonymous_id from events where anonymous_id is not null and user_id is not null
    group by all having count(distinct user_id) >= 2"""
# ... and those first seen with another user than the one that signed up on them, in a session
# received after the sign-up: their stitch changes once that session arrives.
RESTITCHED_DEVICES = """
    with signed_up as (
        select anonymous_id, user_id as owner, min(received_at) as signed_up_received_at
        from events where event_name = 'signed_up' and anonymous_id is not null
            and user_id is not null
        group by all
    ),
    first_seen as (
        select anonymous_id, arg_min(user_id, (occurred_at, user_id)) as first_user,
            arg_min(received_at, (occurred_at, user_id)) as first_received_at
        from events where anonymous_id is not null and user_id is not null
            and occurred_at is not null
        group by all
    )
    select anonymous_id from signed_up join first_seen using (anonymous_id)
    where first_user != owner and first_received_at > signed_up_received_at"""

SURVEY_QUIRKS = {
    "incomplete SUS response": """
        select response_id from survey_responses where survey = 'sus' group by all
        having count(distinct item) filter (where item between 1 and 10) < 10""",
    "score out of range": """
        select * from survey_responses
        where (survey = 'nps' and score not between 0 and 10)
            or (survey in ('csat', 'sus') and score not between 1 and 5)""",
    "null score": "select * from survey_responses where score is null",
    "unknown survey": """
        select * from survey_responses where survey not in ('nps', 'csat', 'sus')""",
    "sus item 11": "select * from survey_responses where survey = 'sus' and item = 11",
    "nps item 2": "select * from survey_responses where survey = 'nps' and item = 2",
    "row repeated with the same (response_id, item)": """
        select response_id, item from survey_responses where response_id is not null
        group by all having count(*) > 1""",
    "null response_id": "select * from survey_responses where response_id is null",
    "null responded_at": "select * from survey_responses where responded_at is null",
}


def _connect(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in TABLES:
        con.execute(
            f"create view {table} as select * from read_parquet('{folder / table}.parquet')"
        )
    return con


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _generate(out: Path, **changes: Any) -> Path:
    """Generate with the small run's settings, but for `changes`, through the Python API."""
    small = GeneratorConfig(out_dir=out, seed=7, users=SMALL_USERS, end_date=END_DATE)
    generate(dataclasses.replace(small, **changes))
    return out


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run through the installed `kpikit` script."""
    out = tmp_path_factory.mktemp("generator") / "small"
    result = subprocess.run(
        [
            str(VENV_BIN / "kpikit"),
            "generate",
            "--out",
            str(out),
            "--seed",
            "7",
            "--users",
            str(SMALL_USERS),
            "--end-date",
            END_DATE.isoformat(),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "" and result.stderr == "", "--quiet must print nothing"
    return out


@pytest.fixture(scope="module")
def small(small_run: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _connect(small_run)
    yield con
    con.close()


def test_files_and_schema_match_spec(small_run: Path, small: duckdb.DuckDBPyConnection) -> None:
    assert sorted(path.name for path in small_run.iterdir()) == sorted(
        f"{table}.parquet" for table in TABLES
    ), "only the three tables, no leftover temporary files"
    for table, columns in RAW_COLUMNS.items():
        described = small.execute(f"describe select * from {table}").fetchall()
        assert [(row[0], row[1]) for row in described] == columns, table


def test_same_arguments_give_identical_tables(tmp_path: Path, small_run: Path) -> None:
    again = _generate(tmp_path / "again")
    con = duckdb.connect()
    for table in TABLES:
        first = f"read_parquet('{small_run / table}.parquet', file_row_number = true)"
        second = f"read_parquet('{again / table}.parquet', file_row_number = true)"
        differences = _scalar(
            con,
            f"select count(*) from ((from {first} except all from {second})"
            f" union all (from {second} except all from {first}))",
        )
        assert differences == 0, f"{table} differs between two runs with the same arguments"


def test_other_seed_gives_other_data(tmp_path: Path, small_run: Path) -> None:
    other = _generate(tmp_path / "other", seed=8)
    con = duckdb.connect()
    for table in TABLES:
        only_in_first = _scalar(
            con,
            f"select count(*) from (from '{small_run / table}.parquet'"
            f" except all from '{other / table}.parquet')",
        )
        assert only_in_first > 0, table


def test_existing_files_are_replaced(tmp_path: Path) -> None:
    out = _generate(tmp_path / "out", users=50)
    first = _scalar(_connect(out), "select count(*) from users")
    _generate(out, users=80)
    assert _scalar(_connect(out), "select count(*) from users") != first
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)


@pytest.mark.parametrize("quirk", list(EVENT_QUIRKS))
def test_event_quirk_present(small: duckdb.DuckDBPyConnection, quirk: str) -> None:
    assert _scalar(small, f"select count(*) from ({EVENT_QUIRKS[quirk]})") > 0


@pytest.mark.parametrize("quirk", list(USER_QUIRKS))
def test_user_quirk_present(small: duckdb.DuckDBPyConnection, quirk: str) -> None:
    assert _scalar(small, f"select count(*) from ({USER_QUIRKS[quirk]})") > 0


@pytest.mark.parametrize("quirk", list(SURVEY_QUIRKS))
def test_survey_quirk_present(small: duckdb.DuckDBPyConnection, quirk: str) -> None:
    assert _scalar(small, f"select count(*) from ({SURVEY_QUIRKS[quirk]})") > 0


def _assert_shared_devices(con: duckdb.DuckDBPyConnection) -> None:
    """Both kinds of shared device, at least SHARED_DEVICE_MIN_IDS each."""
    shared = _scalar(con, f"select count(*) from ({SHARED_DEVICES})")
    restitched = _scalar(con, f"select count(*) from ({RESTITCHED_DEVICES})")
    assert shared >= 2 * SHARED_DEVICE_MIN_IDS, f"{shared} anonymous_ids with two user_ids"
    assert restitched >= SHARED_DEVICE_MIN_IDS, f"{restitched} re-stitched anonymous_ids"


def test_shared_device_quirk_present(small: duckdb.DuckDBPyConnection) -> None:
    _assert_shared_devices(small)
    identified = _scalar(
        small,
        "select count(distinct anonymous_id) from events where user_id is not null",
    )
    shared = _scalar(small, f"select count(*) from ({SHARED_DEVICES})")
    assert shared / identified < 0.05, "shared devices stay rare"


def test_quirks_stay_rare(small: duckdb.DuckDBPyConnection) -> None:
    total = _scalar(small, "select count(*) from events")
    duplicates = _scalar(small, "select count(*) - count(distinct event_id) from events")
    skewed = _scalar(
        small, "select count(*) from events where occurred_at > received_at + interval 24 hour"
    )
    assert 0.01 < duplicates / total < 0.04
    assert skewed / total < 0.005


def test_nothing_received_after_the_export(small: duckdb.DuckDBPyConnection) -> None:
    assert _scalar(small, "select max(received_at) from events") <= HORIZON
    after_end = _scalar(
        small,
        f"select count(*) from events where occurred_at >= timestamp '{HORIZON}'"
        " and occurred_at <= received_at + interval 24 hour",
    )
    assert after_end == 0, "only clock-skewed events may occur after the end date"
    assert _scalar(small, "select max(updated_at) from users") >= HORIZON - timedelta(days=1)
    assert _scalar(small, "select max(responded_at) from survey_responses") < HORIZON


def test_realistic_behaviour(small: duckdb.DuckDBPyConnection) -> None:
    steps = small.execute(
        """
        select
            count(distinct coalesce(user_id, anonymous_id))
                filter (where event_name = 'page_viewed'),
            count(distinct user_id) filter (where event_name = 'signed_up'),
            count(distinct user_id) filter (where event_name = 'order_completed')
        from events
        """
    ).fetchone()
    assert steps is not None
    viewed, signed_up, ordered = steps
    assert viewed > signed_up > ordered > 0, "the funnel narrows"

    in_product = _scalar(
        small,
        """select avg(case when session_id is not null then 1 else 0 end) from events
        where event_name not in ('email_delivered', 'email_opened', 'push_delivered')""",
    )
    assert in_product > 0.9, "session_id on most in-product events"

    features = small.execute(
        """select json_extract_string(properties, '$.feature') as feature, count(*) as uses
        from events where event_name = 'feature_used' and json_valid(properties)
            and json_type(properties) = 'OBJECT'
        group by all order by uses desc"""
    ).fetchall()
    assert len(features) == 6 and features[0][0] == "search", "Zipf-like feature popularity"
    tasks = _scalar(
        small,
        """select count(distinct json_extract_string(properties, '$.task_id')) from events
        where event_name = 'task_started' and json_valid(properties)""",
    )
    assert tasks == 5

    nps, sus_odd, sus_even = small.execute(
        """select
            avg(score) filter (where survey = 'nps' and score between 0 and 10),
            avg(score) filter (where survey = 'sus' and item in (1, 3, 5, 7, 9)),
            avg(score) filter (where survey = 'sus' and item in (2, 4, 6, 8, 10))
        from survey_responses"""
    ).fetchone() or (None, None, None)
    assert nps > 6.5, "NPS answers lean positive"
    assert sus_odd > 3 > sus_even, "SUS odd items positive, even items negative"

    retained = small.execute(
        """
        with signups as (
            select user_id, min(created_at)::date as signup_day from users group by all
        ),
        active as (
            select distinct user_id, occurred_at::date as day from events
            where event_name not in ('email_delivered', 'email_opened', 'push_delivered')
        )
        select
            avg(case when exists (from active where active.user_id = signups.user_id
                and active.day = signup_day + 1) then 1 else 0 end),
            avg(case when exists (from active where active.user_id = signups.user_id
                and active.day = signup_day + 7) then 1 else 0 end)
        from signups where signup_day + 7 <= date '2026-10-31'
        """
    ).fetchone()
    assert retained is not None and retained[0] > retained[1] > 0, "retention decays"


def test_events_target_with_users_scales_activity(tmp_path: Path) -> None:
    out = _generate(tmp_path / "scaled", events=200_000)
    con = _connect(out)
    rows = _scalar(con, "select count(*) from events")
    assert 170_000 <= rows <= 230_000
    _assert_shared_devices(con)


def test_events_target_alone_sets_the_number_of_users(tmp_path: Path) -> None:
    out = tmp_path / "derived"
    generate(GeneratorConfig(out_dir=out, seed=3, end_date=END_DATE, events=200_000))
    con = _connect(out)
    rows = _scalar(con, "select count(*) from events")
    assert 170_000 <= rows <= 230_000
    assert _scalar(con, "select count(distinct user_id) from users") != 2000
    _assert_shared_devices(con)


def test_summary_and_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "talkative"
    args = ["generate", "--out", str(out), "--users", "40", "--end-date", "2026-10-31"]
    assert cli.main(args) == 0
    captured = capsys.readouterr()
    for table in TABLES:
        assert f"{table}.parquet" in captured.out
    assert "s] " in captured.err, "stage lines with elapsed seconds on stderr"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--users", "0"], "must be positive"),
        (["--users", "-3"], "must be positive"),
        (["--users", "many"], "expected a whole number"),
        (["--days", "0"], "must be positive"),
        (["--events", "0"], "must be positive"),
        (["--seed", "-1"], "must not be negative"),
        (["--end-date", "2026-02-30"], "expected a date YYYY-MM-DD"),
        (["--end-date", "31/10/2026"], "expected a date YYYY-MM-DD"),
    ],
)
def test_bad_arguments_exit_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", "--out", str(tmp_path / "never"), *arguments])
    assert exit_info.value.code != 0
    assert message in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_unusable_out_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert cli.main(["generate", "--out", str(blocker), "--users", "10", "--quiet"]) == 1
    assert "kpikit generate: error:" in capsys.readouterr().err


def test_missing_out_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate"])
    assert exit_info.value.code == 2
    assert "--out" in capsys.readouterr().err
