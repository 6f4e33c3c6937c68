"""The `kpikit` command line: one subcommand per tool (`kpikit generate --help`).

A subcommand is a function `_add_<name>(subparsers)` that registers its parser and sets
`handler`, a function from the parsed arguments to an exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import duckdb

from kpikit import benchmark, load, publish, report, shapes
from kpikit import generate as generator


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kpikit` script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("kpikit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`kpikit ... | head`): no traceback, and none at exit either
        # (Python would flush stdout into the closed pipe again).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpikit",
        description="Tooling for the kpikit dbt project (UX and product KPIs).",
    )
    subparsers = parser.add_subparsers(title="commands", dest="command", required=True)
    _add_generate(subparsers)
    load.add_parser(subparsers)
    report.add_parser(subparsers)
    publish.add_parser(subparsers)
    benchmark.add_parser(subparsers)
    shapes.add_parser(subparsers)
    return parser


# --- argument types: argparse turns their ArgumentTypeError into a clean usage error ----------


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


# --- generate ----------------------------------------------------------------------------------


def _add_generate(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate demo raw data (users, events, survey_responses as Parquet)",
        description=(
            "Generate the three raw tables (users, events, survey_responses) as Parquet files, "
            "with realistic behaviour and every data quirk the project must handle. "
            "Deterministic: the same arguments give the same data."
        ),
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=generator.DEFAULT_SEED,
        help="random seed (default %(default)s)",
    )
    parser.add_argument(
        "--users",
        type=positive_int,
        default=None,
        help=(
            f"accounts to simulate (default {generator.DEFAULT_USERS}, or derived from --events "
            "when only that is given)"
        ),
    )
    parser.add_argument(
        "--end-date",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day of data (default: today, UTC)",
    )
    parser.add_argument(
        "--days",
        type=positive_int,
        default=generator.DEFAULT_DAYS,
        help="days of history ending on the end date (default %(default)s)",
    )
    parser.add_argument(
        "--events",
        type=positive_int,
        default=None,
        metavar="N",
        help=(
            "approximate number of event rows wanted: scales events per session (with --users) "
            "or the number of accounts (without)"
        ),
    )
    parser.add_argument(
        "--shape",
        type=shapes.parse_shape_list,
        action="append",
        default=None,
        metavar="SHAPE",
        help=(
            "also write the data in a tracker's layout to <out>/<SHAPE>/ (repeatable or a comma "
            f"list of {', '.join(shapes.SHAPES)}; see `kpikit shape`)"
        ),
    )
    parser.add_argument(
        "--timestamptz",
        action="store_true",
        help="the --shape folders hold TIMESTAMPTZ columns (same UTC instants)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary")
    parser.set_defaults(handler=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    shape_names = list(dict.fromkeys(name for names in args.shape or () for name in names))
    if args.timestamptz and not shape_names:
        print("kpikit generate: error: --timestamptz needs --shape", file=sys.stderr)
        return 2
    config = generator.GeneratorConfig(
        out_dir=args.out,
        seed=args.seed,
        users=args.users,
        end_date=args.end_date or datetime.now(UTC).date(),
        days=args.days,
        events=args.events,
    )
    progress = None if args.quiet else _Progress(sys.stderr)
    try:
        result = generator.generate(config, progress=progress)
        for shape in shape_names:
            if progress is not None:
                progress(f"writing the {shape} layout to {args.out / shape}", None)
            shapes.write_shape(args.out, args.out / shape, shape, args.timestamptz)
    except (OSError, duckdb.Error, shapes.ShapeError) as error:
        if progress is not None:
            progress.finish(ok=False)
        print(f"kpikit generate: error: {error}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"kpikit: warning: {warning}", file=sys.stderr)
    if progress is not None:
        progress.finish()
    if not args.quiet:
        print(_summary(result))
        for shape in shape_names:
            print(f"  {shape} layout in {args.out / shape}")
    return 0


def _summary(result: generator.GenerationResult) -> str:
    lines = [
        f"Generated {result.out_dir} in {result.seconds:.1f} s: {result.users:,} accounts, "
        f"{result.start_date} to {result.end_date}"
        + (f", activity x{result.activity_scale:g}" if result.activity_scale != 1 else ""),
    ]
    for table, rows in result.row_counts.items():
        lines.append(f"  {table + '.parquet':<26}{rows:>14,} rows")
    return "\n".join(lines)


class _Progress:
    """Stage lines with elapsed seconds on stderr; a live percentage when it is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.live = stream.isatty()
        self.stage: str | None = None
        self.partial = False
        self.last_fraction = 0.0

    def __call__(self, stage: str, fraction: float | None) -> None:
        elapsed = time.monotonic() - self.started
        if stage != self.stage:
            self._end_line()
            self.stage = stage
            self.last_fraction = 0.0
            if fraction is None or not self.live:
                print(f"[{elapsed:6.1f}s] {stage}", file=self.stream, flush=True)
                return
        if fraction is None:
            return
        if self.live:
            print(f"\r[{elapsed:6.1f}s] {stage} {fraction:4.0%}", end="", file=self.stream)
            self.stream.flush()
            self.partial = True
        elif int(fraction * 4) > int(self.last_fraction * 4):
            print(f"[{elapsed:6.1f}s] {stage} {fraction:4.0%}", file=self.stream, flush=True)
        self.last_fraction = fraction

    def _end_line(self) -> None:
        if self.partial:
            print(file=self.stream, flush=True)
            self.partial = False

    def finish(self, ok: bool = True) -> None:
        self._end_line()
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {'done' if ok else 'failed'}", file=self.stream, flush=True)


if __name__ == "__main__":
    sys.exit(main())
