"""Publishing the public marts: identical row counts, clear failures that swap nothing, and BI
readers that keep reading complete tables while the warehouse is rebuilt and republished.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dbt_project import REPO_ROOT, dbt_command, dbt_environment, run_checked
from scorecard_build import build_scorecard

from kpikit.publish import PublishError, main, publish

SEED = 7
TIMEZONE = "UTC"  # the build shared with the other tests
READER = Path(__file__).with_name("published_reader.py")
READER_MAX_SECONDS = 180.0  # a bound: two rebuilds take 25-90 s on a busy 2-core machine
REBUILDS = 2
QUICK_REPUBLISHES = 8


@pytest.fixture(scope="module")
def raw_dir(generated_raw: Callable[[int], Path]) -> Path:
    return generated_raw(SEED)


@pytest.fixture(scope="module")
def warehouse(built_warehouse: Callable[[int, str], Path], raw_dir: Path) -> Path:
    """The shared seed-7 warehouse, with the registry and the scorecard built into it."""
    return build_scorecard(built_warehouse(SEED, TIMEZONE), raw_dir, TIMEZONE)


def source_counts(database: Path) -> dict[str, int]:
    """Rows of every public mart, straight from a warehouse file."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        public = [
            name
            for name in names
            if name in ("kpi_values", "kpi_scorecard") or name.startswith(("fct_", "dim_"))
        ]
        return {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            for name in public
        }
    finally:
        con.close()


def kpi_values_totals(database: Path) -> tuple[int, float]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        count, total = con.execute("select count(*), sum(value) from marts.kpi_values").fetchone()
    finally:
        con.close()
    return int(count), float(total)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob(".*.tmp"))


def test_publish_twice_copies_every_public_mart(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "published" / "kpikit.duckdb"
    parquet_dir = tmp_path / "published" / "parquet"
    expected = source_counts(warehouse)
    assert {"kpi_values", "kpi_scorecard", "fct_task_attempts", "dim_users"} <= set(expected)

    first = publish(warehouse, out, parquet_dir)
    first_file = out.stat().st_ino
    second = publish(warehouse, out, parquet_dir)

    assert first == second == expected
    assert next(iter(second)) == "kpi_values"
    assert out.stat().st_ino != first_file, "the second publish must swap in a new file"
    assert source_counts(out) == expected
    assert not out.stat().st_mode & 0o222, "the published file is read-only"
    assert leftovers(out.parent) == []
    # Parquet: `current` points at the newest complete version, with every table.
    current = parquet_dir / "current"
    assert current.is_symlink()
    con = duckdb.connect()
    try:
        for table, rows in expected.items():
            parquet = str(current / f"{table}.parquet")
            assert con.execute(f"select count(*) from '{parquet}'").fetchone()[0] == rows
    finally:
        con.close()
    versions = sorted(path.name for path in (parquet_dir / "versions").iterdir())
    assert len(versions) == 2
    assert current.resolve().name == versions[-1]


def test_old_parquet_versions_are_pruned(warehouse: Path, tmp_path: Path) -> None:
    parquet_dir = tmp_path / "parquet"
    for _ in range(5):
        publish(warehouse, tmp_path / "kpikit.duckdb", parquet_dir, keep_versions=2)
    versions = list((parquet_dir / "versions").iterdir())
    assert len(versions) == 2
    assert (parquet_dir / "current").resolve() in [path.resolve() for path in versions]


def test_cli_publishes_and_reports_rows(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli" / "kpikit.duckdb"
    assert main(["--database", str(warehouse), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "marts.kpi_values" in printed and "marts.kpi_scorecard" in printed
    assert kpi_values_totals(out) == kpi_values_totals(warehouse)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("no schema", "has no marts schema"),
        ("no kpi_values", "has no marts.kpi_values"),
        ("missing file", "no warehouse at"),
        ("not duckdb", "cannot open"),
    ],
)
def test_failures_are_clear_and_swap_nothing(
    warehouse: Path, tmp_path: Path, setup: str, message: str
) -> None:
    out = tmp_path / "published" / "kpikit.duckdb"
    parquet_dir = tmp_path / "published" / "parquet"
    publish(warehouse, out, parquet_dir)
    before = (out.stat().st_ino, out.read_bytes(), os.readlink(parquet_dir / "current"))

    broken = tmp_path / "broken.duckdb"
    if setup == "not duckdb":
        broken.write_text("not a database\n")
    elif setup != "missing file":
        con = duckdb.connect(str(broken))
        if setup == "no kpi_values":
            con.execute("create schema marts")
            con.execute("create table marts.fct_task_attempts (attempt_id varchar)")
        con.close()

    with pytest.raises(PublishError, match=message):
        publish(broken, out, parquet_dir)

    after = (out.stat().st_ino, out.read_bytes(), os.readlink(parquet_dir / "current"))
    assert after == before, "a failed publish must leave the published artefacts untouched"
    assert leftovers(tmp_path / "published") == []
    assert len(list((parquet_dir / "versions").iterdir())) == 1


def test_cli_failure_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--database", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "x.duckdb")])
    assert code == 1
    assert "kpikit publish: error: no warehouse at" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def rebuild(work_dir: Path, raw_dir: Path) -> None:
    """A full rebuild of kpi_values and everything upstream into work_dir/warehouse.duckdb."""
    command = dbt_command(
        "run",
        project=REPO_ROOT,
        work_dir=work_dir,
        raw_dir=raw_dir,
        variables={"kpi_timezone": TIMEZONE},
    )
    run_checked(
        [*command, "--select", "+kpi_values"], dbt_environment(work_dir), "dbt run (rebuild)"
    )


def test_readers_see_complete_tables_while_rebuilding_and_republishing(
    warehouse: Path, raw_dir: Path, tmp_path: Path
) -> None:
    # The source is a private copy of the shared warehouse: this test rebuilds it.
    work_dir = tmp_path / "source"
    work_dir.mkdir()
    source = work_dir / "warehouse.duckdb"
    shutil.copyfile(warehouse, source)
    out = tmp_path / "published" / "kpikit.duckdb"
    counts = publish(source, out)
    expected_rows, expected_sum = kpi_values_totals(out)
    assert expected_rows == counts["kpi_values"]

    ready, stop = tmp_path / "reader.ready", tmp_path / "reader.stop"
    reader = subprocess.Popen(
        [
            sys.executable,
            str(READER),
            "--database",
            str(out),
            "--expected-rows",
            str(expected_rows),
            "--expected-sum",
            repr(expected_sum),
            "--expected-tables",
            str(len(counts)),
            "--ready-file",
            str(ready),
            "--stop-file",
            str(stop),
            "--max-seconds",
            str(READER_MAX_SECONDS),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and reader.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists(), "the reader did not start"

        for _ in range(REBUILDS):  # the build writes the source while readers read the copy
            rebuild(work_dir, raw_dir)
            assert publish(source, out) == counts
        for _ in range(QUICK_REPUBLISHES):  # many swaps under the readers' feet
            publish(source, out)
    finally:
        stop.touch()
        stdout, stderr = reader.communicate(timeout=READER_MAX_SECONDS + 30)

    assert reader.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary["error_count"] == 0, summary["errors"]
    assert summary["inconsistent_count"] == 0, summary["inconsistent"]
    assert summary["reads"] >= 20, summary
    assert summary["files_seen"] >= 2, f"the reader never saw a swap: {summary}"
    assert summary["stopped_by"] == "stop file", f"the reader hit its time limit: {summary}"
    rows, total = kpi_values_totals(out)
    assert rows == expected_rows and math.isclose(total, expected_sum, rel_tol=1e-9)
