"""Same models, same numbers on PostgreSQL (issue 6).

The test starts its own PostgreSQL server on loopback (a fresh data directory and a free port
under the repository's git-ignored tmp/ folder, stopped at the end even on failure; a server left
by an earlier crashed run in that folder is stopped first), loads the generated demo data with
`kpikit.load`, runs the whole project with `dbt build --target postgres` (models, seeds, data
tests and unit tests) and checks that every row of marts.kpi_values equals the DuckDB build of
the same data: the same keys, floats to a relative tolerance of 1e-9, sample_size and
is_complete exactly. It runs the incremental models' incremental branches too: a build on the raw
data as loaded a few days before the end (some of it held back as late loads), then the complete
data loaded and `dbt run` again must give every table a `dbt run --full-refresh` gives, in the
same comparison. It also tests the loader: replace is idempotent, append adds, and a missing
file, a missing or unexpected column or an uncastable value is a LoadError naming them.

The server runs with a session time zone far from UTC (America/Santiago, whose daylight saving
time starts at midnight), so a model that depends on the server's time zone fails here.
Needs the PostgreSQL server binaries (`apt-get install postgresql`) and the optional dependency
group `postgres` (dbt-postgres, psycopg2); skipped without them.
"""

from __future__ import annotations

import json
import math
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import KPI_VALUES_COLUMNS, read_kpi_values
from dbt_project import REPO_ROOT, apt_install, dbt_command, postgres_environment, run_checked
from test_incremental_equivalence import BOOKKEEPING_COLUMNS

from kpikit.batches import received_at_range, write_raw_as_of
from kpikit.load import LoadError, load_folder
from kpikit.load import main as load_main

psycopg2 = pytest.importorskip("psycopg2", reason="needs the optional group postgres")
if find_spec("dbt.adapters.postgres") is None:
    pytest.skip("needs dbt-postgres (optional group postgres)", allow_module_level=True)

SEED = 7
TIME_ZONES = ("UTC", "America/Los_Angeles")
SERVER_DIR = REPO_ROOT / "tmp" / "pytest_postgres"
SERVER_TIME_ZONE = "America/Santiago"
FLOAT_COLUMNS = ("value", "numerator", "denominator", "ci_low", "ci_high")
EXACT_COLUMNS = ("sample_size", "is_complete")
RELATIVE_TOLERANCE = 1e-9
KEY_COLUMNS = KPI_VALUES_COLUMNS[:5]
# The contract of kpi_values as PostgreSQL's catalog names its types.
KPI_VALUES_POSTGRES_TYPES = {
    "kpi_id": "character varying",
    "grain": "character varying",
    "period_start": "date",
    "dimension": "character varying",
    "dimension_value": "character varying",
    "value": "double precision",
    "numerator": "double precision",
    "denominator": "double precision",
    "sample_size": "bigint",
    "ci_low": "double precision",
    "ci_high": "double precision",
    "is_complete": "boolean",
}


# --- the server ----------------------------------------------------------------------------------


def _postgres_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb, else the one on PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class PostgresServer:
    bin_dir: Path
    data_dir: Path
    port: int
    log_file: Path
    run_as: tuple[str, ...]  # prefix running a command as the server's OS user

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, *command], capture_output=True, text=True, check=check, timeout=120
        )

    def connection_params(self, database: str) -> dict[str, str]:
        """The PG* variables of profiles.yml's postgres target and of kpikit.load."""
        return {
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": "postgres",
            "PGPASSWORD": "",
            "PGDATABASE": database,
            "PGSSLMODE": "disable",
        }

    def connect(self, database: str = "postgres") -> Any:
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database
        )
        connection.autocommit = True
        return connection

    def create_database(self, name: str) -> dict[str, str]:
        """A fresh, empty database; returns its connection variables."""
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'drop database if exists "{name}"')
                cursor.execute(f'create database "{name}"')
        finally:
            connection.close()
        return self.connection_params(name)

    def start(self) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                "-c unix_socket_directories=''",
                f"-c timezone={SERVER_TIME_ZONE}",
                # a throw-away server: durability off, speed on
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        result = self.run(
            str(self.bin_dir / "pg_ctl"),
            "start",
            "--wait",
            "--timeout=60",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            options,
            check=False,
        )
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(
                f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{log[-3000:]}"
            )

    def stop(self) -> None:
        stop_server(self.bin_dir, self.data_dir, self.run_as, mode="fast")


