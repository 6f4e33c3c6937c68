"""Bad configuration stops the run with a clear message, never a wrong number."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from dbt_project import REPO_ROOT, dbt_command, dbt_environment

# Every invalid value at once: validate_config (on-run-start) reports them all in one message.
# (The time zone is checked against the warehouse, so only once the run executes: see below.)
INVALID_VARS = {
    "activation_window_days": "-1",
    "retention_days": "[1, 1]",
    "mau_window_days": "2.5",
    "passive_events": "email_opened",
    "incremental_lookback_days": "-3",
}
EXPECTED_MESSAGES = [
    "kpikit: invalid configuration",
    "activation_window_days must be a positive whole number, got '-1'",
    "retention_days must not repeat a day",
    "mau_window_days must be a positive whole number, got '2.5'",
    "passive_events must be a list of event names",
    "incremental_lookback_days must be a whole number >= 0, got '-3'",
]


def test_invalid_configuration_stops_the_run(tmp_path: Path) -> None:
    work_dir = tmp_path / "build"
    vars_yaml = "{" + ", ".join(f"{key}: {value}" for key, value in INVALID_VARS.items()) + "}"
    result = run_as_of_date_model(work_dir, raw_dir=tmp_path, vars_yaml=vars_yaml)

    assert result.returncode != 0
    missing = [message for message in EXPECTED_MESSAGES if message not in result.stdout]
    assert not missing, f"messages not shown: {missing}\n{result.stdout[-3000:]}"
    assert "OK created" not in result.stdout


def test_unknown_time_zone_stops_the_run(tmp_path: Path) -> None:
    result = run_as_of_date_model(
        tmp_path / "build", raw_dir=tmp_path, vars_yaml="{kpi_timezone: Mars/Olympus_Mons}"
    )

    assert result.returncode != 0
    assert "kpi_timezone 'Mars/Olympus_Mons' is not a time zone this warehouse knows" in (
        result.stdout
    )


def test_empty_funnel_stops_the_parse(tmp_path: Path) -> None:
    result = run_as_of_date_model(
        tmp_path / "build", raw_dir=tmp_path, vars_yaml="{conversion_steps: []}"
    )

    assert result.returncode != 0
    assert "conversion_steps' must be a non-empty list of event names" in result.stdout


def test_bad_worker_threads_stop_the_run(
    tmp_path: Path, generated_raw: Callable[[int], Path]
) -> None:
    result = run_as_of_date_model(
        tmp_path / "build", raw_dir=generated_raw(7), env={"DUCKDB_WORKER_THREADS": "two"}
    )

    assert result.returncode != 0
    assert "DUCKDB_WORKER_THREADS must be a positive whole number, got 'two'" in result.stdout


def run_as_of_date_model(
    work_dir: Path,
    *,
    raw_dir: Path,
    vars_yaml: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    command = dbt_command("run", project=REPO_ROOT, work_dir=work_dir, raw_dir=raw_dir)
    if vars_yaml is not None:
        command[command.index("--vars") + 1] = vars_yaml
    return subprocess.run(
        [*command, "--select", "int_as_of_date"],
        cwd=REPO_ROOT,
        env={**dbt_environment(work_dir), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_raw_file_is_named(tmp_path: Path) -> None:
    raw_dir = tmp_path / "empty_raw"
    raw_dir.mkdir()

    result = run_as_of_date_model(tmp_path / "build", raw_dir=raw_dir)

    assert result.returncode != 0
    assert f"raw_path '{raw_dir}' has no users.parquet" in result.stdout, result.stdout[-3000:]
