"""Dagster definitions for kpikit: the dbt project as assets, a daily job and its schedule.

Needs the optional dependency group `dagster` (`uv sync --group dagster`, or `make env-all`); the
core package never imports this module.

What it defines (`defs`):

- **dbt assets** (`kpikit_dbt_assets`): every model and seed of the project, one Dagster asset
  each, with the dbt data tests as asset checks, materialized by `dbt build`. The raw sources
  (`raw/users`, `raw/events`, `raw/survey_responses`) are external assets upstream of them.
- **source freshness check** (`raw_source_freshness`): runs `dbt source freshness` and reports
  one asset check per raw source. A source past `warn_after` (2 days, see
  `models/staging/raw/_raw__sources.yml`) is a warning; past `error_after` (7 days), or not
  readable at all, the check fails with ERROR severity. It is blocking: the build does not run
  and the run fails.
- **job** `kpikit_daily`: the freshness check, then `dbt build` of every asset.
- **schedule** `kpikit_daily_schedule`: that job every day at 06:00 UTC (cron `0 6 * * *`).
  Like every Dagster schedule it starts stopped. The heavy models are incremental (keyed on
  the raw events' received_at, with a lookback; see README "Running on a schedule"): a run
  costs in proportion to the new data and gives the numbers of a full rebuild; a second run
  the same day, or re-running a failed day, changes no number and is safe. Runs must not
  overlap (each model processes what its upstream wrote since its own last run).

Run it from the repository root (the environment variables below apply to every command):

    export DAGSTER_HOME=$PWD/tmp/dagster            # run history and schedule state (mkdir it)
    export KPIKIT_DBT_VARS='{raw_path: /data/raw}'  # dbt vars, as for `dbt build --vars`
    # one run now: freshness check, then dbt build
    .venv/bin/dagster job execute -m kpikit.orchestration -j kpikit_daily
    # build without the freshness check
    .venv/bin/dagster asset materialize -m kpikit.orchestration --select '*'
    # on a schedule, headless: turn the schedule on once, then keep the daemon running
    .venv/bin/dagster schedule start kpikit_daily_schedule -m kpikit.orchestration
    .venv/bin/dagster-daemon run -m kpikit.orchestration
    # the UI and the scheduler together (needs dagster-webserver, see below)
    .venv/bin/dagster dev -m kpikit.orchestration    # http://127.0.0.1:3000

`dagster dev` needs the `dagster-webserver` package (same version as dagster), which the locked
`dagster` group does not include; everything else above works with the group as locked.

Configuration, all through environment variables:

- `KPIKIT_DBT_VARS`: a YAML (or JSON) mapping of dbt vars passed as `--vars` to every dbt
  command, e.g. `{raw_path: /data/raw, kpi_timezone: Europe/Paris}`. Read when a run starts.
- The profile's variables, read by `profiles.yml` in each dbt command: `DBT_TARGET` (`duckdb`,
  `postgres`), `DUCKDB_PATH` (default `warehouse/kpikit.duckdb`), `DUCKDB_TEMP_DIRECTORY`,
  `DUCKDB_THREADS`, `DUCKDB_MEMORY_LIMIT`, `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
  `PGDATABASE`, ... Relative paths are relative to the project folder.
- `DBT_TARGET_PATH`: dbt's artifact folder (default `target` in the project). The manifest is
  read from there; it is made there with `dbt parse` (same vars and profile as the runs, so they
  can parse partially) when missing, and on every load under `dagster dev`. Otherwise an
  existing manifest is used as it is: after changing models, run `dbt parse` or `dbt build`
  with the same target path. Each dbt command of a run writes its artifacts and `dbt.log` to
  a sub-folder of it.
- `KPIKIT_PROJECT_DIR`: the dbt project (default: the folder holding this package). The
  project's own `profiles.yml` is always used.

The dbt executable is the one installed beside the Python running Dagster (the project's
`.venv/bin/dbt`), so the dbt that runs is the one dagster-dbt imports; without one there, `dbt`
on PATH.
"""

# No `from __future__ import annotations` here: Dagster inspects the annotation of the `context`
# parameters at definition time and rejects a string.
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from uuid import uuid4

import yaml
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DefaultScheduleStatus,
    Definitions,
    Failure,
    MetadataValue,
    ScheduleDefinition,
    define_asset_job,
    multi_asset_check,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from kpikit import settings

DBT_VARS_ENV = "KPIKIT_DBT_VARS"
JOB_NAME = "kpikit_daily"
SCHEDULE_NAME = "kpikit_daily_schedule"
SCHEDULE_CRON = "0 6 * * *"
SCHEDULE_TIMEZONE = "UTC"
FRESHNESS_CHECK_NAME = "source_freshness"

