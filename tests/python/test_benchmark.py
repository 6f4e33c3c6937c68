"""`kpikit benchmark` must run end to end on a small size and report what it measured.

Timings are not asserted (machines here are noisy; the figures live in BENCHMARKS.md). What is
checked: every step ran the requested number of times, the one-day incremental run started from
a history that lacks the last day, the report names the slowest models of both builds, and a bad
argument is a clear usage error.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dbt_project import REPO_ROOT, VENV_BIN

STEPS = [
    "dbt parse (no partial parse)",
    "full build (dbt run --full-refresh)",
    "one-day incremental (dbt run)",
    "no-op incremental (dbt run, no new data)",
]


def test_benchmark_small_size(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(VENV_BIN / "kpikit"),
            "benchmark",
            "--events",
            "20000",
            "--days",
            "60",
            "--runs",
            "2",
            "--work",
            str(tmp_path),
            "--memory-limit",
            "1GB",
            "--threads",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    report = json.loads((tmp_path / "benchmark.json").read_text())
    assert report["settings"] == {
        "memory_limit": "1GB",
        "worker_threads": 1,
        "dbt_threads": 2,
        "runs": 2,
        "seed": 1,
    }
    assert report["machine"]["cores"] >= 1
    (size,) = report["sizes"]
    assert size["days"] == 60
    assert 0 < size["history_event_rows"] < size["raw_event_rows"]
    assert [measurement["step"] for measurement in size["measurements"]] == STEPS
    for measurement in size["measurements"]:
        assert len(measurement["seconds"]) == 2 and min(measurement["seconds"]) > 0
        assert len(measurement["peak_mib"]) == 2 and min(measurement["peak_mib"]) > 50
    # Which models are slowest at this tiny size is noise: check the shape, not the names.
    models = {path.stem for path in (REPO_ROOT / "models").rglob("*.sql")}
    for key in ("slowest_models_full", "slowest_models_incremental"):
        slowest = size[key]
        assert len(slowest) == 5, slowest
        assert all(name.removesuffix(".v1") in models and seconds >= 0 for name, seconds in slowest)
        assert [seconds for _, seconds in slowest] == sorted(
            (seconds for _, seconds in slowest), reverse=True
        )

    assert "| step | median s |" in result.stdout
    batch_rows = size["raw_event_rows"] - size["history_event_rows"]
    assert (
        f"| {size['raw_event_rows']:,} | 60 | {batch_rows:,} | one-day incremental (dbt run) |"
        in result.stdout
    )


def _rejected_usage(*arguments: str) -> str:
    """Runs `kpikit benchmark` with arguments it must refuse before doing any work: the error."""
    result = subprocess.run(
        [str(VENV_BIN / "kpikit"), "benchmark", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    return result.stderr


def test_benchmark_rejects_bad_sizes(tmp_path: Path) -> None:
    error = _rejected_usage("--events", "0", "--work", str(tmp_path))
    assert "--runs and --events must be positive" in error


def test_benchmark_rejects_days_not_matching_sizes(tmp_path: Path) -> None:
    error = _rejected_usage(
        "--events", "1000", "2000", "3000", "--days", "30", "60", "--work", str(tmp_path)
    )
    assert "--days takes one value, or one per --events size" in error
