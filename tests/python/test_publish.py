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
from scorecard_build import (
    build_scorecard,
    copy_with_marts_in,
    warehouse_with_one_table,
    write_manifest,
)

from kpikit.publish import (
    MARTS_SCHEMA_ENV,
    ManifestError,
    PublishError,
    main,
    marts_schemas,
    publish,
)

SEED = 7
TIMEZONE = "UTC"  # the build shared with the other tests
READER = Path(__file__).with_name("published_reader.py")
READER_MAX_SECONDS = 180.0  # a bound: two rebuilds take 25-90 s on a busy 2-core machine
REBUILDS = 2
QUICK_REPUBLISHES = 8
DEV_SCHEMA = "dev_marts"  # where the marts land when kpikit is a package of a dev target


@pytest.fixture(scope="module")
def raw_dir(generated_raw: Callable[[int], Path]) -> Path:
    return generated_raw(SEED)


@pytest.fixture(scope="module")
def warehouse(built_warehouse: Callable[[int, str], Path], raw_dir: Path) -> Path:
    """The shared seed-7 warehouse, with the registry and the scorecard built into it."""
    return build_scorecard(built_warehouse(SEED, TIMEZONE), raw_dir, TIMEZONE)


@pytest.fixture(scope="module")
def dev_warehouse(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared warehouse with its marts in the schema dev_marts, none in marts."""
    copy = tmp_path_factory.mktemp("dev_target") / "warehouse.duckdb"
    return copy_with_marts_in(warehouse, copy, DEV_SCHEMA)


@pytest.fixture(autouse=True)
def no_schema_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI tests name the schema themselves: $KPIKIT_MARTS_SCHEMA of the caller is unset."""
    monkeypatch.delenv(MARTS_SCHEMA_ENV, raising=False)


def source_counts(database: Path, schema: str = "marts") -> dict[str, int]:
    """Rows of every public mart, straight from a warehouse file."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        ]
        public = [
            name
            for name in names
            if name in ("kpi_values", "kpi_scorecard") or name.startswith(("fct_", "dim_"))
        ]
        return {
            name: con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for name in public
        }
    finally:
        con.close()


def kpi_values_totals(database: Path, schema: str = "marts") -> tuple[int, float]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        count, total = con.execute(
            f'select count(*), sum(value) from "{schema}".kpi_values'
        ).fetchone()
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


# --- marts in another schema: --schema, --manifest, $KPIKIT_MARTS_SCHEMA ------------------------


def schemas_of(database: Path) -> set[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute("select distinct table_schema from information_schema.tables")
        return {row[0] for row in rows.fetchall()}
    finally:
        con.close()


def test_publish_from_another_schema_writes_marts(dev_warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "published" / "kpikit.duckdb"
    parquet_dir = tmp_path / "published" / "parquet"
    expected = source_counts(dev_warehouse, DEV_SCHEMA)
    assert {"kpi_values", "kpi_scorecard", "fct_task_attempts", "dim_users"} <= set(expected)

    counts = publish(dev_warehouse, out, parquet_dir, schema=DEV_SCHEMA)

    assert counts == expected and next(iter(counts)) == "kpi_values"
    assert schemas_of(out) == {"marts"}, "BI tools read marts.<table> whatever the source schema"
    assert source_counts(out) == expected
    assert kpi_values_totals(out) == kpi_values_totals(dev_warehouse, DEV_SCHEMA)
    con = duckdb.connect()
    try:
        parquet = str(parquet_dir / "current" / "kpi_values.parquet")
        assert (
            con.execute(f"select count(*) from '{parquet}'").fetchone()[0] == counts["kpi_values"]
        )
    finally:
        con.close()
    assert leftovers(out.parent) == []


@pytest.mark.parametrize(
    ("flags", "manifest_schema", "env_schema"),
    [
        (["--schema", DEV_SCHEMA], None, None),
        (["--manifest"], DEV_SCHEMA, None),
        ([], None, DEV_SCHEMA),
        (["--schema", DEV_SCHEMA, "--manifest"], "nope", "nope"),  # --schema wins
        (["--manifest"], DEV_SCHEMA, "nope"),  # --manifest wins over the env var
    ],
    ids=["schema", "manifest", "env", "schema-beats-manifest-and-env", "manifest-beats-env"],
)
def test_cli_reads_the_schema_named_by_flag_manifest_or_env(
    dev_warehouse: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    manifest_schema: str | None,
    env_schema: str | None,
) -> None:
    if env_schema is not None:
        monkeypatch.setenv(MARTS_SCHEMA_ENV, env_schema)
    if manifest_schema is not None:
        manifest = write_manifest(
            tmp_path / "target" / "manifest.json", {"kpi_values": manifest_schema}
        )
        flags = [*flags, str(manifest)]
    out = tmp_path / "published" / "kpikit.duckdb"

    assert main(["--database", str(dev_warehouse), "--out", str(out), *flags]) == 0

    printed = capsys.readouterr().out
    assert f"of schema {DEV_SCHEMA}" in printed and "marts.kpi_values" in printed
    assert schemas_of(out) == {"marts"}
    assert kpi_values_totals(out) == kpi_values_totals(dev_warehouse, DEV_SCHEMA)


@pytest.mark.parametrize(
    ("source", "flags", "code", "message"),
    [
        (
            "dev",
            [],
            1,
            "has no marts schema: run `dbt build` before publishing, or name the schema "
            "holding the marts with --schema NAME or --manifest FILE",
        ),
        ("dev", ["--schema", "nope"], 1, "has no nope schema"),
        ("no kpi_values", ["--schema", DEV_SCHEMA], 1, f"has no {DEV_SCHEMA}.kpi_values"),
        (
            "dev",
            ["--manifest", "{tmp}/missing/manifest.json"],
            2,
            "missing/manifest.json: no such file",
        ),
        ("dev", ["--manifest", "{tmp}/no_model.json"], 2, "holds no kpi_values model"),
        ("dev", ["--manifest", "{tmp}/not_json.json"], 2, "not a readable JSON file"),
    ],
    ids=["default-marts", "unknown-schema", "no-kpi-values", "no-manifest", "no-model", "not-json"],
)
def test_cli_schema_and_manifest_errors_are_one_line(
    dev_warehouse: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    flags: list[str],
    code: int,
    message: str,
) -> None:
    database = (
        dev_warehouse
        if source == "dev"
        else warehouse_with_one_table(tmp_path / "facts.duckdb", DEV_SCHEMA, "fct_task_attempts")
    )
    write_manifest(tmp_path / "no_model.json", {"kpi_scorecard": DEV_SCHEMA})
    (tmp_path / "not_json.json").write_text("{not json\n", encoding="utf-8")
    out = tmp_path / "published" / "kpikit.duckdb"
    arguments = [flag.replace("{tmp}", str(tmp_path)) for flag in flags]

    assert main(["--database", str(database), "--out", str(out), *arguments]) == code

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("kpikit publish: error: ") and captured.err.count("\n") == 1
    assert message in captured.err
    assert not out.exists()
    assert leftovers(tmp_path) == []


UNWRITABLE_OUTPUTS = {  # case -> what the error line says ({file}: a regular file in the way)
    "--out under a file": "--out {file}/kpikit.duckdb: {file} is a file, not a folder",
    "--out is a folder": "is a folder: name the file to publish to",
    "read-only --out folder": "--out {tmp}/published/kpikit.duckdb: the folder {tmp}/published is",
    "--parquet-dir under a file": "--parquet-dir {file}/parquet: {file} is a file, not a folder",
    "read-only --parquet-dir": "--parquet-dir {tmp}/parquet: the folder {tmp}/parquet is read-only",
    "current is not a symlink": "{tmp}/parquet/current is not a symlink",
}


@pytest.mark.parametrize("case", list(UNWRITABLE_OUTPUTS))
def test_cli_unwritable_outputs_are_one_line_errors(
    dev_warehouse: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("in the way\n")
    out = tmp_path / "published" / "kpikit.duckdb"
    parquet_dir = tmp_path / "parquet"
    read_only: Path | None = None
    if case == "--out under a file":
        out = a_file / "kpikit.duckdb"
    elif case == "--out is a folder":
        out.mkdir(parents=True)
    elif case == "read-only --out folder":
        read_only = out.parent
    elif case == "--parquet-dir under a file":
        parquet_dir = a_file / "parquet"
    elif case == "read-only --parquet-dir":
        read_only = parquet_dir
    else:
        (parquet_dir / "current").mkdir(parents=True)
    if read_only is not None:
        read_only.mkdir(parents=True)
        read_only.chmod(0o555)
        if os.geteuid() == 0:  # root writes anywhere: answer as the system would for a user
            real_access = os.access
            monkeypatch.setattr(
                os,
                "access",
                lambda path, mode, **kwargs: (
                    Path(path) != read_only and real_access(path, mode, **kwargs)
                ),
            )
    arguments = ["--database", str(dev_warehouse), "--out", str(out), "--schema", DEV_SCHEMA]
    try:
        code = main([*arguments, "--parquet-dir", str(parquet_dir)])
    finally:
        if read_only is not None:
            read_only.chmod(0o755)

    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.startswith("kpikit publish: error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    expected = UNWRITABLE_OUTPUTS[case].format(file=a_file, tmp=tmp_path)
    assert expected in captured.err
    assert not out.is_file()
    assert not (parquet_dir / "versions").is_dir() or not any((parquet_dir / "versions").iterdir())
    assert leftovers(tmp_path) == []


def test_manifest_gives_the_schema_of_the_latest_model_version_of_any_package(
    tmp_path: Path,
) -> None:
    def manifest(nodes: dict[str, dict[str, object]]) -> Path:
        path = tmp_path / f"manifest_{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
        return path

    def model(
        schema: str, version: int | None = None, latest: int | None = None
    ) -> dict[str, object]:
        return {
            "name": "kpi_values",
            "resource_type": "model",
            "schema": schema,
            "version": version,
            "latest_version": latest,
        }

    written = write_manifest(tmp_path / "manifest.json", {"kpi_values": "dev_alice_marts"})
    assert marts_schemas(None, written, ["kpi_values"]) == {"kpi_values": "dev_alice_marts"}
    versions = manifest({"a.v1": model("old_marts", 1, 2), "a.v2": model("new_marts", 2, 2)})
    assert marts_schemas(None, versions, ["kpi_values"]) == {"kpi_values": "new_marts"}
    assert marts_schemas("mine", versions, ["kpi_values"]) == {"kpi_values": "mine"}
    two_packages = manifest(
        {"model.a.kpi_values": model("a_marts"), "model.b.kpi_values": model("b_marts")}
    )
    with pytest.raises(ManifestError, match="several schemas \\(a_marts, b_marts\\)"):
        marts_schemas(None, two_packages, ["kpi_values"])
    not_a_manifest = manifest({})
    not_a_manifest.write_text("[]", encoding="utf-8")
    with pytest.raises(ManifestError, match="is not a dbt manifest.json"):
        marts_schemas(None, not_a_manifest, ["kpi_values"])


def test_help_names_the_schema_options_and_the_env_var(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--schema NAME" in text and "--manifest FILE" in text
    assert f"${MARTS_SCHEMA_ENV}" in text
    assert "always holds them in the schema marts" in text


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