# dbt source freshness statuses (sources.json): pass, warn, error, runtime error.
_FRESHNESS_ERRORS = frozenset({"error", "runtime error"})


def project_dir() -> Path:
    """The dbt project folder: KPIKIT_PROJECT_DIR, else the folder holding the kpikit package."""
    configured = os.environ.get("KPIKIT_PROJECT_DIR")
    return Path(configured).resolve() if configured else Path(__file__).resolve().parents[1]


def dbt_executable() -> str:
    """The dbt beside the running Python (the project's .venv), else `dbt` on PATH."""
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    on_path = shutil.which("dbt")
    if on_path is None:
        raise RuntimeError(
            f"dbt not found: neither {beside_python} nor `dbt` on PATH. Install the project's "
            "environment (`make env-all`) and run Dagster from it (.venv/bin/dagster)."
        )
    return on_path


def dbt_vars_text() -> str | None:
    """KPIKIT_DBT_VARS as given (dbt parses it as YAML), after checking it is a mapping."""
    text = os.environ.get(DBT_VARS_ENV, "").strip()
    if not text:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{DBT_VARS_ENV} is not valid YAML: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(
            f"{DBT_VARS_ENV} must be a YAML mapping such as '{{raw_path: /data/raw}}', got {text!r}"
        )
    return text


def dbt_vars_args() -> list[str]:
    """The `--vars ...` arguments of every dbt command (none when KPIKIT_DBT_VARS is unset)."""
    text = dbt_vars_text()
    return ["--vars", text] if text else []


def ensure_duckdb_folders(project: Path) -> None:
    """Create the folders of the DuckDB file and temp directory (DuckDB does not), with the
    defaults of profiles.yml; nothing to do on other targets."""
    if os.environ.get("DBT_TARGET", "duckdb") != "duckdb":
        return
    database = str(settings.duckdb_path())
    if ":" not in database.split("/", 1)[0]:  # a file, not :memory:, md:..., s3://...
        (project / database).parent.mkdir(parents=True, exist_ok=True)
    (project / os.environ.get("DUCKDB_TEMP_DIRECTORY", "warehouse/tmp")).mkdir(
        parents=True, exist_ok=True
    )


def prepare_manifest(project: DbtProject, executable: str) -> Path:
    """The project's manifest.json: made with `dbt parse` when missing, and on every load under
    `dagster dev` (as DbtProject.prepare_if_dev does, but with this module's dbt executable)."""
    if os.environ.get("DAGSTER_IS_DEV_CLI") or not project.manifest_path.exists():
        resource = DbtCliResource(project_dir=project, dbt_executable=executable)
        resource.cli(["parse", "--quiet", *dbt_vars_args()], target_path=project.target_path).wait()
        if not project.manifest_path.exists():
            raise RuntimeError(f"dbt parse did not write {project.manifest_path}")
    return project.manifest_path


PROJECT_DIR = project_dir()
DBT_EXECUTABLE = dbt_executable()
DBT_PROJECT = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=os.environ.get("DBT_TARGET_PATH", "target"),
)
MANIFEST_PATH = prepare_manifest(DBT_PROJECT, DBT_EXECUTABLE)
TRANSLATOR = DagsterDbtTranslator()