def stop_server(bin_dir: Path, data_dir: Path, run_as: Sequence[str], mode: str) -> None:
    """Stop the server running on data_dir, if any: pg_ctl stop, then signals if it hangs."""
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text().split()[0])
    except (ValueError, IndexError):
        return
    if not _process_alive(pid):
        return
    subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "stop", "--wait", "--timeout=30", "-m", mode]
        + ["-D", str(data_dir)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    deadline = time.monotonic() + 10
    for sig in (signal.SIGQUIT, signal.SIGKILL):  # immediate shutdown, then the hard way
        if not _process_alive(pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        while _process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of its own for the session, under tmp/pytest_postgres."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:  # install it, as root (every machine of this project and CI)
        apt_install("postgresql")
        bin_dir = _postgres_bin_dir()
        assert bin_dir is not None, "postgresql installed, but no initdb found"
    run_as: tuple[str, ...] = ()
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        owner = pwd.getpwnam("postgres")  # created by Debian's postgresql packages
        run_as = ("runuser", "-u", "postgres", "--")

    data_dir = SERVER_DIR / "data"
    stop_server(bin_dir, data_dir, run_as, mode="immediate")  # left by a crashed run
    shutil.rmtree(SERVER_DIR, ignore_errors=True)
    SERVER_DIR.mkdir(parents=True)
    if owner is not None:
        os.chown(SERVER_DIR, owner.pw_uid, owner.pw_gid)

    server = PostgresServer(bin_dir, data_dir, _free_port(), SERVER_DIR / "server.log", run_as)
    try:
        server.run(
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # the log stays, for a post-mortem


def _connect(params: dict[str, str]) -> Any:
    """A psycopg2 connection from PG* variables (PostgresServer.connection_params)."""
    return psycopg2.connect(
        host=params["PGHOST"],
        port=int(params["PGPORT"]),
        user=params["PGUSER"],
        dbname=params["PGDATABASE"],
    )


# --- the builds ----------------------------------------------------------------------------------


def _read_postgres_kpi_values(params: dict[str, str]) -> list[dict[str, Any]]:
    connection = _connect(params)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"select {', '.join(KPI_VALUES_COLUMNS)} from marts.kpi_values")
            return [dict(zip(KPI_VALUES_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


@dataclass
class PostgresBuild:
    params: dict[str, str]
    kpi_values: list[dict[str, Any]]
    run_results: list[dict[str, Any]]


@pytest.fixture(scope="session")
def postgres_build(
    postgres_server: PostgresServer,
    generated_raw: Callable[[int], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], PostgresBuild]:
    """Factory: kpi_timezone -> the demo data (seed 7) loaded with kpikit.load into a database of
    its own and built with dbt on the postgres target (once per time zone). UTC runs the whole
    project: `dbt build` with every model, seed, data test and unit test; another zone the same
    without the unit tests (they pin their own rows, computed in UTC)."""
    root = tmp_path_factory.mktemp("postgres_builds")
    cache: dict[str, PostgresBuild] = {}

    def _build(timezone: str) -> PostgresBuild:
        if timezone not in cache:
            name = "kpikit_" + timezone.lower().replace("/", "_")
            params = postgres_server.create_database(name)
            load_folder(generated_raw(SEED), target="postgres", postgres_params=params)
            work_dir = root / name
            command = dbt_command(
                "build",
                project=REPO_ROOT,
                work_dir=work_dir,
                raw_dir=None,
                variables={"kpi_timezone": timezone},
            )
            command += ["--target", "postgres"]
            if timezone != "UTC":
                command += ["--exclude-resource-type", "unit_test"]
            run_checked(
                command,
                postgres_environment(work_dir, params),
                f"dbt build --target postgres (seed {SEED}, {timezone})",
            )
            results = json.loads((work_dir / "target" / "run_results.json").read_text())
            cache[timezone] = PostgresBuild(
                params, _read_postgres_kpi_values(params), results["results"]
            )
        return cache[timezone]

    return _build


# --- same numbers --------------------------------------------------------------------------------


def _same_float(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)


def _by_key(rows: list[dict[str, Any]], engine: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    keyed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[column] for column in KEY_COLUMNS)
        assert key not in keyed, f"{engine} kpi_values repeats the key {key}"
        keyed[key] = row
    return keyed


@pytest.mark.parametrize("timezone", TIME_ZONES)
def test_kpi_values_match_duckdb(
    timezone: str,
    postgres_build: Callable[[str], PostgresBuild],
    built_warehouse: Callable[[int, str], Path],
) -> None:
    postgres = _by_key(postgres_build(timezone).kpi_values, "PostgreSQL")
    duckdb_rows = _by_key(read_kpi_values(built_warehouse(SEED, timezone)), "DuckDB")

    assert len(duckdb_rows) > 500, "the DuckDB build is unexpectedly small"
    missing = sorted(set(duckdb_rows) - set(postgres))
    extra = sorted(set(postgres) - set(duckdb_rows))
    assert not missing, f"{len(missing)} DuckDB rows missing on PostgreSQL: {missing[:10]}"
    assert not extra, f"{len(extra)} PostgreSQL rows not in the DuckDB build: {extra[:10]}"

    mismatches = {}
    for key, expected in duckdb_rows.items():
        actual = postgres[key]
        found = [
            f"{column}: DuckDB {expected[column]!r}, PostgreSQL {actual[column]!r}"
            for column in FLOAT_COLUMNS
            if not _same_float(expected[column], actual[column])
        ]
        found += [
            f"{column}: DuckDB {expected[column]!r}, PostgreSQL {actual[column]!r}"
            for column in EXACT_COLUMNS
            if expected[column] != actual[column]
            or type(expected[column]) is not type(actual[column])
        ]
        if found:
            mismatches[key] = found
    shown = "\n".join(f"{key}: {'; '.join(diff)}" for key, diff in sorted(mismatches.items())[:20])
    assert not mismatches, f"{len(mismatches)} rows differ between the engines:\n{shown}"


def test_whole_project_builds_on_postgres(
    postgres_build: Callable[[str], PostgresBuild], postgres_server: PostgresServer
) -> None:
    """`dbt build --target postgres` ran every kind of node (models, seeds, data and unit
    tests) and all passed; kpi_values has its contract's types."""
    build = postgres_build("UTC")
    kinds: dict[str, int] = {}
    for result in build.run_results:
        kind = result["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        # no-op: nodes with nothing to run, such as exposures
        assert result["status"] in ("success", "pass", "no-op"), f"{result['unique_id']}: {result}"
    for kind in ("model", "seed", "test", "unit_test"):
        assert kinds.get(kind, 0) > 0, f"no {kind} ran on PostgreSQL: {kinds}"

    connection = postgres_server.connect(build.params["PGDATABASE"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'kpi_values' "
                "order by ordinal_position"
            )
            assert dict(cursor.fetchall()) == KPI_VALUES_POSTGRES_TYPES
    finally:
        connection.close()


# --- incremental runs ----------------------------------------------------------------------------

INCREMENTAL_TIME_ZONE = "America/Los_Angeles"  # local days that are not UTC days
INCREMENT = timedelta(days=4)  # the first load stops this long before the last received_at
LATE_SHARE = 0.05  # of the events received in the last LATE_WINDOW before that cut
LATE_WINDOW = timedelta(days=2)  # inside the default incremental_lookback_days of 3
MODEL_SCHEMAS = ("staging", "intermediate", "marts")
APPROXIMATE_TYPES = ("double precision", "real", "numeric")


@dataclass
class ModelTable:
    columns: list[str]
    data_types: list[str]
    rows: list[tuple[Any, ...]]


def _read_model_tables(params: dict[str, str]) -> dict[str, ModelTable]:
    """schema.table -> columns, types and rows, of every table (not view) the models made."""
    connection = _connect(params)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select columns.table_schema, columns.table_name, columns.column_name, "
                "columns.data_type from information_schema.columns as columns "
                "join information_schema.tables as tables using (table_schema, table_name) "
                "where tables.table_type = 'BASE TABLE' and columns.table_schema = any(%s) "
                "order by columns.table_schema, columns.table_name, columns.ordinal_position",
                (list(MODEL_SCHEMAS),),
            )
            tables: dict[str, ModelTable] = {}
            for schema, table, column, data_type in cursor.fetchall():
                entry = tables.setdefault(f"{schema}.{table}", ModelTable([], [], []))
                entry.columns.append(column)
                entry.data_types.append(data_type)
            for name, entry in tables.items():
                schema, table = name.split(".")
                listed = ", ".join(f'"{column}"' for column in entry.columns)
                cursor.execute(f'select {listed} from "{schema}"."{table}"')
                entry.rows = cursor.fetchall()
            return tables
    finally:
        connection.close()


def _fetch_all(params: dict[str, str], query: str) -> list[tuple[Any, ...]]:
    connection = _connect(params)
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return cursor.fetchall()
    finally:
        connection.close()


def _float_order(values: tuple[float | None, ...]) -> tuple[tuple[bool, float], ...]:
    return tuple((value is None, 0.0 if value is None else value) for value in values)


def _table_differences(expected: ModelTable, actual: ModelTable, ignore: set[str]) -> list[str]:
    """How actual's rows differ from expected's (a multiset): columns not in `ignore` exactly,
    floating-point and numeric ones to RELATIVE_TOLERANCE; an empty list when they agree."""
    if (actual.columns, actual.data_types) != (expected.columns, expected.data_types):
        return [
            f"columns {actual.columns} {actual.data_types}, expected {expected.columns} "
            f"{expected.data_types}"
        ]
    compared = [index for index, name in enumerate(expected.columns) if name not in ignore]
    approximate = [index for index in compared if expected.data_types[index] in APPROXIMATE_TYPES]
    exact = [index for index in compared if index not in approximate]

    def grouped(rows: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for row in rows:
            floats = tuple(
                float(row[index]) if isinstance(row[index], Decimal) else row[index]
                for index in approximate
            )
            groups.setdefault(tuple(row[index] for index in exact), []).append(floats)
        return groups

    left, right = grouped(expected.rows), grouped(actual.rows)
    names = [expected.columns[index] for index in exact]
    found = []
    for key in left.keys() | right.keys():
        want, got = left.get(key, []), right.get(key, [])
        where = dict(zip(names, key, strict=True))
        if len(want) != len(got):
            found.append(f"{len(got)} rows, expected {len(want)}: {where}")
            continue
        for want_floats, got_floats in zip(
            sorted(want, key=_float_order), sorted(got, key=_float_order), strict=True
        ):
            if not all(map(_same_float, want_floats, got_floats)):
                found.append(f"{got_floats}, expected {want_floats}: {where}")
    return found


def test_incremental_runs_match_a_full_refresh(
    postgres_server: PostgresServer, generated_raw: Callable[[int], Path], tmp_path: Path
) -> None:
    """The incremental branches of the models on PostgreSQL: build on the raw data as loaded
    INCREMENT before the last received_at (with late loads held back), load the complete data,
    `dbt run` (incremental), and every table must equal a `dbt run --full-refresh` of it."""
    source = generated_raw(SEED)
    cut = write_raw_as_of(
        source,
        tmp_path / "raw_cut",
        received_at_range(source)[1] - INCREMENT,
        late_share=LATE_SHARE,
        late_window=LATE_WINDOW,
    )
    assert cut.events_held_back > 0, "no late loads: the cut tests less than it should"

    params = postgres_server.create_database("kpikit_incremental")
    work_dir = tmp_path / "dbt"
    environment = postgres_environment(work_dir, params)

    def dbt(subcommand: str, *arguments: str) -> None:
        command = dbt_command(
            subcommand,
            project=REPO_ROOT,
            work_dir=work_dir,
            raw_dir=None,
            variables={"kpi_timezone": INCREMENTAL_TIME_ZONE},
        )
        command += ["--target", "postgres", *arguments]
        run_checked(command, environment, f"dbt {subcommand} {' '.join(arguments)}".strip())

    load_folder(tmp_path / "raw_cut", target="postgres", postgres_params=params)
    # the seeds and every model, on the data of the cut
    dbt("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    first_batch = _fetch_all(params, "select distinct batch_loaded_at from staging.stg_raw__events")
    load_folder(source, target="postgres", mode="replace", postgres_params=params)
    dbt("run")
    incremental = _read_model_tables(params)
    dbt("run", "--full-refresh")
    full_refresh = _read_model_tables(params)

    # Every incremental model ran incrementally: it kept rows of the first run.
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    incremental_models = sorted(
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    )
    assert incremental_models, "no incremental model in the project"
    assert len(first_batch) == 1, f"the first run wrote batches {first_batch}"
    rebuilt = []
    for name in incremental_models:
        if name == "intermediate.int_mart_load_marks":
            continue  # the marts' load marks: every run replaces them, by design
        table = incremental[name]
        if "batch_loaded_at" in table.columns:
            column = table.columns.index("batch_loaded_at")
            if not any(row[column] == first_batch[0][0] for row in table.rows):
                rebuilt.append(name)
    assert not rebuilt, f"the second run rewrote every row of {rebuilt}: not incremental"

    assert incremental.keys() == full_refresh.keys()
    assert len(full_refresh["marts.kpi_values"].rows) > 500, "kpi_values is unexpectedly small"
    differences = {
        name: found
        for name, table in full_refresh.items()
        if (found := _table_differences(table, incremental[name], set(BOOKKEEPING_COLUMNS)))
    }
    shown = "\n".join(
        f"{name}: {len(found)} differences, e.g. {'; '.join(sorted(found)[:2])[:600]}"
        for name, found in sorted(differences.items())
    )
    assert sorted(differences) == [], f"incremental runs differ from --full-refresh:\n{shown}"


# --- the loader ----------------------------------------------------------------------------------


def _table_counts(params: dict[str, str], schema: str = "raw") -> dict[str, int]:
    connection = _connect(params)
    try:
        with connection.cursor() as cursor:
            counts = {}
            for table in ("users", "events", "survey_responses"):
                cursor.execute(f'select count(*) from "{schema}"."{table}"')
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        connection.close()


@pytest.fixture(scope="session")
def loader_database(postgres_server: PostgresServer) -> dict[str, str]:
    return postgres_server.create_database("kpikit_loader")


def test_load_replace_is_idempotent_and_append_adds(
    loader_database: dict[str, str], generated_raw: Callable[[int], Path], tmp_path: Path
) -> None:
    raw = generated_raw(SEED)
    files = duckdb.connect()
    expected = {
        table: files.execute(f"select count(*) from '{raw / table}.parquet'").fetchone()[0]
        for table in ("users", "events", "survey_responses")
    }
    files.close()

    first = load_folder(raw, target="postgres", postgres_params=loader_database)
    second = load_folder(raw, target="postgres", mode="replace", postgres_params=loader_database)
    assert first == second == expected
    assert _table_counts(loader_database) == expected

    load_folder(raw, target="postgres", mode="append", postgres_params=loader_database)
    assert _table_counts(loader_database) == {table: 2 * rows for table, rows in expected.items()}

    # The same on a DuckDB file, in another schema.
    database = tmp_path / "loaded.duckdb"
    for mode in ("replace", "replace", "append"):
        load_folder(raw, target="duckdb", mode=mode, schema="landing", duckdb_path=str(database))
    con = duckdb.connect(str(database), read_only=True)
    try:
        for table, rows in expected.items():
            assert con.execute(f"select count(*) from landing.{table}").fetchone()[0] == 2 * rows
    finally:
        con.close()


def test_load_keeps_values_exactly(
    loader_database: dict[str, str], make_raw: Callable[..., Path], tmp_path: Path
) -> None:
    """Text that CSV could mangle (empty vs null, quotes, commas, new lines, backslashes,
    non-ASCII) and microsecond timestamps arrive unchanged on both targets."""
    tricky = ["", 'say "hi", then\nleave', "back\\slash\\N", "Zürich 東京 🚀", None, "NULL"]
    stamp = datetime(2026, 3, 29, 1, 59, 59, 123456)
    raw = make_raw(
        users=[
            {"user_id": f"u{index}", "created_at": stamp, "country": text}
            for index, text in enumerate(tricky)
        ],
        survey_responses=[{"response_id": "r1", "survey": "nps", "item": 1, "score": 10}],
    )
    query = "select user_id, created_at, country from raw.users order by user_id"
    expected = [(f"u{index}", stamp, text) for index, text in enumerate(tricky)]

    assert load_folder(raw, target="postgres", postgres_params=loader_database) == {
        "users": len(tricky),
        "events": 0,
        "survey_responses": 1,
    }
    connection = _connect(loader_database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            assert cursor.fetchall() == expected
    finally:
        connection.close()

    database = tmp_path / "tricky.duckdb"
    load_folder(raw, target="duckdb", duckdb_path=str(database))
    con = duckdb.connect(str(database), read_only=True)
    try:
        assert con.execute(query).fetchall() == expected
    finally:
        con.close()


def _parquet(folder: Path, table: str, select: str) -> None:
    con = duckdb.connect()
    try:
        con.execute(f"copy ({select}) to '{folder / table}.parquet' (format parquet)")
    finally:
        con.close()


def test_load_errors_name_the_file_and_the_problem(
    loader_database: dict[str, str], make_raw: Callable[..., Path]
) -> None:
    good = make_raw(users=[{"user_id": "u1"}])
    load_folder(good, target="postgres", postgres_params=loader_database)
    before = _table_counts(loader_database)

    def failure(folder: Path) -> str:
        with pytest.raises(LoadError) as raised:
            load_folder(folder, target="postgres", postgres_params=loader_database)
        return str(raised.value)

    missing_file = make_raw()
    (missing_file / "events.parquet").unlink()
    message = failure(missing_file)
    assert "events.parquet" in message and "not found" in message

    missing_column = make_raw()
    _parquet(missing_column, "users", "select 'u1' as user_id, now()::timestamp as created_at")
    message = failure(missing_column)
    assert "users.parquet" in message and "missing column" in message and "updated_at" in message

    extra_column = make_raw()
    _parquet(
        extra_column,
        "survey_responses",
        "select 'r1' as response_id, 'nps' as survey, 1 as item, 9 as score, null as user_id, "
        "now()::timestamp as responded_at, 'x' as comment",
    )
    message = failure(extra_column)
    assert "survey_responses.parquet" in message and "unexpected column comment" in message

    wrong_type = make_raw()
    _parquet(
        wrong_type,
        "survey_responses",
        "select 'r1' as response_id, 'nps' as survey, 'first' as item, 9 as score, "
        "null as user_id, now()::timestamp as responded_at",
    )
    message = failure(wrong_type)
    assert "survey_responses.parquet" in message and "column item" in message
    assert "cannot be cast to integer" in message and "'first'" in message

    assert failure(good.parent / "no_such_folder").endswith(
        "no such folder (it must hold users.parquet, events.parquet, survey_responses.parquet)"
    )
    # Nothing was written by the failed loads.
    assert _table_counts(loader_database) == before


def test_load_command_line(make_raw: Callable[..., Path], tmp_path: Path, capsys: Any) -> None:
    raw = make_raw(users=[{"user_id": "u1"}, {"user_id": "u2"}])
    database = tmp_path / "cli.duckdb"
    assert load_main(["--from", str(raw), "--duckdb-path", str(database)]) == 0
    assert "raw.users" in capsys.readouterr().out

    (raw / "users.parquet").unlink()
    assert load_main(["--from", str(raw), "--duckdb-path", str(database)]) == 1
    assert "users.parquet: file not found" in capsys.readouterr().err
