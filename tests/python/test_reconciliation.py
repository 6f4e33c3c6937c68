"""Nothing is lost silently: the rows_reconcile tests must catch a staging model that drops rows.

A copy of the project whose three `*_classified` staging models each silently drop a slice of
their raw rows must fail all three reconciliation tests, while the untouched copy passes them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from dbt_project import build_project_copy, copy_project, generate_raw

# Each sabotage adds, after the model's import of its source, a filter that silently drops a
# slice of the raw rows: (anchor to find once, filter to add after it).
SABOTAGE = {
    "stg_raw__events_classified.sql": (
        "from events_source",
        "where event_name is null or event_name != 'email_opened'",
    ),
    "stg_raw__users_classified.sql": (
        "from users_source",
        "where plan is null or plan != 'free'",
    ),
    "stg_raw__survey_responses_classified.sql": (
        "from survey_responses_source",
        "where survey is null or survey != 'nps'",
    ),
}
RECONCILE_TESTS = [
    "rows_reconcile_stg_raw__events",
    "rows_reconcile_stg_raw__users",
    "rows_reconcile_stg_raw__survey_responses",
]
SELECTION = [
    "stg_input__events",
    "stg_input__users",
    "stg_input__survey_responses",
    "stg_raw__events_classified",
    "stg_raw__events",
    "stg_raw__events_quarantine",
    "stg_raw__users_classified",
    "stg_raw__users",
    "stg_raw__users_quarantine",
    "stg_raw__survey_responses_classified",
    "stg_raw__survey_responses",
    "stg_raw__survey_responses_quarantine",
]


def build_staging(project: Path, raw_dir: Path) -> subprocess.CompletedProcess[str]:
    # Unit tests are left out: a sabotaged model fails its own unit tests first, and dbt would
    # then skip the reconciliation tests this file is about (make test runs the unit tests).
    return build_project_copy(
        project, raw_dir, "--select", *SELECTION, "--exclude", "test_type:unit"
    )


def failed_tests(output: str) -> set[str]:
    return {name for name in RECONCILE_TESTS if f"FAIL 1 {name}" in output}


def test_untouched_staging_reconciles(tmp_path: Path, small_raw_dir: Path) -> None:
    project = copy_project(tmp_path / "project")
    result = build_staging(project, small_raw_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    for name in RECONCILE_TESTS:
        assert f"PASS {name}" in result.stdout, f"{name} did not run:\n{result.stdout[-3000:]}"


def test_silently_dropped_rows_fail_reconciliation(tmp_path: Path, small_raw_dir: Path) -> None:
    project = copy_project(tmp_path / "project")
    staging = project / "models" / "staging" / "raw"
    for file_name, (anchor, drop_filter) in SABOTAGE.items():
        path = staging / file_name
        sql = path.read_text()
        assert sql.count(anchor) == 1, f"{file_name}: cannot find '{anchor}' to sabotage"
        path.write_text(sql.replace(anchor, f"{anchor}\n    {drop_filter}"))

    result = build_staging(project, small_raw_dir)

    assert result.returncode != 0
    assert failed_tests(result.stdout) == set(RECONCILE_TESTS), result.stdout[-4000:]


@pytest.fixture(scope="module")
def small_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("raw_small") / "raw", seed=3, users=150)
