"""The KPI registry's SMART rules: a deliberately broken copy of the seed must fail every rule
test, each naming the rows that break it, while the shipped registry passes them all.

The broken registry below breaks each rule with its own rows, so the expected failure messages
are known exactly.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from dbt_project import REPO_ROOT, build_project_copy, copy_project, generate_raw

HEADER = (
    "goal,kpi_id,dimension,dimension_value,level,owner,indicator_type,direction,unit,"
    "baseline_value,baseline_period_start,target_value,target_date,review_cadence,guardrail_for"
)


def entry(
    goal: str,
    kpi_id: str,
    *,
    owner: str = "pm",
    direction: str = "higher_is_better",
    baseline: str = "0.4",
    target: str = "0.5",
    target_date: str = "2027-06-30",
    guardrail_for: str = "",
    dimension: str = ",",
) -> str:
    return (
        f"{goal},{kpi_id},{dimension},product,{owner},leading,{direction},share,"
        f"{baseline},2026-09-01,{target},{target_date},monthly,{guardrail_for}"
    )


BROKEN_REGISTRY = [
    HEADER,
    # a sound goal: must break nothing
    entry("sound", "activation_rate"),
    entry("sound", "csat", baseline="80", target="82", guardrail_for="activation_rate"),
    # unique_entry: the same entry twice
    entry("twice", "activation_rate"),
    entry("twice", "activation_rate"),
    # has_owner_baseline_target: no owner, no target
    entry("incomplete", "activation_rate", owner="", target=""),
    # target_improves_on_baseline: lower is better but the target is higher
    entry("backwards", "time_to_activation_hours", direction="lower_is_better", target="40"),
    # target_date_after_baseline: deadline inside the baseline month
    entry("rushed", "activation_rate", target_date="2026-09-15"),
    # max_kpis_per_goal: six KPIs (the guardrail does not count)
    *(
        entry("crowded", kpi_id)
        for kpi_id in (
            "activation_rate",
            "retention_d1",
            "retention_d7",
            "retention_d30",
            "conversion_rate",
            "churn_rate",
        )
    ),
    entry("crowded", "nps", baseline="10", target="20", guardrail_for="activation_rate"),
    # guardrail_in_same_goal: protects a KPI of another goal
    entry("lonely", "stickiness"),
    entry("lonely", "csat", baseline="80", target="82", guardrail_for="conversion_rate"),
    # kpi_id_in_kpi_values: a typo, and wau (published at day grain only)
    entry("typos", "activation_rat"),
    entry("typos", "wau"),
]

EXPECTED_FAILURES = {
    "kpi_registry_unique_entry": ["goal 'twice', kpi_id 'activation_rate'"],
    "kpi_registry_has_owner_baseline_target": [
        "goal 'incomplete', kpi_id 'activation_rate'",
        "missing owner target_value",
    ],
    "kpi_registry_target_improves_on_baseline": [
        "goal 'backwards', kpi_id 'time_to_activation_hours'"
    ],
    "kpi_registry_target_date_after_baseline": ["goal 'rushed', kpi_id 'activation_rate'"],
    "kpi_registry_max_kpis_per_goal": ["goal 'crowded'", "6 KPIs"],
    "kpi_registry_guardrail_in_same_goal": ["goal 'lonely', kpi_id 'csat'"],
    "kpi_registry_kpi_id_in_kpi_values": [
        "goal 'typos', kpi_id 'activation_rat'",
        "goal 'typos', kpi_id 'wau'",
    ],
}
FAILURE_COUNTS = {"kpi_registry_kpi_id_in_kpi_values": 2}


def build_registry(project: Path, raw_dir: Path) -> subprocess.CompletedProcess[str]:
    """Seed the registry, build kpi_values and run the registry's tests."""
    return build_project_copy(
        project,
        raw_dir,
        "--select",
        "kpi_registry",
        "stg_registry__kpi_entries",
        "+kpi_values",
        "--exclude",
        "test_type:unit",
        # only tests whose every parent is built (not the staging reconciliation tests)
        "--indirect-selection",
        "cautious",
    )


@pytest.fixture(scope="module")
def tiny_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw(tmp_path_factory.mktemp("raw_registry") / "raw", seed=5, users=120)


def test_shipped_registry_passes_every_rule(tmp_path: Path, tiny_raw_dir: Path) -> None:
    project = copy_project(tmp_path / "project")
    result = build_registry(project, tiny_raw_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    for name in EXPECTED_FAILURES:
        assert f"PASS {name}" in result.stdout, f"{name} did not run:\n{result.stdout[-3000:]}"


def test_broken_registry_fails_each_rule_naming_the_row(tmp_path: Path, tiny_raw_dir: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "seeds" / "kpi_registry.csv").write_text("\n".join(BROKEN_REGISTRY) + "\n")

    result = build_registry(project, tiny_raw_dir)

    assert result.returncode != 0
    output = result.stdout
    for name, fragments in EXPECTED_FAILURES.items():
        count = FAILURE_COUNTS.get(name, 1)
        assert f"FAIL {count} {name}" in output, f"{name} did not fail {count}x:\n{output[-4000:]}"
        rule = name.removeprefix("kpi_registry_")
        messages = [line for line in output.splitlines() if f"breaks rule {rule}:" in line]
        for fragment in fragments:
            assert any(fragment in line for line in messages), (
                f"no message of rule {rule} mentions {fragment!r}: {messages}"
            )
    # The sound goal breaks nothing.
    assert "goal 'sound'" not in output
    assert REPO_ROOT.joinpath("seeds", "kpi_registry.csv").read_text().startswith("goal,")
