"""The warehouse's kpi_values must equal the independent Python reference, row for row.

For two generator seeds and two reporting time zones, the dbt build of the generated data is
compared with `reference_kpis.compute_kpi_values` (plain Python written from
docs/definitions.md): the same set of keys (kpi_id, grain, period_start, dimension,
dimension_value), and in every row the same value, numerator, denominator, sample_size, interval
and is_complete, floats to a relative tolerance of 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import read_kpi_values
from reference_kpis import KPI_IDS, Config, KpiRow, compute_kpi_values

SEEDS = (7, 2024)
TIME_ZONES = ("UTC", "America/Los_Angeles")
FLOAT_COLUMNS = ("value", "numerator", "denominator", "ci_low", "ci_high")
EXACT_COLUMNS = ("sample_size", "is_complete")
RELATIVE_TOLERANCE = 1e-9


def _same_float(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


def _differences(expected: KpiRow, actual: dict[str, Any]) -> list[str]:
    found = []
    for column in FLOAT_COLUMNS:
        if not _same_float(getattr(expected, column), actual[column]):
            found.append(
                f"{column}: reference {getattr(expected, column)!r}, dbt {actual[column]!r}"
            )
    for column in EXACT_COLUMNS:
        if getattr(expected, column) != actual[column]:
            found.append(
                f"{column}: reference {getattr(expected, column)!r}, dbt {actual[column]!r}"
            )
    return found


@pytest.mark.parametrize("timezone", TIME_ZONES)
@pytest.mark.parametrize("seed", SEEDS)
def test_kpi_values_match_reference(
    seed: int,
    timezone: str,
    generated_raw: Callable[[int], Path],
    built_warehouse: Callable[[int, str], Path],
) -> None:
    expected = {row.key: row for row in compute_kpi_values(generated_raw(seed), Config(timezone))}
    actual: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in read_kpi_values(built_warehouse(seed, timezone)):
        key = (
            row["kpi_id"],
            row["grain"],
            row["period_start"],
            row["dimension"],
            row["dimension_value"],
        )
        assert key not in actual, f"kpi_values repeats the key {key}"
        actual[key] = row

    # The generated data exercise every KPI, so an empty or partial build cannot pass.
    assert {key[0] for key in expected} == set(KPI_IDS)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing, f"{len(missing)} reference rows missing from kpi_values: {missing[:10]}"
    assert not extra, f"{len(extra)} kpi_values rows not in the reference: {extra[:10]}"

    mismatches = {
        key: diff for key, row in expected.items() if (diff := _differences(row, actual[key]))
    }
    shown = "\n".join(f"{key}: {'; '.join(diff)}" for key, diff in sorted(mismatches.items())[:20])
    assert not mismatches, f"{len(mismatches)} of {len(expected)} rows differ:\n{shown}"