@dbt_assets(manifest=MANIFEST_PATH, project=DBT_PROJECT, dagster_dbt_translator=TRANSLATOR)
def kpikit_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Every model and seed of kpikit, built (and tested) by `dbt build`."""
    ensure_duckdb_folders(PROJECT_DIR)
    yield from dbt.cli(["build", *dbt_vars_args()], context=context).stream()


def _source_specs(manifest_path: Path) -> dict[str, AssetSpec]:
    """The dbt sources as external asset specs, by dbt unique_id (keys as dagster-dbt names them,
    so the dbt assets depend on them)."""
    manifest: Mapping[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    specs = {}
    for unique_id, source in sorted(manifest.get("sources", {}).items()):
        spec = TRANSLATOR.get_asset_spec(manifest, unique_id, DBT_PROJECT)
        specs[unique_id] = AssetSpec(
            key=spec.key,
            description=source.get("description") or None,
            group_name="raw",
            # The table and its columns; not dagster-dbt's internal keys (the whole manifest).
            metadata={
                key: value for key, value in spec.metadata.items() if key.startswith("dagster/")
            },
            kinds=spec.kinds,
        )
    return specs


RAW_SOURCES = _source_specs(MANIFEST_PATH)


def freshness_check_result(key: AssetKey, result: Mapping[str, Any]) -> AssetCheckResult:
    """One source's row of dbt's sources.json as an asset check result: `pass` passes, `warn`
    fails with WARN severity (the build goes on), `error` and `runtime error` fail with ERROR
    severity (blocking: the build does not run)."""
    status = str(result.get("status", "runtime error"))
    metadata: dict[str, Any] = {"status": status}
    if result.get("max_loaded_at"):
        metadata["max_loaded_at"] = str(result["max_loaded_at"])
        metadata["snapshotted_at"] = str(result.get("snapshotted_at"))
    age_seconds = result.get("max_loaded_at_time_ago_in_s")
    if age_seconds is not None:
        metadata["age_hours"] = MetadataValue.float(round(float(age_seconds) / 3600, 1))
    criteria = result.get("criteria") or {}
    for threshold in ("warn_after", "error_after"):
        rule = criteria.get(threshold) or {}
        if rule.get("count") is not None:
            metadata[threshold] = f"{rule['count']} {rule['period']}"
    if result.get("message"):
        metadata["message"] = str(result["message"])
    return AssetCheckResult(
        asset_key=key,
        check_name=FRESHNESS_CHECK_NAME,
        passed=status == "pass",
        severity=(
            AssetCheckSeverity.ERROR if status in _FRESHNESS_ERRORS else AssetCheckSeverity.WARN
        ),
        metadata=metadata,
    )


def _describe(key: AssetKey, result: Mapping[str, Any]) -> str:
    age_seconds = result.get("max_loaded_at_time_ago_in_s")
    age = f", last loaded {float(age_seconds) / 86400:.1f} days ago" if age_seconds else ""
    message = f" ({result['message']})" if result.get("message") else ""
    return f"{key.to_user_string()}: freshness {result.get('status')}{age}{message}"


@multi_asset_check(
    name="raw_source_freshness",
    specs=[
        AssetCheckSpec(
            name=FRESHNESS_CHECK_NAME,
            asset=spec.key,
            blocking=True,
            description=(
                "dbt source freshness: warns past warn_after, fails (and stops the build) past "
                "error_after or when the source cannot be read."
            ),
        )
        for spec in RAW_SOURCES.values()
    ],
)
def raw_source_freshness(
    context: AssetCheckExecutionContext, dbt: DbtCliResource
) -> Iterator[AssetCheckResult]:
    """`dbt source freshness`, one check result per raw source."""
    ensure_duckdb_folders(PROJECT_DIR)
    # Named like dagster-dbt's folders for the dbt assets: <step>-<run id>-<random>.
    target_path = (
        DBT_PROJECT.target_path
        / f"{context.op_def.name}-{context.run.run_id[:7]}-{uuid4().hex[:7]}"
    )
    invocation = dbt.cli(
        ["source", "freshness", *dbt_vars_args()], raise_on_error=False, target_path=target_path
    )
    invocation.wait()
    sources_path = invocation.target_path / "sources.json"
    if not sources_path.exists():  # dbt stopped before checking anything (config, connection)
        error = invocation.get_error()
        raise Failure(
            description=f"dbt source freshness did not run: {error}",
            metadata={"dbt_log": str(invocation.target_path / "dbt.log")},
        )
    results = {row["unique_id"]: row for row in invocation.get_artifact("sources.json")["results"]}
    for unique_id, spec in RAW_SOURCES.items():
        result = results.get(unique_id, {"status": "runtime error", "message": "not checked"})
        log = context.log.info if result.get("status") == "pass" else context.log.warning
        log(_describe(spec.key, result))
        yield freshness_check_result(spec.key, result)


kpikit_daily_job = define_asset_job(
    name=JOB_NAME,
    selection=AssetSelection.checks(raw_source_freshness)
    | AssetSelection.assets(kpikit_dbt_assets),
    description=(
        "Checks the raw sources' freshness (dbt source freshness), then builds every model "
        "(dbt build). A source past its error threshold fails the run before the build."
    ),
)

kpikit_daily_schedule = ScheduleDefinition(
    name=SCHEDULE_NAME,
    job=kpikit_daily_job,
    cron_schedule=SCHEDULE_CRON,
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="kpikit_daily every day at 06:00 UTC.",
)

defs = Definitions(
    assets=[kpikit_dbt_assets, *RAW_SOURCES.values()],
    asset_checks=[raw_source_freshness],
    jobs=[kpikit_daily_job],
    schedules=[kpikit_daily_schedule],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)},
)
