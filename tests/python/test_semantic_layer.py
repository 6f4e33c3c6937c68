"""The MetricFlow semantic layer must validate and reproduce marts.kpi_values.

On a warehouse built from generated data (in a non-UTC reporting time zone, so that metric_time
must be the local month of the marts), `mf validate-configs` runs the semantic and data-warehouse
validations, and four `mf query` calls (every month-grain KPI overall, the day-grain KPIs, the
task KPIs per task_id, feature adoption per feature) must give the same rows as kpi_values: the
same (period, dimension value) keys wherever the metric is not null, and the same values to a
relative tolerance of 1e-9.

`mf` reads `<project>/target/semantic_manifest.json` and has no option to look elsewhere, so the
test parses a copy of the project in its own folder and runs `mf` there: it never touches the
repository's target/.
"""

from __future__ import annotations

import csv
import math
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import read_kpi_values
from dbt_project import REPO_ROOT, VENV_BIN, copy_project, dbt_command, dbt_environment, run_checked

SEED = 7
TIMEZONE = "America/Los_Angeles"
RELATIVE_TOLERANCE = 1e-9
SPINE_MODEL = "dim_time_spine_daily"

# MetricFlow is an optional dependency group (`make env-all`, which `make test` runs).
pytestmark = pytest.mark.skipif(
    not (VENV_BIN / "mf").exists(), reason="mf not installed: uv sync --group metricflow"
)


@dataclass(frozen=True)
class MetricQuery:
    """One `mf query` and the kpi_values rows it must reproduce."""

    name: str
    metrics: dict[str, str]  # metric -> kpi_id
    grain: str  # kpi_values grain, also the metric_time granularity queried
    dimension: str = "all"  # kpi_values dimension
    group_by: str | None = None  # the MetricFlow dimension matching dimension_value


QUERIES = (
    MetricQuery(
        "month_all",
        {
            "task_success_rate": "task_success_rate",
            "time_on_task_seconds": "time_on_task_seconds",
            "task_error_rate": "task_error_rate",
            "dau": "dau",
            "mau": "mau",
            "stickiness": "stickiness",
            "churn_rate": "churn_rate",
            "activation_rate": "activation_rate",
            "time_to_activation_hours": "time_to_activation_hours",
            "retention_d1": "retention_d1",
            "retention_d7": "retention_d7",
            "retention_d30": "retention_d30",
            "nps": "nps",
            "csat": "csat",
            "sus": "sus",
            "conversion_rate": "conversion_rate",
        },
        grain="month",
    ),
    MetricQuery(
        "day_all",
        {"dau": "dau", "wau": "wau", "mau_daily": "mau", "stickiness_daily": "stickiness"},
        grain="day",
    ),
    MetricQuery(
        "month_per_task",
        {
            "task_success_rate": "task_success_rate",
            "time_on_task_seconds": "time_on_task_seconds",
            "task_error_rate": "task_error_rate",
        },
        grain="month",
        dimension="task_id",
        group_by="task_attempt__task_id",
    ),
    MetricQuery(
        "month_per_feature",
        {"feature_adoption_rate": "feature_adoption_rate"},
        grain="month",
        dimension="feature",
        group_by="feature_adoption_month__feature",
    ),
)


@dataclass(frozen=True)
class SemanticProject:
    """A parsed copy of the project whose `mf` reads a built warehouse."""

    directory: Path
    database: Path
    env: dict[str, str]

    def mf(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(VENV_BIN / "mf"), *arguments],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )


