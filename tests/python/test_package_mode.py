"""kpikit installed as a package in a team's own dbt project (integration_tests/), on its data.

The integration project installs the repository as a local package and builds it on the same
generated events written in four layouts (`kpikit shape`, with timestamps with time zone):
kpikit's native tables read through a model of the team's, Segment with per-event tables,
Segment with a JSON properties column, and Snowplow's atomic events. Every layout must give
kpi_values equal row for row to the standalone project's build of the native files, under a
session time zone that is not UTC. The team's own registry and custom KPI reach kpi_values,
the scorecard and the report; two targets with their own schemas share one warehouse; and a
wrong input or adapter var stops the run with one message naming what to set.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import KPI_VALUES_COLUMNS, read_kpi_values
from dbt_project import REPO_ROOT, VENV_BIN, dbt_environment, run_checked

SEED = 7
CUSTOM_KPI = "paid_signup_share"
SESSION_TIME_ZONE = "America/Los_Angeles"
# Each layout's vars (var `shape` makes the project's on-run-start expose its files as tables).
LAYOUTS: dict[str, dict[str, str]] = {
    "native": {},
    "segment": {"kpikit_tracker": "segment"},
    "segment_json": {"kpikit_tracker": "segment", "segment_properties_column": "properties"},
    "snowplow": {"kpikit_tracker": "snowplow"},
}


@pytest.fixture(scope="module")
def integration_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of integration_tests/ whose packages.yml installs this repository, after deps."""
    project = tmp_path_factory.mktemp("package_mode") / "project"
    shutil.copytree(
        REPO_ROOT / "integration_tests",
        project,
        ignore=shutil.ignore_patterns("target", "dbt_packages", "logs", "tmp", "*.duckdb*"),
    )
    (project / "packages.yml").write_text(f"packages:\n  - local: {REPO_ROOT}\n")
    result = _dbt(project, ["deps"], project / "deps")
    assert result.returncode == 0, result.stdout[-2000:]
    return project


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory, generated_raw: Callable[[int], Path]) -> Path:
    """The generated events (seed SEED) written in every layout, timestamps with time zone."""
    root = tmp_path_factory.mktemp("layouts")
    for layout in LAYOUTS:
        run_checked(
            [
                str(VENV_BIN / "kpikit"),
                "shape",
                "--from",
                str(generated_raw(SEED)),
                "--out",
                str(root / layout),
                "--shape",
                layout,
                "--timestamptz",
            ],
            None,
            f"kpikit shape {layout}",
        )
    return root


