"""Add the KPI registry and the scorecard to a warehouse built by the `built_warehouse` fixture.

`built_warehouse` runs `dbt run --select +kpi_values` only; the report and the publishing tests
also need `marts.kpi_scorecard`, built here once per warehouse file with the shipped registry.

For the `--schema` / `--manifest` tests: `copy_with_marts_in` copies such a warehouse with its
marts moved to another schema (as when kpikit is installed as a package and its marts follow the
dbt target), and `write_manifest` writes the small dbt manifest.json that says where they are.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
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
        [*command, "--select", "kpi_registry", "stg_registry__kpi_entries", "kpi_scorecard"],
        dbt_environment(work_dir),
        f"dbt build of the scorecard into {database}",
    )
    return database


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def copy_with_marts_in(
    database: Path, copy: Path, schema: str, moved: Mapping[str, str] | None = None
) -> Path:
    """Copy `database` to `copy` with every table of `marts` in `schema` instead (a table named
    in `moved` in the schema it maps to); `copy` has no `marts` schema left."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(database, copy)
    con = duckdb.connect(str(copy))
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        for table in tables:
            target = _quoted((moved or {}).get(table, schema))
            con.execute(f"create schema if not exists {target}")
            con.execute(
                f"create table {target}.{_quoted(table)} as select * from marts.{_quoted(table)}"
            )
        con.execute("drop schema marts cascade")
    finally:
        con.close()
    return copy


def write_manifest(path: Path, schemas: Mapping[str, str], package: str = "acme_analytics") -> Path:
    """A minimal dbt target/manifest.json: one versioned model node per `schemas` entry (model
    name -> schema) of `package`, plus a test node named like the first model, in another schema,
    that must not be taken for it."""
    nodes: dict[str, dict[str, object]] = {
        f"model.{package}.{model}.v1": {
            "name": model,
            "resource_type": "model",
            "package_name": package,
            "schema": schema,
            "alias": model,
            "version": 1,
            "latest_version": 1,
        }
        for model, schema in schemas.items()
    }
    for model in list(schemas)[:1]:
        nodes[f"test.{package}.{model}.0123456789"] = {
            "name": model,
            "resource_type": "test",
            "package_name": package,
            "schema": "dbt_test__audit",
        }
    document = {"metadata": {"dbt_schema_version": "manifest/v12"}, "nodes": nodes}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def warehouse_with_one_table(database: Path, schema: str, table: str) -> Path:
    """A new warehouse whose `schema` holds only an empty `table` (one varchar column): a marts
    schema that lacks what a command needs."""
    con = duckdb.connect(str(database))
    try:
        con.execute(f"create schema {_quoted(schema)}")
        con.execute(f"create table {_quoted(schema)}.{_quoted(table)} (kpi_id varchar)")
    finally:
        con.close()
    return database