@pytest.fixture(scope="module")
def semantic_project(
    tmp_path_factory: pytest.TempPathFactory,
    generated_raw: Callable[[int], Path],
    built_warehouse: Callable[[int, str], Path],
) -> SemanticProject:
    database = built_warehouse(SEED, TIMEZONE)
    work_dir = database.parent
    env = dbt_environment(work_dir)
    variables = {"kpi_timezone": TIMEZONE}
    # The warehouse holds +kpi_values (every fact the semantic models read); add the time spine.
    run_checked(
        [
            *dbt_command(
                "run",
                project=REPO_ROOT,
                work_dir=work_dir,
                raw_dir=generated_raw(SEED),
                variables=variables,
            ),
            "--select",
            SPINE_MODEL,
        ],
        env,
        "dbt run (time spine)",
    )
    project = copy_project(tmp_path_factory.mktemp("semantic") / "project")
    # Parsed with the warehouse's DUCKDB_PATH: the semantic manifest names its database.
    run_checked(
        dbt_command(
            "parse",
            project=project,
            work_dir=project,  # target/ inside the copy, where mf looks for it
            raw_dir=generated_raw(SEED),
            variables=variables,
        ),
        env,
        "dbt parse (project copy)",
    )
    mf_env = {**env, "DBT_PROJECT_DIR": str(project), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    return SemanticProject(directory=project, database=database, env=mf_env)


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + "\n" + result.stderr)[-6000:]


def test_mf_validate_configs(semantic_project: SemanticProject) -> None:
    result = semantic_project.mf("validate-configs", "--show-all")
    assert result.returncode == 0, _output(result)
    # The semantic checks and every data-warehouse check (semantic models, dimensions, entities,
    # measures, metrics: each one runs a query against the warehouse).
    summaries = re.findall(r"ERRORS: (\d+), FUTURE_ERRORS: (\d+)", result.stdout)
    assert len(summaries) == 6, _output(result)
    assert all(errors == "0" and future == "0" for errors, future in summaries), _output(result)


def _kpi_values(database: Path, query: MetricQuery) -> dict[tuple[str, str, str], float]:
    """(kpi_id, period_start, dimension_value) -> value of the rows the query must reproduce."""
    kpi_ids = set(query.metrics.values())
    return {
        (row["kpi_id"], row["period_start"].isoformat(), row["dimension_value"]): row["value"]
        for row in read_kpi_values(database)
        if row["kpi_id"] in kpi_ids
        and row["grain"] == query.grain
        and row["dimension"] == query.dimension
    }


def _mf_values(
    project: SemanticProject, query: MetricQuery, out: Path
) -> dict[tuple[str, str, str], float]:
    """The same keys from `mf query`; null metric values (no kpi_values row) are left out."""
    time_column = f"metric_time__{query.grain}"
    group_by = [time_column, *([query.group_by] if query.group_by else [])]
    result = project.mf(
        "query",
        "--metrics",
        ",".join(query.metrics),
        "--group-by",
        ",".join(group_by),
        "--csv",
        str(out),
        "--quiet",
    )
    assert result.returncode == 0, _output(result)
    with out.open(newline="") as file:
        rows: list[dict[str, Any]] = list(csv.DictReader(file))
    values = {}
    for row in rows:
        period = row[time_column][:10]  # "2026-07-01 00:00:00" -> "2026-07-01"
        dimension_value = row[query.group_by] if query.group_by else "all"
        if dimension_value == "":  # attempts without a task_id are only in `all`
            continue
        for metric, kpi_id in query.metrics.items():
            if row[metric] != "":
                values[(kpi_id, period, dimension_value)] = float(row[metric])
    return values


@pytest.mark.parametrize("query", QUERIES, ids=[query.name for query in QUERIES])
def test_metrics_match_kpi_values(
    query: MetricQuery, semantic_project: SemanticProject, tmp_path: Path
) -> None:
    # Read kpi_values first: the file must be closed while mf opens it.
    expected = _kpi_values(semantic_project.database, query)
    actual = _mf_values(semantic_project, query, tmp_path / f"{query.name}.csv")

    # The generated data exercise every KPI queried, so an empty result cannot pass.
    assert {key[0] for key in expected} == set(query.metrics.values())
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing, f"{len(missing)} kpi_values rows not returned by mf: {missing[:10]}"
    assert not extra, f"{len(extra)} mf rows not in kpi_values: {extra[:10]}"
    mismatches = [
        f"{key}: kpi_values {expected[key]!r}, mf {actual[key]!r}"
        for key in sorted(expected)
        if not math.isclose(expected[key], actual[key], rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    ]
    assert not mismatches, f"{len(mismatches)} values differ:\n" + "\n".join(mismatches[:20])
