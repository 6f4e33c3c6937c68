"""Publish the public marts to a separate read-only artefact, swapped in atomically.

DuckDB locks its file while dbt builds into it: a BI tool connected to the warehouse makes the
build fail, a tool connecting during the build is refused, and one reading between two dbt
commands (a `dbt run`, then the scorecard's `dbt build`) sees some marts rebuilt and others not.
So BI tools do not read the warehouse. After a successful build, `publish` copies the public marts
(`kpi_values`, `kpi_scorecard` and every `fct_` / `dim_` table of the `marts` schema) into a
separate DuckDB file, by default `warehouse/published/kpikit.duckdb`, and BI tools connect to
that file **read-only** (`duckdb.connect(path, read_only=True)`, `duckdb -readonly path`,
`ATTACH 'path' (READ_ONLY)`, or the JDBC connection property `duckdb.read_only=true`), with the
same table names (`select * from marts.kpi_values`). The file is written with mode 0444: nobody
is meant to write it in place, and any number of readers can share it.

How the swap stays safe: the copy is written to a temporary file in the same folder, closed
(checkpointed, no WAL left) and flushed to disk, its row counts checked against the source, and
only then `os.replace`d over the published file. On Linux a rename is atomic: a reader that had
opened the old file keeps reading the old file (its inode lives until the last reader closes it),
a reader opening the path afterwards gets the new one, and no reader ever sees a file half
written. On any failure (no `marts` schema, no `kpi_values`, a locked or missing warehouse, a full
disk) the temporary files are removed and nothing is swapped.

Optionally (`parquet_dir`) every published table is also written as `<table>.parquet` into a new
folder `parquet_dir/versions/<version>/`, and the symlink `parquet_dir/current` is swapped to it
with `os.replace`, so tools reading `parquet_dir/current/*.parquet` always see one complete
version. The last few versions are kept for readers that resolved `current` just before a swap.
The Parquet files are exported from the same copy as the DuckDB file, so both artefacts hold the
same rows.

    kpikit publish [--database warehouse/kpikit.duckdb] [--out warehouse/published/kpikit.duckdb]
                   [--parquet-dir warehouse/published/parquet]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb

from kpikit.settings import DEFAULT_DUCKDB_PATH, duckdb_path

DEFAULT_OUT = Path("warehouse/published/kpikit.duckdb")
MARTS_SCHEMA = "marts"
PUBLIC_TABLES = ("kpi_values", "kpi_scorecard")
PUBLIC_PREFIXES = ("fct_", "dim_")
REQUIRED_TABLE = "kpi_values"
CURRENT_LINK = "current"
VERSIONS_FOLDER = "versions"
KEEP_VERSIONS = 3
READ_ONLY_MODE = 0o444  # the published file is an artefact: nobody writes it in place


class PublishError(RuntimeError):
    """The warehouse cannot be published; nothing was swapped."""


def publish(
    database: Path,
    out: Path,
    parquet_dir: Path | None = None,
    *,
    keep_versions: int = KEEP_VERSIONS,
) -> dict[str, int]:
    """Copy the public marts of `database` to `out` (and Parquet under `parquet_dir`), swapping
    each artefact in atomically. Returns the rows published per table, kpi_values first."""
    database, out = Path(database), Path(out)
    if not database.is_file():
        raise PublishError(f"no warehouse at {database}: build it first (make demo)")
    if out.resolve() == database.resolve():
        raise PublishError(f"--out {out} is the warehouse itself: publish to another file")
    out.parent.mkdir(parents=True, exist_ok=True)
    staged_database = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    staged_version: Path | None = None
    try:
        row_counts = _copy_marts(database, staged_database)
        if parquet_dir is not None:
            staged_version = _export_parquet(staged_database, Path(parquet_dir), row_counts)
        staged_database.chmod(READ_ONLY_MODE)
        _fsync(staged_database)
        os.replace(staged_database, out)
        _fsync(out.parent)
    except BaseException:
        _remove_database_files(staged_database)
        if staged_version is not None:
            shutil.rmtree(staged_version, ignore_errors=True)
        raise
    if parquet_dir is not None and staged_version is not None:
        _swap_current(Path(parquet_dir), staged_version)
        _prune_versions(Path(parquet_dir), keep_versions)
    return row_counts


# --- the DuckDB copy -----------------------------------------------------------------------------


def _copy_marts(database: Path, target: Path) -> dict[str, int]:
    """Write the public marts of `database` into the new file `target`, in one snapshot."""
    con = duckdb.connect(str(target))
    try:
        _attach_source(con, database)
        tables = public_tables(con, database)
        con.execute("begin transaction")
        con.execute(f"create schema {MARTS_SCHEMA}")
        for table in tables:
            con.execute(
                f"create table {MARTS_SCHEMA}.{_quote(table)} as "
                f"select * from source.{MARTS_SCHEMA}.{_quote(table)}"
            )
        row_counts = {table: _count(con, table, "source") for table in tables}
        copied = {table: _count(con, table) for table in tables}
        if copied != row_counts:
            raise PublishError(f"copy of {database} lost rows: {copied} != {row_counts}")
        con.execute("commit")
        con.execute("detach source")
        con.execute("checkpoint")
    finally:
        con.close()
    return row_counts


def _attach_source(con: duckdb.DuckDBPyConnection, database: Path) -> None:
    path = str(database).replace("'", "''")
    try:
        con.execute(f"attach '{path}' as source (read_only)")
    except duckdb.Error as error:
        raise PublishError(
            f"cannot open {database} as a DuckDB database, read-only (not a DuckDB file, or a "
            f"dbt build still writing it?): {error}"
        ) from error


def public_tables(con: duckdb.DuckDBPyConnection, database: Path) -> list[str]:
    """The public marts of the attached `source` catalog: kpi_values first, then by name."""
    schemas = con.execute(
        "select count(*) from information_schema.schemata "
        "where catalog_name = 'source' and schema_name = ?",
        [MARTS_SCHEMA],
    ).fetchone()
    if not schemas or not schemas[0]:
        raise PublishError(
            f"{database} has no {MARTS_SCHEMA} schema: run `dbt build` before publishing"
        )
    names = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'source' and table_schema = ? order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
    ]
    if REQUIRED_TABLE not in names:
        raise PublishError(
            f"{database} has no {MARTS_SCHEMA}.{REQUIRED_TABLE}: "
            "run `dbt build` before publishing (at least `--select +kpi_values`; the other "
            "public marts, such as fct_funnel_person_steps, only with a build of everything)"
        )
    public = [name for name in names if name in PUBLIC_TABLES or name.startswith(PUBLIC_PREFIXES)]
    return sorted(public, key=lambda name: (name != REQUIRED_TABLE, name))


def _count(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None) -> int:
    prefix = f"{catalog}." if catalog else ""
    row = con.execute(f"select count(*) from {prefix}{MARTS_SCHEMA}.{_quote(table)}").fetchone()
    return int(row[0]) if row else 0


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- Parquet versions ----------------------------------------------------------------------------


def _export_parquet(staged_database: Path, parquet_dir: Path, tables: Sequence[str]) -> Path:
    """Write each table as Parquet into a new version folder (not yet current)."""
    versions = parquet_dir / VERSIONS_FOLDER
    versions.mkdir(parents=True, exist_ok=True)
    version = versions / f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
    staging = versions / f".{version.name}.tmp"
    staging.mkdir()
    try:
        con = duckdb.connect(str(staged_database), read_only=True)
        try:
            for table in tables:
                target = str(staging / f"{table}.parquet").replace("'", "''")
                con.execute(f"copy {MARTS_SCHEMA}.{_quote(table)} to '{target}' (format parquet)")
        finally:
            con.close()
        for file in staging.iterdir():
            _fsync(file)
        os.replace(staging, version)
        _fsync(versions)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return version


def _swap_current(parquet_dir: Path, version: Path) -> None:
    """Point parquet_dir/current at `version` with one atomic rename of a new symlink."""
    current = parquet_dir / CURRENT_LINK
    if current.exists() and not current.is_symlink():
        raise PublishError(f"{current} exists and is not a symlink: move it away")
    link = parquet_dir / f".{CURRENT_LINK}.{uuid.uuid4().hex}.tmp"
    os.symlink(Path(VERSIONS_FOLDER) / version.name, link, target_is_directory=True)
    try:
        os.replace(link, current)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync(parquet_dir)


def _prune_versions(parquet_dir: Path, keep: int) -> None:
    """Remove all but the newest `keep` versions (never the current one)."""
    current = (parquet_dir / CURRENT_LINK).resolve()
    versions = sorted(
        (path for path in (parquet_dir / VERSIONS_FOLDER).iterdir() if _is_version(path)),
        key=lambda path: int(path.name.split("-", 1)[0]),
        reverse=True,
    )
    for old in versions[max(keep, 1) :]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _is_version(path: Path) -> bool:
    return path.is_dir() and path.name.split("-", 1)[0].isdigit()


# --- files ---------------------------------------------------------------------------------------


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_database_files(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


# --- command line ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=duckdb_path(),
        metavar="FILE",
        help=(
            "warehouse DuckDB file to publish from (default: $DUCKDB_PATH, else "
            f"{DEFAULT_DUCKDB_PATH}; now %(default)s)"
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help="published DuckDB file BI tools read (default %(default)s)",
    )
    parser.add_argument(
        "--parquet-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="also publish <DIR>/current/<table>.parquet (a symlink swapped atomically)",
    )
    parser.set_defaults(handler=run)


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the `publish` subcommand on a `kpikit` subparsers object."""
    parser = subparsers.add_parser(
        "publish",
        help="publish the public marts to a read-only file BI tools can read during rebuilds",
        description=(
            "Copy kpi_values, kpi_scorecard and the fct_/dim_ marts into a separate DuckDB file "
            "(and optionally Parquet), swapped in atomically. Run it after a successful build; "
            "connect BI tools to the published file, read-only."
        ),
    )
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Publish; exit code 0, or 1 with a message when the warehouse cannot be published."""
    started = time.monotonic()
    try:
        row_counts = publish(args.database, args.out, args.parquet_dir)
    except (PublishError, duckdb.Error) as error:
        print(f"kpikit publish: error: {error}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    print(f"Published {len(row_counts)} tables to {args.out} in {seconds:.1f} s")
    for table, rows in row_counts.items():
        print(f"  {MARTS_SCHEMA}.{table:<34}{rows:>12,} rows")
    if args.parquet_dir is not None:
        print(f"Parquet: {args.parquet_dir / CURRENT_LINK}/<table>.parquet")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kpikit.publish",
        description="Publish the public marts to a read-only file, swapped in atomically.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
