"""Add the KPI registry and the scorecard to a warehouse built by the `built_warehouse` fixture.

`built_warehouse` runs `dbt run --select +kpi_values` only; the report and the publishing tests
also need `marts.kpi_scorecard`, built here once per warehouse file with the shipped registry.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_project import REPO_ROOT, dbt_command, dbt_environment, run_checked


def has_mart(database: Path, table: str) -> bool:
    con = duckdb.connect(str(database), read_only=True)
    try:
        row = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = ?",
            [table],
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


def build_scorecard(database: Path, raw_dir: Path, timezone: str) -> Path:
    """Seed kpi_registry and build kpi_scorecard (with their tests) into `database`, which must
    be the `warehouse.duckdb` of a dbt_environment work folder. Idempotent."""
    if has_mart(database, "kpi_scorecard"):
        return database
    work_dir = database.parent
    command = dbt_command(
        "build",
        project=REPO_ROOT,
        work_dir=work_dir,
        raw_dir=raw_dir,
        variables={"kpi_timezone": timezone},
    )
    run_checked(
        [*command, "--select", "kpi_registry", "kpi_scorecard"],
        dbt_environment(work_dir),
        f"dbt build of the scorecard into {database}",
    )
    return database
