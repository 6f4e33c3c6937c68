"""Settings the tools share with the dbt profile (profiles.yml), read in one place."""

from __future__ import annotations

import os
from pathlib import Path

# The DuckDB profile's warehouse file when DUCKDB_PATH is not set (profiles.yml says the same).
DEFAULT_DUCKDB_PATH = Path("warehouse/kpikit.duckdb")


def duckdb_path() -> Path:
    """The warehouse file of the DuckDB profile: env DUCKDB_PATH, else the default."""
    return Path(os.environ.get("DUCKDB_PATH") or DEFAULT_DUCKDB_PATH)
