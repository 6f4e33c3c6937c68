"""`dbt docs generate` must succeed on a built warehouse and document the BI interface.

The catalog (what the warehouse holds) must list marts.kpi_values with every contract column
under its unversioned relation name, and the manifest must carry the project overview and a
description for every model, column, semantic model and metric.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import KPI_VALUES_COLUMNS
from dbt_project import REPO_ROOT, dbt_command, dbt_environment, run_checked

SEED = 7
TIMEZONE = "America/Los_Angeles"  # the warehouse test_semantic_layer also uses (built once)


def _undescribed(manifest: dict[str, Any]) -> list[str]:
    found = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["package_name"] != "kpikit":
            continue
        if not node["description"].strip():
            found.append(unique_id)
        found += [
            f"{unique_id}.{name}"
            for name, column in node["columns"].items()
            if not column["description"].strip()
        ]
    for kind in ("semantic_models", "metrics", "exposures"):
        found += [key for key, item in manifest[kind].items() if not item["description"].strip()]
    return found


def test_docs_generate(
    tmp_path: Path,
    generated_raw: Callable[[int], Path],
    built_warehouse: Callable[[int, str], Path],
) -> None:
    database = built_warehouse(SEED, TIMEZONE)
    command = dbt_command(
        "docs",
        project=REPO_ROOT,
        work_dir=tmp_path,  # target/ and logs/ of this run only; the warehouse is read
        raw_dir=generated_raw(SEED),
        variables={"kpi_timezone": TIMEZONE},
    )
    run_checked(
        [*command[:2], "generate", *command[2:]],
        dbt_environment(database.parent),
        "dbt docs generate",
    )

    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert not catalog.get("errors"), catalog["errors"]
    kpi_values = [
        node
        for node in catalog["nodes"].values()
        if node["metadata"]["schema"] == "marts" and node["metadata"]["name"] == "kpi_values"
    ]
    assert len(kpi_values) == 1, "catalog.json does not list marts.kpi_values"
    assert kpi_values[0]["unique_id"] == "model.kpikit.kpi_values.v1"
    assert set(kpi_values[0]["columns"]) == set(KPI_VALUES_COLUMNS)

    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert "doc.kpikit.__overview__" in manifest["docs"]
    assert not _undescribed(manifest)
