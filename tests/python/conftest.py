"""Shared fixtures: tiny hand-made raw folders, generated demo data and warehouse builds.

Builds are expensive (15-30 s each on a 2-core machine), so every one is session-scoped and
cached: data is generated once per seed, the warehouse built once per (seed, time zone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_project import REPO_ROOT, dbt_command, dbt_environment, generate_raw, run_checked

from kpikit.load import RAW_TABLES

DEMO_USERS = 600
DEMO_END_DATE = "2026-10-31"  # fixed, so the generated data are the same every run

KPI_VALUES_COLUMNS = (
    "kpi_id",
    "grain",
    "period_start",
    "dimension",
    "dimension_value",
    "value",
    "numerator",
    "denominator",
    "sample_size",
    "ci_low",
    "ci_high",
    "is_complete",
)


def write_raw_folder(
    folder: Path,
    users: Iterable[dict[str, Any]] = (),
    events: Iterable[dict[str, Any]] = (),
    survey_responses: Iterable[dict[str, Any]] = (),
) -> Path:
    """Write users/events/survey_responses.parquet with the raw layout's columns; missing keys are
    null, a dict `properties` is serialised to JSON text."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for table, rows in (
            ("users", users),
            ("events", events),
            ("survey_responses", survey_responses),
        ):
            schema = RAW_TABLES[table]
            columns = ", ".join(f"{name} {type_}" for name, type_ in schema)
            con.execute(f"create table {table} ({columns})")
            values = []
            for row in rows:
                unknown = set(row) - {name for name, _ in schema}
                if unknown:
                    raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
                record = []
                for name, _ in schema:
                    value = row.get(name)
                    if name == "properties" and isinstance(value, dict):
                        value = json.dumps(value)
                    record.append(value)
                values.append(record)
            if values:
                placeholders = ", ".join("?" for _ in schema)
                con.executemany(f"insert into {table} values ({placeholders})", values)
            target = str(folder / f"{table}.parquet")
            con.execute(f"copy {table} to '{target}' (format parquet)")
    finally:
        con.close()
    return folder


@pytest.fixture
def make_raw(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_raw(users=[...], events=[...], survey_responses=[...]) -> raw folder."""
    counter = iter(range(1_000_000))

    def _make(**tables: Iterable[dict[str, Any]]) -> Path:
        return write_raw_folder(tmp_path / f"raw_{next(counter)}", **tables)

    return _make


@pytest.fixture(scope="session")
def generated_raw(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """Factory: seed -> folder of generated demo data (generated once per seed)."""
    root = tmp_path_factory.mktemp("generated")
    cache: dict[int, Path] = {}

    def _generate(seed: int) -> Path:
        if seed not in cache:
            cache[seed] = generate_raw(
                root / f"raw_{seed}", seed=seed, users=DEMO_USERS, end_date=DEMO_END_DATE
            )
        return cache[seed]

    return _generate


@pytest.fixture(scope="session")
def built_warehouse(
    tmp_path_factory: pytest.TempPathFactory, generated_raw: Callable[[int], Path]
) -> Callable[[int, str], Path]:
    """Factory: (seed, kpi_timezone) -> DuckDB file built by `dbt run --select +kpi_values`
    (built once per pair, each in its own file, target and log folders)."""
    root = tmp_path_factory.mktemp("warehouses")
    cache: dict[tuple[int, str], Path] = {}

    def _build(seed: int, timezone: str) -> Path:
        key = (seed, timezone)
        if key not in cache:
            work_dir = root / f"seed{seed}_{timezone.replace('/', '_')}"
            command = dbt_command(
                "run",
                project=REPO_ROOT,
                work_dir=work_dir,
                raw_dir=generated_raw(seed),
                variables={"kpi_timezone": timezone},
            )
            run_checked(
                [*command, "--select", "+kpi_values"],
                dbt_environment(work_dir),
                f"dbt run (seed {seed}, {timezone})",
            )
            cache[key] = work_dir / "warehouse.duckdb"
        return cache[key]

    return _build


def read_kpi_values(database: Path) -> list[dict[str, Any]]:
    """Every row of marts.kpi_values in a built warehouse file (read-only)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = ", ".join(KPI_VALUES_COLUMNS)
        result = con.execute(f"select {columns} from marts.kpi_values")
        rows = [dict(zip(KPI_VALUES_COLUMNS, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    for row in rows:  # DuckDB returns date / datetime; keep dates for the key
        if isinstance(row["period_start"], datetime):
            row["period_start"] = row["period_start"].date()
        assert isinstance(row["period_start"], date)
    return rows
