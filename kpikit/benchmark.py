"""Benchmark of the dbt build at scale: ``kpikit benchmark --events 1000000 10000000``.

For each size it generates demo data (``kpikit generate --events N``, cached under the work
folder) and measures, with ``dbt run`` of every model on a DuckDB file:

- **full build**: ``dbt run --full-refresh`` of all the data into an empty warehouse;
- **one-day incremental**: a warehouse fully built on the history up to the last day of data
  (``kpikit.batches.write_raw_as_of``), then ``dbt run`` once the last day has arrived;
- **no-op incremental**: the same run again with no new data (dbt's floor for a daily run);
- **dbt parse**: ``dbt parse --no-partial-parse``, dbt's own overhead before any SQL runs
  (the runs above use partial parsing, as a scheduled deployment would).

Every measured run starts from the same state (a fresh or copied warehouse file) and is repeated
``--runs`` times; the report gives the median and the range of wall time, and the peak resident
memory of the dbt process (DuckDB runs inside it). The slowest models of a full build come from
dbt's run_results.json. Figures go to stdout as Markdown and to ``<work>/benchmark.json``.

History length: ``--days`` (default 180, the generator's) sets the days of data of each size.
With the default, a larger size is a busier product: more events every day, so its one-day
batch grows with it. To see how a daily run grows with the history alone, keep the daily volume
fixed and give days in proportion to events: ``--events 1000000 10000000 --days 180 1800``.

DuckDB's memory limit, worker threads and spill folder are the profile's environment variables
(``DUCKDB_MEMORY_LIMIT``, ``DUCKDB_WORKER_THREADS``, ``DUCKDB_TEMP_DIRECTORY``), set here from
``--memory-limit``, ``--threads`` and ``--temp-directory``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from kpikit.batches import received_at_range, write_raw_as_of
from kpikit.generate import DEFAULT_DAYS

PROJECT_DIR = Path(__file__).resolve().parents[1]
END_DATE = "2026-10-31"  # fixed, so every size and every run measures the same data
BIN = Path(sys.executable).parent

# Runs one command and prints its peak resident memory (KiB on Linux): getrusage of the children
# of a fresh process is the peak of the only child it ran.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


class BenchmarkError(RuntimeError):
    """A measured command failed; the message names it and where its log is."""


@dataclass
class Measurement:
    """Repeated runs of one step: wall seconds and peak memory (MiB) of each run."""

    step: str
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def max_peak_mib(self) -> float:
        return max(self.peak_mib)


@dataclass
class SizeResult:
    """Everything measured at one data size."""

    events_requested: int
    days: int
    load_average_before: tuple[float, float, float]
    raw_event_rows: int
    history_event_rows: int
    measurements: list[Measurement]
    slowest_models_full: list[tuple[str, float]]
    slowest_models_incremental: list[tuple[str, float]]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "benchmark",
        help="time the dbt build at scale (full build, one-day incremental, parse)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--events",
        type=int,
        nargs="+",
        default=[1_000_000, 10_000_000],
        help="data sizes, in generated events (default: 1000000 10000000)",
    )
    parser.add_argument(
        "--days",
        type=int,
        nargs="+",
        default=[DEFAULT_DAYS],
        help=(
            "days of data of each size: one value for every size, or one per size "
            f"(default: {DEFAULT_DAYS})"
        ),
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="repetitions of every measured step (default: 3)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=PROJECT_DIR / "warehouse" / "benchmark",
        help="folder for generated data, warehouses and the report (default: warehouse/benchmark)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit (default: 3GB)")
    parser.add_argument(
        "--threads", type=int, default=None, help="DuckDB worker threads (default: one per core)"
    )
    parser.add_argument(
        "--temp-directory",
        type=Path,
        default=None,
        help="where DuckDB spills past its memory limit (default: <work>/duckdb_tmp)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.runs < 1 or any(events < 1 for events in args.events):
        print("kpikit benchmark: --runs and --events must be positive", file=sys.stderr)
        return 2
    if len(args.days) not in (1, len(args.events)) or any(days < 2 for days in args.days):
        print(
            "kpikit benchmark: --days takes one value, or one per --events size, each at least 2",
            file=sys.stderr,
        )
        return 2
    days_per_size = args.days * len(args.events) if len(args.days) == 1 else args.days
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    temp_directory = (args.temp_directory or work / "duckdb_tmp").resolve()
    temp_directory.mkdir(parents=True, exist_ok=True)
    env = _dbt_env(args.memory_limit, args.threads, temp_directory)
    results = []
    try:
        for events, days in zip(args.events, days_per_size, strict=True):
            results.append(_measure_size(work, events, days, args.seed, args.runs, env))
    except BenchmarkError as error:
        print(f"kpikit benchmark: {error}", file=sys.stderr)
        return 1
    report = {
        "machine": _machine(),
        "settings": {
            "memory_limit": args.memory_limit,
            "worker_threads": args.threads or os.cpu_count(),
            "dbt_threads": int(env.get("DUCKDB_THREADS", "2")),
            "runs": args.runs,
            "seed": args.seed,
        },
        "sizes": [asdict(result) for result in results],
    }
    (work / "benchmark.json").write_text(json.dumps(report, indent=2, default=str))
    print(format_report(report, results))
    return 0


def _dbt_env(memory_limit: str, threads: int | None, temp_directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET="duckdb",
        DUCKDB_MEMORY_LIMIT=memory_limit,
        DUCKDB_TEMP_DIRECTORY=str(temp_directory),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    if threads:
        env["DUCKDB_WORKER_THREADS"] = str(threads)
    else:
        env.pop("DUCKDB_WORKER_THREADS", None)
    return env


def _measure_size(
    work: Path, events: int, days: int, seed: int, runs: int, env: dict[str, str]
) -> SizeResult:
    size_dir = work / (
        f"events_{events}" if days == DEFAULT_DAYS else f"events_{events}_days_{days}"
    )
    load_before = os.getloadavg()
    raw_dir = _generated(size_dir / "raw", events, days, seed)
    _, last_received = received_at_range(raw_dir)
    # dbt always reads one folder and writes one DuckDB file (the same raw_path var and profile,
    # so partial parsing stays valid from one run to the next, as in a deployment): the folder
    # holds first the history, then all the data; warehouses are copied in and out of the file.
    current_dir = size_dir / "raw_current"
    database = size_dir / "warehouse.duckdb"
    target = size_dir / "target"
    measurements = []

    parse = Measurement("dbt parse (no partial parse)")
    for _ in range(runs):
        command = _dbt("parse", size_dir / "target_parse", current_dir, "--no-partial-parse")
        _timed(parse, command, env, size_dir)
    measurements.append(parse)

    history = write_raw_as_of(raw_dir, current_dir, last_received - timedelta(days=1))
    history_db = size_dir / "history.duckdb"
    _remove_database(database)
    _untimed(_dbt("seed", target, current_dir), env, database, size_dir)
    _untimed(_dbt("run", target, current_dir, "--full-refresh"), env, database, size_dir)
    shutil.copy(database, history_db)
    everything = write_raw_as_of(raw_dir, current_dir, last_received)

    full = Measurement("full build (dbt run --full-refresh)")
    for _ in range(runs):
        _remove_database(database)
        _untimed(_dbt("seed", target, current_dir), env, database, size_dir)
        _timed(full, _dbt("run", target, current_dir, "--full-refresh"), env, size_dir, database)
    slowest_full = _slowest_models(target)
    measurements.append(full)

    incremental = Measurement("one-day incremental (dbt run)")
    noop = Measurement("no-op incremental (dbt run, no new data)")
    for _ in range(runs):
        _remove_database(database)
        shutil.copy(history_db, database)
        _timed(incremental, _dbt("run", target, current_dir), env, size_dir, database)
        slowest_incremental = _slowest_models(target)
        _timed(noop, _dbt("run", target, current_dir), env, size_dir, database)
    measurements += [incremental, noop]

    return SizeResult(
        events_requested=events,
        days=days,
        load_average_before=load_before,
        raw_event_rows=everything.rows["events"],
        history_event_rows=history.rows["events"],
        measurements=measurements,
        slowest_models_full=slowest_full,
        slowest_models_incremental=slowest_incremental,
    )


def _generated(raw_dir: Path, events: int, days: int, seed: int) -> Path:
    marker = raw_dir / ".generated"
    wanted = f"events={events} days={days} seed={seed} end_date={END_DATE}"
    if marker.exists() and marker.read_text() == wanted:
        return raw_dir
    command = [
        str(BIN / "kpikit"),
        "generate",
        "--out",
        str(raw_dir),
        "--events",
        str(events),
        "--seed",
        str(seed),
        "--end-date",
        END_DATE,
        "--days",
        str(days),
        "--quiet",
    ]
    if subprocess.run(command, check=False).returncode != 0:
        raise BenchmarkError(f"generating {events} events failed: {' '.join(command)}")
    marker.write_text(wanted)
    return raw_dir


def _dbt(subcommand: str, target: Path, raw_dir: Path | None, *extra: str) -> list[str]:
    command = [
        str(BIN / "dbt"),
        subcommand,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target.parent / "logs"),
    ]
    if raw_dir is not None:
        command += ["--vars", json.dumps({"raw_path": str(raw_dir)})]
    return [*command, *extra]


def _timed(
    measurement: Measurement,
    command: list[str],
    env: dict[str, str],
    size_dir: Path,
    database: Path | None = None,
) -> None:
    run_env = dict(env, DUCKDB_PATH=str(database or size_dir / "parse.duckdb"))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchmarkError(
            f"{measurement.step} failed: {' '.join(command)} (log: {size_dir / 'logs'})"
        )
    measurement.seconds.append(round(elapsed, 2))
    measurement.peak_mib.append(round(int(result.stdout.split()[-1]) / 1024, 1))


def _untimed(command: list[str], env: dict[str, str], database: Path, size_dir: Path) -> None:
    result = subprocess.run(
        command, env=dict(env, DUCKDB_PATH=str(database)), capture_output=True, check=False
    )
    if result.returncode != 0:
        raise BenchmarkError(f"preparing failed: {' '.join(command)} (log: {size_dir / 'logs'})")


def _remove_database(database: Path) -> None:
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)


def _slowest_models(target: Path, count: int = 5) -> list[tuple[str, float]]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    timed = [
        (item["unique_id"].removeprefix("model.kpikit."), round(item["execution_time"], 2))
        for item in results
        if item["unique_id"].startswith("model.")
    ]
    return sorted(timed, key=lambda pair: -pair[1])[:count]


def _machine() -> dict[str, object]:
    memory_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def format_report(report: dict[str, object], results: Sequence[SizeResult]) -> str:
    machine = report["machine"]
    settings = report["settings"]
    lines = [
        f"Machine: {machine['cores']} cores, {machine['memory_gib']} GiB; DuckDB memory_limit "
        f"{settings['memory_limit']}, {settings['worker_threads']} worker threads, "
        f"{settings['dbt_threads']} dbt threads; {settings['runs']} runs per step (median, "
        "min-max); load average before each size: "
        + ", ".join(f"{result.load_average_before[0]:.1f}" for result in results)
        + ".",
        "",
        "| raw event rows | days | one-day batch rows | step | median s | min-max s "
        "| peak memory MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        batch_rows = result.raw_event_rows - result.history_event_rows
        for measurement in result.measurements:
            lines.append(
                f"| {result.raw_event_rows:,} | {result.days} | {batch_rows:,} | "
                f"{measurement.step} | {measurement.median_seconds:.1f} | "
                f"{min(measurement.seconds):.1f}-{max(measurement.seconds):.1f} | "
                f"{measurement.max_peak_mib:,.0f} |"
            )
    for result in results:
        lines += ["", f"Slowest models at {result.raw_event_rows:,} raw event rows (seconds):"]
        lines.append(
            "- full build: "
            + ", ".join(f"{name} {seconds}" for name, seconds in result.slowest_models_full)
        )
        lines.append(
            "- one-day incremental: "
            + ", ".join(f"{name} {seconds}" for name, seconds in result.slowest_models_incremental)
        )
    return "\n".join(lines)
