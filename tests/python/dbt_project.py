"""Run the project's own tools (the demo generator, dbt) from the tests, in isolated folders.

Every build gets its own DuckDB file, target and log folders, so tests never touch the
developer's warehouse/ and can run beside a `make demo`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def dbt_environment(work_dir: Path) -> dict[str, str]:
    """The environment of a dbt run whose warehouse and temp files live under work_dir."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "duckdb_tmp").mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(REPO_ROOT),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET="duckdb",
        DUCKDB_PATH=str(work_dir / "warehouse.duckdb"),
        DUCKDB_TEMP_DIRECTORY=str(work_dir / "duckdb_tmp"),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def dbt_command(
    subcommand: str,
    *,
    project: Path,
    work_dir: Path,
    raw_dir: Path,
    variables: dict[str, str] | None = None,
) -> list[str]:
    """A dbt command line reading raw_dir, with target and logs kept under work_dir."""
    all_vars = {"raw_path": str(raw_dir), **(variables or {})}
    vars_yaml = "{" + ", ".join(f'{key}: "{value}"' for key, value in all_vars.items()) + "}"
    return [
        str(VENV_BIN / "dbt"),
        subcommand,
        "--project-dir",
        str(project),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--vars",
        vars_yaml,
    ]


def generate_raw(out_dir: Path, *, seed: int, users: int, end_date: str = "2026-10-31") -> Path:
    """Generate a raw Parquet folder with the project's demo data generator."""
    subprocess.run(
        [
            str(VENV_BIN / "kpikit"),
            "generate",
            "--out",
            str(out_dir),
            "--seed",
            str(seed),
            "--users",
            str(users),
            "--end-date",
            end_date,
            "--quiet",
        ],
        check=True,
    )
    return out_dir
