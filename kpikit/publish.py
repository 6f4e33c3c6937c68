"""Publish the public marts to a separate read-only artefact, swapped in atomically.

DuckDB locks its file while dbt builds into it: a BI tool connected to the warehouse makes the
build fail, a tool connecting during the build is refused, and one reading between two dbt
commands (a `dbt run`, then the scorecard's `dbt build`) sees some marts rebuilt and others not.
So BI tools do not read the warehouse. After a successful build, `publish` copies the public marts
(`kpi_values`, `kpi_scorecard` and every `fct_` / `dim_` table of the marts schema) into a
separate DuckDB file, by default `warehouse/published/kpikit.duckdb`, and BI tools connect to
that file **read-only** (`duckdb.connect(path, read_only=True)`, `duckdb -readonly path`,
`ATTACH 'path' (READ_ONLY)`, or the JDBC connection property `duckdb.read_only=true`), with the
same table names (`select * from marts.kpi_values`). The file is written with mode 0444: nobody
is meant to write it in place, and any number of readers can share it.

Which schema the marts are read from: `--schema NAME`, else the schema of the `kpi_values` model
in dbt's `--manifest target/manifest.json`, else `$KPIKIT_MARTS_SCHEMA`, else `marts`. When kpikit
is installed as a package, the marts follow the dbt target (e.g. `dev_alice_marts`). Whatever the
source schema, the published file always holds them in the schema `marts`, so BI tools read
`marts.kpi_values` in every environment.

How the swap stays safe: the copy is written to a temporary file in the same folder, closed
(checkpointed, no WAL left) and flushed to disk, its row counts checked against the source, and
only then `os.replace`d over the published file. On Linux a rename is atomic: a reader that had
opened the old file keeps reading the old file (its inode lives until the last reader closes it),
a reader opening the path afterwards gets the new one, and no reader ever sees a file half
written. On any failure (no marts schema, no `kpi_values`, a locked or missing warehouse, an
output folder that cannot be written, a full disk) the temporary files are removed and nothing is
swapped.

Optionally (`parquet_dir`) every published table is also written as `<table>.parquet` into a new
folder `parquet_dir/versions/<version>/`, and the symlink `parquet_dir/current` is swapped to it
with `os.replace`, so tools reading `parquet_dir/current/*.parquet` always see one complete
version. The last few versions are kept for readers that resolved `current` just before a swap.
The Parquet files are exported from the same copy as the DuckDB file, so both artefacts hold the
same rows.

    kpikit publish [--database warehouse/kpikit.duckdb] [--out warehouse/published/kpikit.duckdb]
                   [--parquet-dir warehouse/published/parquet]
                   [--schema NAME] [--manifest target/manifest.json]

Exit codes: 0 published; 1 the warehouse cannot be published (missing, locked, no marts);
2 a bad --manifest or an output path that cannot be written.

The marts' schema (`marts_schemas`) and the one-line errors are shared with `kpikit report`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from kpikit.settings import DEFAULT_DUCKDB_PATH, duckdb_path

DEFAULT_OUT = Path("warehouse/published/kpikit.duckdb")
DEFAULT_MARTS_SCHEMA = "marts"  # the marts' schema when neither a flag nor the env var names one
MARTS_SCHEMA_ENV = "KPIKIT_MARTS_SCHEMA"
PUBLISHED_SCHEMA = "marts"  # the schema of the published file, whatever the source schema
PUBLIC_TABLES = ("kpi_values", "kpi_scorecard")
PUBLIC_PREFIXES = ("fct_", "dim_")
REQUIRED_TABLE = "kpi_values"
CURRENT_LINK = "current"
VERSIONS_FOLDER = "versions"
KEEP_VERSIONS = 3
READ_ONLY_MODE = 0o444  # the published file is an artefact: nobody writes it in place
SCHEMA_HINT = "name the schema holding the marts with --schema NAME or --manifest FILE"


class PublishError(RuntimeError):
    """The warehouse cannot be published; nothing was swapped."""


class OutputError(PublishError):
    """An output path cannot be written (a file in the way, a read-only folder); nothing swapped."""


class ManifestError(ValueError):
    """--manifest is no readable dbt manifest, or holds no model of that name."""


# --- where the marts are: --schema, --manifest, $KPIKIT_MARTS_SCHEMA ----------------------------


def marts_schemas(
    schema: str | None, manifest: Path | None, models: Sequence[str]
) -> dict[str, str]:
    """The schema each model is read from: `schema`, else its schema in the dbt `manifest`, else
    $KPIKIT_MARTS_SCHEMA, else `marts`."""
    if schema:
        return dict.fromkeys(models, schema)
    if manifest is not None:
        nodes = _manifest_nodes(Path(manifest))
        return {model: _model_schema(nodes, model, Path(manifest)) for model in models}
    default = os.environ.get(MARTS_SCHEMA_ENV, "").strip() or DEFAULT_MARTS_SCHEMA
    return dict.fromkeys(models, default)


def _manifest_nodes(manifest: Path) -> dict[str, Any]:
    if not manifest.is_file():
        raise ManifestError(
            f"--manifest {manifest}: no such file (dbt writes target/manifest.json when it "
            "parses, compiles, runs or builds the project)"
        )
    try:
        with manifest.open(encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as error:  # ValueError: bad JSON or bad UTF-8
        raise ManifestError(f"--manifest {manifest}: not a readable JSON file ({error})") from error
    nodes = document.get("nodes") if isinstance(document, dict) else None
    if not isinstance(nodes, dict):
        raise ManifestError(f"--manifest {manifest} is not a dbt manifest.json: it has no nodes")
    return nodes


def _model_schema(nodes: dict[str, Any], model: str, manifest: Path) -> str:
    """The schema of the model `model` of any package; of its latest version when versions
    land in different schemas."""
    found = [
        node
        for node in nodes.values()
        if isinstance(node, dict)
        and node.get("name") == model
        and node.get("resource_type") == "model"
    ]
    if not found:
        raise ManifestError(f"--manifest {manifest} holds no {model} model: is kpikit installed?")
    schemas = {_node_schema(node, model, manifest) for node in found}
    if len(schemas) > 1:
        latest = [node for node in found if _is_latest_version(node)]
        schemas = {_node_schema(node, model, manifest) for node in latest} or schemas
    if len(schemas) > 1:
        raise ManifestError(
            f"--manifest {manifest} holds {model} models in several schemas "
            f"({', '.join(sorted(schemas))}): choose one with --schema NAME"
        )
    return schemas.pop()


def _node_schema(node: dict[str, Any], model: str, manifest: Path) -> str:
    schema = node.get("schema")
    if not isinstance(schema, str) or not schema:
        raise ManifestError(f"--manifest {manifest}: the {model} model has no schema")
    return schema


def _is_latest_version(node: dict[str, Any]) -> bool:
    version, latest = node.get("version"), node.get("latest_version")
    return version is not None and str(version) == str(latest)


def schema_name(text: str) -> str:
    """argparse type of --schema: any name but a blank one."""
    if not text.strip():
        raise argparse.ArgumentTypeError("a schema name must not be blank")
    return text


def add_schema_arguments(
    parser: argparse.ArgumentParser, *, reads: str, models: Sequence[str]
) -> None:
    """--schema and --manifest; `reads` says what the command reads, `models` whose schemas
    --manifest gives."""
    names = " and ".join(models)
    parser.add_argument(
        "--schema",
        type=schema_name,
        default=None,
        metavar="NAME",
        help=(
            f"schema of the warehouse holding the marts {reads}; default: from --manifest, "
            f"else ${MARTS_SCHEMA_ENV}, else {DEFAULT_MARTS_SCHEMA} (kpikit installed as a dbt "
            "package builds them into a schema that follows the target, e.g. dev_alice_marts)"
        ),
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        metavar="FILE",
        help=(
            f"dbt's target/manifest.json: read the schema of the {names} "
            f"model{'s' if len(models) > 1 else ''} (of any package) from it; --schema wins"
        ),
    )


# --- one-line errors -----------------------------------------------------------------------------


def one_line(error: BaseException | str) -> str:
    """An error message on one line (DuckDB's can span several)."""
    return " ".join(str(error).split())


def describe_write_error(error: OSError) -> str:
    """What a failed write ran into: a file in the way of a folder, or the path and the reason."""
    reason = error.strerror or str(error)
    if not isinstance(error.filename, (str, bytes, os.PathLike)):
        return f"cannot write: {reason}"
    path = Path(os.fsdecode(error.filename))
    itself = isinstance(error, (FileExistsError, NotADirectoryError))
    blocker = next(
        (
            candidate
            for candidate in ((path, *path.parents) if itself else path.parents)
            if candidate.exists() and not candidate.is_dir()
        ),
        None,
    )
    if blocker is not None:
        return f"{blocker} is a file, not a folder"
    return f"cannot write {path}: {reason}"


def writable_folder(folder: Path, option: str, value: Path) -> None:
    """Create `folder` (and its parents), or raise an OutputError naming the option."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{option} {value}: {describe_write_error(error)}") from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {value}: the folder {folder} is read-only")


# --- publishing ----------------------------------------------------------------------------------


def publish(
    database: Path,
    out: Path,
    parquet_dir: Path | None = None,
    *,
    schema: str = DEFAULT_MARTS_SCHEMA,
    keep_versions: int = KEEP_VERSIONS,
) -> dict[str, int]:
    """Copy the public marts of `database`'s `schema` to the schema `marts` of `out` (and Parquet
    under `parquet_dir`), swapping each artefact in atomically. Returns the rows published per
    table, kpi_values first."""
    database, out = Path(database), Path(out)
    parquet = None if parquet_dir is None else Path(parquet_dir)
    _check_paths(database, out, parquet)
    try:
        return _publish(database, out, parquet, schema, keep_versions)
    except OSError as error:
        raise OutputError(describe_write_error(error)) from error


def _check_paths(database: Path, out: Path, parquet_dir: Path | None) -> None:
    """Fail before copying anything when the warehouse or an output folder is unusable."""
    if not database.is_file():
        raise PublishError(f"no warehouse at {database}: build it first (make demo)")
    if out.resolve() == database.resolve():
        raise PublishError(f"--out {out} is the warehouse itself: publish to another file")
    if out.is_dir():
        raise OutputError(f"--out {out} is a folder: name the file to publish to")
    writable_folder(out.parent, "--out", out)
    if parquet_dir is not None:
        writable_folder(parquet_dir, "--parquet-dir", parquet_dir)
        writable_folder(parquet_dir / VERSIONS_FOLDER, "--parquet-dir", parquet_dir)
        current = parquet_dir / CURRENT_LINK
        if current.exists() and not current.is_symlink():
            raise OutputError(f"--parquet-dir {parquet_dir}: {current} is not a symlink: move it")


def _publish(
    database: Path, out: Path, parquet_dir: Path | None, schema: str, keep_versions: int
) -> dict[str, int]:
    staged_database = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    staged_version: Path | None = None
    try:
        row_counts = _copy_marts(database, staged_database, schema)
        if parquet_dir is not None:
            staged_version = _export_parquet(staged_database, parquet_dir, row_counts)
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
        _swap_current(parquet_dir, staged_version)
        _prune_versions(parquet_dir, keep_versions)
    return row_counts


# --- the DuckDB copy -----------------------------------------------------------------------------


def _copy_marts(database: Path, target: Path, schema: str) -> dict[str, int]:
    """Write the public marts of `database`'s `schema` into the new file `target`, in the schema
    `marts`, in one snapshot."""
    con = _create_database(target)
    try:
        _attach_source(con, database)
        tables = public_tables(con, database, schema)
        con.execute("begin transaction")
        con.execute(f"create schema {quote_identifier(PUBLISHED_SCHEMA)}")
        for table in tables:
            con.execute(
                f"create table {relation(PUBLISHED_SCHEMA, table)} as "
                f"select * from {relation(schema, table, catalog='source')}"
            )
        row_counts = {
            table: _count(con, relation(schema, table, catalog="source")) for table in tables
        }
        copied = {table: _count(con, relation(PUBLISHED_SCHEMA, table)) for table in tables}
        if copied != row_counts:
            raise PublishError(f"copy of {database} lost rows: {copied} != {row_counts}")
        con.execute("commit")
        con.execute("detach source")
        con.execute("checkpoint")
    finally:
        con.close()
    return row_counts


def _create_database(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as error:  # e.g. a read-only folder
        raise OutputError(
            f"--out: cannot create a file in {path.parent}: {one_line(error)}"
        ) from error


def _attach_source(con: duckdb.DuckDBPyConnection, database: Path) -> None:
    path = str(database).replace("'", "''")
    try:
        con.execute(f"attach '{path}' as source (read_only)")
    except duckdb.Error as error:
        raise PublishError(
            f"cannot open {database} as a DuckDB database, read-only (not a DuckDB file, or a "
            f"dbt build still writing it?): {error}"
        ) from error


def public_tables(
    con: duckdb.DuckDBPyConnection, database: Path, schema: str = DEFAULT_MARTS_SCHEMA
) -> list[str]:
    """The public marts in `schema` of the attached `source` catalog: kpi_values first, then by
    name."""
    schemas = con.execute(
        "select count(*) from information_schema.schemata "
        "where catalog_name = 'source' and lower(schema_name) = lower(?)",
        [schema],
    ).fetchone()
    if not schemas or not schemas[0]:
        raise PublishError(
            f"{database} has no {schema} schema: run `dbt build` before publishing, or "
            f"{SCHEMA_HINT}"
        )
    names = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'source' and lower(table_schema) = lower(?) "
            "order by table_name",
            [schema],
        ).fetchall()
    ]
    if REQUIRED_TABLE not in names:
        raise PublishError(
            f"{database} has no {schema}.{REQUIRED_TABLE}: "
            "run `dbt build` before publishing (at least `--select +kpi_values`; the other "
            "public marts, such as fct_funnel_person_steps, only with a build of everything), "
            f"or {SCHEMA_HINT}"
        )
    public = [name for name in names if name in PUBLIC_TABLES or name.startswith(PUBLIC_PREFIXES)]
    return sorted(public, key=lambda name: (name != REQUIRED_TABLE, name))


def _count(con: duckdb.DuckDBPyConnection, table_relation: str) -> int:
    row = con.execute(f"select count(*) from {table_relation}").fetchone()
    return int(row[0]) if row else 0


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def relation(schema: str, table: str, *, catalog: str | None = None) -> str:
    """`catalog.schema.table`, every part quoted."""
    parts = (catalog, schema, table) if catalog else (schema, table)
    return ".".join(quote_identifier(part) for part in parts)


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
                con.execute(
                    f"copy {relation(PUBLISHED_SCHEMA, table)} to '{target}' (format parquet)"
                )
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
        help=(
            "published DuckDB file BI tools read, the marts always in its schema "
            f"{PUBLISHED_SCHEMA} (default %(default)s)"
        ),
    )
    parser.add_argument(
        "--parquet-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="also publish <DIR>/current/<table>.parquet (a symlink swapped atomically)",
    )
    add_schema_arguments(parser, reads="to publish", models=[REQUIRED_TABLE])
    parser.set_defaults(handler=run)


DESCRIPTION = (
    "Copy kpi_values, kpi_scorecard and the fct_/dim_ marts into a separate DuckDB file "
    "(and optionally Parquet), swapped in atomically. Run it after a successful build; "
    "connect BI tools to the published file, read-only. The marts are read from --schema, else "
    f"the schema of kpi_values in --manifest, else ${MARTS_SCHEMA_ENV}, else "
    f"{DEFAULT_MARTS_SCHEMA}; the published file always holds them in the schema "
    f"{PUBLISHED_SCHEMA} (BI tools read {PUBLISHED_SCHEMA}.kpi_values in every environment)."
)


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the `publish` subcommand on a `kpikit` subparsers object."""
    parser = subparsers.add_parser(
        "publish",
        help="publish the public marts to a read-only file BI tools can read during rebuilds",
        description=DESCRIPTION,
    )
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Publish; exit code 0, 1 when the warehouse cannot be published, 2 for a bad --manifest or
    an output path that cannot be written (one line on stderr each)."""
    started = time.monotonic()
    try:
        schema = marts_schemas(args.schema, args.manifest, [REQUIRED_TABLE])[REQUIRED_TABLE]
        row_counts = publish(args.database, args.out, args.parquet_dir, schema=schema)
    except (ManifestError, OutputError) as error:
        return _fail(error, 2)
    except (PublishError, duckdb.Error) as error:
        return _fail(error, 1)
    seconds = time.monotonic() - started
    print(f"Published {len(row_counts)} tables of schema {schema} to {args.out} in {seconds:.1f} s")
    for table, rows in row_counts.items():
        print(f"  {PUBLISHED_SCHEMA}.{table:<34}{rows:>12,} rows")
    if args.parquet_dir is not None:
        print(f"Parquet: {args.parquet_dir / CURRENT_LINK}/<table>.parquet")
    return 0


def _fail(error: BaseException, code: int) -> int:
    print(f"kpikit publish: error: {one_line(error)}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpikit.publish", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