def _dbt(
    project: Path,
    arguments: list[str],
    work_dir: Path,
    variables: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run dbt in the integration project, its warehouse and build files under work_dir."""
    environment = dbt_environment(work_dir)
    # DBT_PROJECT_DIR too: `make test` exports the repository's, which would win over the cwd.
    environment.update(
        DBT_PROFILES_DIR=str(project),
        DBT_PROJECT_DIR=str(project),
        DBT_TARGET="dev",
        **(env or {}),
    )
    command = [str(VENV_BIN / "dbt"), *arguments, "--log-path", str(work_dir / "logs")]
    if arguments[0] != "deps":
        command += ["--target-path", str(work_dir / "target")]
    if variables:
        vars_yaml = "{" + ", ".join(f"{key}: {value}" for key, value in variables.items()) + "}"
        command += ["--vars", vars_yaml]
    return subprocess.run(
        command, cwd=project, env=environment, capture_output=True, text=True, check=False
    )


def _build(
    project: Path,
    work_dir: Path,
    layout_dir: Path,
    layout: str,
    schema: str = "analytics",
    extra_vars: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`dbt build` of the integration project on one layout, in a non-UTC session time zone."""
    variables = {"shape": layout, "shape_path": str(layout_dir), **LAYOUTS[layout]}
    variables.update(extra_vars or {})
    return _dbt(
        project,
        ["build"],
        work_dir,
        variables,
        env={"TZ": SESSION_TIME_ZONE, "KPIKIT_TARGET_SCHEMA": schema},
    )


def _kpi_values(database: Path, schema: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = ", ".join(KPI_VALUES_COLUMNS)
        return con.execute(f"select {columns} from {schema}.kpi_values").fetchall()
    finally:
        con.close()


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda row: tuple((value is None, str(value)) for value in row))


def _reference(built_warehouse: Callable[[int, str], Path], timezone: str) -> list[tuple]:
    rows = read_kpi_values(built_warehouse(SEED, timezone))
    return _sorted([tuple(row[column] for column in KPI_VALUES_COLUMNS) for row in rows])


@pytest.mark.parametrize("layout", ["segment", "segment_json", "snowplow"])
def test_tracker_layout_gives_the_standalone_kpi_values(
    layout: str,
    tmp_path: Path,
    integration_project: Path,
    layouts: Path,
    built_warehouse: Callable[[int, str], Path],
) -> None:
    result = _build(integration_project, tmp_path, layouts / layout, layout)
    assert result.returncode == 0, result.stdout[-4000:]

    rows = _kpi_values(tmp_path / "warehouse.duckdb", "analytics_marts")
    ours = _sorted([row for row in rows if row[0] != CUSTOM_KPI])
    assert ours == _reference(built_warehouse, "UTC")
    assert any(row[0] == CUSTOM_KPI for row in rows)


def test_native_layout_in_two_targets_with_custom_kpi_scorecard_and_report(
    tmp_path: Path,
    integration_project: Path,
    layouts: Path,
    built_warehouse: Callable[[int, str], Path],
) -> None:
    """Two developers (schemas alice and bob, one in another kpi_timezone) build into one
    warehouse side by side; the team's KPI reaches kpi_values, the scorecard, the report and
    the published file of each."""
    database = tmp_path / "warehouse.duckdb"
    alice = _build(integration_project, tmp_path, layouts / "native", "native", "alice")
    assert alice.returncode == 0, alice.stdout[-4000:]
    alice_rows = _kpi_values(database, "alice_marts")
    bob = _build(
        integration_project,
        tmp_path,
        layouts / "native",
        "native",
        "bob",
        extra_vars={"kpi_timezone": "America/New_York"},
    )
    assert bob.returncode == 0, bob.stdout[-4000:]

    assert _kpi_values(database, "alice_marts") == alice_rows  # bob's build left it alone
    for schema, timezone in (("alice_marts", "UTC"), ("bob_marts", "America/New_York")):
        rows = _kpi_values(database, schema)
        ours = _sorted([row for row in rows if row[0] != CUSTOM_KPI])
        assert ours == _reference(built_warehouse, timezone), schema
        custom = [row for row in rows if row[0] == CUSTOM_KPI]
        assert custom and all(0 <= row[5] <= 1 for row in custom)

    con = duckdb.connect(str(database), read_only=True)
    try:
        scorecard = con.execute(
            "select kpi_id, latest_value from alice_marts.kpi_scorecard order by kpi_id"
        ).fetchall()
        schemas = {
            row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()
        }
    finally:
        con.close()
    # The team's registry (its own seed), not kpikit's demo one: its custom KPI has a value.
    assert [row[0] for row in scorecard] == [
        "activation_rate",
        CUSTOM_KPI,
        "time_to_activation_hours",
    ]
    assert all(value is not None for _, value in scorecard)
    assert not {"marts", "staging", "intermediate"} & schemas  # nothing outside the targets'

    for schema in ("alice_marts", "bob_marts"):
        published = tmp_path / f"{schema}.duckdb"
        report = tmp_path / f"{schema}.html"
        for command in (
            ["publish", "--database", str(database), "--schema", schema, "--out", str(published)],
            ["report", "--database", str(database), "--schema", schema, "--out", str(report)],
        ):
            run_checked([str(VENV_BIN / "kpikit"), *command], None, f"kpikit {command[0]}")
        con = duckdb.connect(str(published), read_only=True)
        try:
            count = con.execute(
                f"select count(*) from marts.kpi_values where kpi_id = '{CUSTOM_KPI}'"
            ).fetchone()
        finally:
            con.close()
        assert count and count[0] > 0
        assert "Paid signup share" in report.read_text()


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"kpikit_users": "main.no_such_users"},
            'the users input "warehouse"."main"."no_such_users" does not exist. Point kpikit'
            " at your users table with var `kpikit_users`",
        ),
        (
            {"kpikit_tracker": "segment", "segment_occurred_at_column": "client_time"},
            "has no column client_time (expected a timestamp (or ISO 8601 text)). Add or rename the"
            " column, or set var `segment_occurred_at_column`",
        ),
        (
            {"kpikit_tracker": "mixpanel"},
            "kpikit_tracker 'mixpanel' is not a tracker kpikit reads: set it to native",
        ),
    ],
)
def test_wrong_input_stops_with_one_message(
    variables: dict[str, str],
    message: str,
    tmp_path: Path,
    integration_project: Path,
    layouts: Path,
) -> None:
    layout = "segment" if variables.get("kpikit_tracker") == "segment" else "native"
    result = _dbt(
        integration_project,
        ["run", "--select", "+stg_input__users", "+stg_input__events"],
        tmp_path,
        {"shape": layout, "shape_path": str(layouts / layout), **variables},
    )
    assert result.returncode != 0
    assert message in " ".join(result.stdout.split()), result.stdout[-3000:]
