"""Demo raw data in the warehouse layouts of real trackers ("shapes").

The dbt project reads the native raw tables (users, events, survey_responses) or, through its
tracker adapters, the tables a real tracker loads into a warehouse. This module rewrites a native
folder (``users.parquet``, ``events.parquet``, ``survey_responses.parquet``) as one of those
layouts, so that a test can check that every adapter gives exactly the KPIs of the native layout.

Shapes (each a folder of Parquet files):

``native``
    The three files as they are.
``segment``
    Segment / RudderStack with one table per event: ``tracks`` (the standard columns of every
    event), ``<event_name>`` (the same columns plus one text column per top-level property key,
    sorted by key) for each event name matching ``^[a-z0-9_]+$`` that has a non-empty properties
    object, ``identifies`` (one row per account) and the native ``survey_responses``. Events whose
    properties are not null and not a JSON object (malformed text, ``[1, 2]``, ``42``, ``null``)
    cannot exist in this layout and are left out of every table.
``segment_json``
    Segment exported with a JSON ``properties`` column: ``tracks`` with every native event and
    its properties text as is (malformed included), ``identifies`` and ``survey_responses``.
``snowplow``
    Snowplow's canonical ``atomic.events`` as ``events`` (self-describing events whose
    ``unstruct_event`` holds the native properties at ``$.data.data``, null properties as
    ``{}``; the same events left out as in ``segment``) and the native ``users`` and
    ``survey_responses``.

With ``timestamptz`` every timestamp column of every file is TIMESTAMPTZ holding the same UTC
instant as the native naive timestamp. The DuckDB session runs in UTC whatever the machine's time
zone, so the conversion never depends on it.

Property values are the text DuckDB's ``json_extract_string`` gives: a string without its quotes,
a number as DuckDB prints it (``49.00`` becomes ``49.0``), ``true``/``false``, an array or object
as compact JSON, and a JSON ``null`` as SQL null (like a missing key).

Every file is written to a scratch folder first and moved into place once all are written, so a
failure leaves the previous folder as it was. A ``.kpikit-shape`` file lists what was written;
files it lists that the new run does not write (an event that is gone) are deleted, and no other.

Run it as ``kpikit shape --from NATIVE_DIR --out OUT_DIR --shape SHAPE [--timestamptz]`` (or
``python -m kpikit.shapes``), or ask ``kpikit generate --shape SHAPE`` for ``<out>/<shape>/``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kpikit.load import RAW_TABLES

SHAPES = ("native", "segment", "segment_json", "snowplow")
LIBRARY_NAME = "kpikit-demo"  # segment context_library_name
SAFE_EVENT_NAME = re.compile(r"^[a-z0-9_]+$")
MARKER = ".kpikit-shape"  # the files the last run wrote, one a line

SNOWPLOW_UNSTRUCT_SCHEMA = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
SNOWPLOW_VENDOR = "com.kpikit"

# Properties that can be loaded by Segment or Snowplow: null or a JSON object. DuckDB's CASE only
# evaluates json_type on the rows json_valid accepted (json_type fails on malformed text).
_LOADABLE = (
    "(properties is null or "
    "case when json_valid(properties) then json_type(properties) = 'OBJECT' else false end)"
)


class ShapeError(Exception):
    """The shape cannot be written (bad input, unusable output folder); one line of text."""


# =================================================================================================
# Public API
# =================================================================================================


def write_shape(native_dir: Path, out_dir: Path, shape: str, timestamptz: bool = False) -> Path:
    """Write the native folder `native_dir` in layout `shape` to `out_dir` (created); return it."""
    _write_shape(Path(native_dir), Path(out_dir), shape, timestamptz)
    return Path(out_dir)


def parse_shape_list(text: str) -> list[str]:
    """argparse type: a comma list of shape names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SHAPES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown shape {', '.join(map(repr, unknown)) or repr(text)} "
            f"(choose from {', '.join(SHAPES)})"
        )
    return names


# =================================================================================================
# Writing
# =================================================================================================


def _write_shape(native_dir: Path, out_dir: Path, shape: str, timestamptz: bool) -> dict[str, int]:
    """Write every file of the shape; return the rows per file name (without .parquet)."""
    if shape not in SHAPES:
        raise ShapeError(f"unknown shape {shape!r} (choose from {', '.join(SHAPES)})")
    inputs = _native_paths(native_dir)
    if out_dir.resolve() == native_dir.resolve():
        raise ShapeError(f"the output folder must not be the input folder {native_dir}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.TemporaryDirectory(prefix=".kpikit-shape-", dir=out_dir) as work,
            _connection(Path(work)) as con,
        ):
            _create_native_views(con, inputs)
            queries = _QUERIES[shape](con, timestamptz)
            counts = {
                name: _copy(con, query, Path(work) / f"{name}.parquet")
                for name, query in queries.items()
            }
            for name in counts:
                os.replace(Path(work) / f"{name}.parquet", out_dir / f"{name}.parquet")
        _replace_marker(out_dir, [f"{name}.parquet" for name in counts])
    except OSError as error:
        raise ShapeError(_one_line(error)) from None
    except duckdb.Error as error:
        raise ShapeError(_one_line(error)) from None
    return counts


def _native_paths(native_dir: Path) -> dict[str, Path]:
    paths = {table: native_dir / f"{table}.parquet" for table in RAW_TABLES}
    for path in paths.values():
        if not path.is_file():
            raise ShapeError(f"missing input file {path}")
    return paths


@contextmanager
def _connection(work_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB in UTC that spills to `work_dir`."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set temp_directory = '{_sql_text(str(work_dir / 'spill'))}'")
        yield con
    finally:
        con.close()


def _create_native_views(con: duckdb.DuckDBPyConnection, paths: dict[str, Path]) -> None:
    """Views native_<table> with the native layout's columns, in order and cast to its types."""
    for table, path in paths.items():
        source = f"read_parquet('{_sql_text(str(path))}')"
        present = {row[0] for row in con.execute(f"describe select * from {source}").fetchall()}
        missing = [name for name, _ in RAW_TABLES[table] if name not in present]
        if missing:
            raise ShapeError(f"{path}: missing column(s) {', '.join(missing)}")
        columns = ", ".join(
            f"cast({_ident(name)} as {type_}) as {_ident(name)}"
            for name, type_ in RAW_TABLES[table]
        )
        con.execute(f"create view native_{table} as select {columns} from {source}")
    con.execute(f"create view loadable_events as select * from native_events where {_LOADABLE}")


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    row = con.execute(f"copy ({query}) to '{_sql_text(str(path))}' (format parquet)").fetchone()
    return int(row[0]) if row else 0


def _replace_marker(out_dir: Path, written: Sequence[str]) -> None:
    """Delete the files the previous run listed that this run did not write; list this run's."""
    marker = out_dir / MARKER
    previous = marker.read_text().splitlines() if marker.is_file() else []
    for name in previous:
        if name not in written and "/" not in name and name.endswith(".parquet"):
            (out_dir / name).unlink(missing_ok=True)
    marker.write_text("".join(f"{name}\n" for name in written))


# =================================================================================================
# The shapes: file name -> query
# =================================================================================================

Queries = dict[str, str]


def _native_queries(con: duckdb.DuckDBPyConnection, timestamptz: bool) -> Queries:
    return {table: _native_select(table, timestamptz) for table in RAW_TABLES}


def _segment_queries(con: duckdb.DuckDBPyConnection, timestamptz: bool) -> Queries:
    standard = _segment_standard_columns(timestamptz)
    queries = {"tracks": f"select {standard} from loadable_events"}
    for event_name, keys in _event_property_keys(con).items():
        if SAFE_EVENT_NAME.match(event_name) and event_name not in _SEGMENT_TABLES:
            queries[event_name] = _segment_event_select(event_name, keys, standard)
    queries["identifies"] = _identifies_select(timestamptz)
    queries["survey_responses"] = _native_select("survey_responses", timestamptz)
    return queries


def _segment_json_queries(con: duckdb.DuckDBPyConnection, timestamptz: bool) -> Queries:
    standard = _segment_standard_columns(timestamptz)
    return {
        "tracks": f"select {standard}, properties from native_events",
        "identifies": _identifies_select(timestamptz),
        "survey_responses": _native_select("survey_responses", timestamptz),
    }


def _snowplow_queries(con: duckdb.DuckDBPyConnection, timestamptz: bool) -> Queries:
    return {
        "events": _snowplow_events_select(timestamptz),
        "users": _native_select("users", timestamptz),
        "survey_responses": _native_select("survey_responses", timestamptz),
    }


_QUERIES: dict[str, Callable[[duckdb.DuckDBPyConnection, bool], Queries]] = {
    "native": _native_queries,
    "segment": _segment_queries,
    "segment_json": _segment_json_queries,
    "snowplow": _snowplow_queries,
}

# Segment's own tables in the folder: an event of that name gets no table of its own.
_SEGMENT_TABLES = frozenset({"tracks", "identifies", "survey_responses"})

_SEGMENT_STANDARD = (
    ("id", "event_id"),
    ("anonymous_id", "anonymous_id"),
    ("user_id", "user_id"),
    ("event", "event_name"),
    ("event_text", "event_name"),
    ("context_session_id", "session_id"),
    ("context_library_name", f"'{LIBRARY_NAME}'"),
    ("original_timestamp", "occurred_at"),
    ("timestamp", "occurred_at"),
    ("sent_at", "occurred_at"),
    ("received_at", "received_at"),
    ("uuid_ts", "received_at"),
)
_EVENT_TIMESTAMPS = frozenset({"occurred_at", "received_at"})


def _native_select(table: str, timestamptz: bool) -> str:
    columns = ", ".join(
        f"{_timestamp(_ident(name), timestamptz) if type_ == 'timestamp' else _ident(name)} "
        f"as {_ident(name)}"
        for name, type_ in RAW_TABLES[table]
    )
    return f"select {columns} from native_{table}"


def _segment_standard_columns(timestamptz: bool) -> str:
    return ", ".join(
        f"{_timestamp(source, timestamptz) if source in _EVENT_TIMESTAMPS else source} "
        f"as {_ident(name)}"
        for name, source in _SEGMENT_STANDARD
    )


def _event_property_keys(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Event name -> the sorted top-level keys of its loadable properties (only events with a
    non-empty object)."""
    rows = con.execute(
        """
        select distinct event_name, key
        from (
            select event_name, unnest(json_keys(properties)) as key
            from loadable_events
            where event_name is not null and properties is not null
        )
        """
    ).fetchall()
    keys: dict[str, list[str]] = {}
    for event_name, key in rows:
        keys.setdefault(event_name, []).append(key)
    return {event_name: sorted(keys[event_name]) for event_name in sorted(keys)}


def _segment_event_select(event_name: str, keys: Sequence[str], standard: str) -> str:
    """The tracks columns of one event plus one text column per property key."""
    taken = {name for name, _ in _SEGMENT_STANDARD}
    seen: set[str] = set()
    for key in keys:
        folded = key.lower()  # DuckDB column names are case-insensitive
        if not key or folded in taken or folded in seen:
            raise ShapeError(
                f"segment: event {event_name!r} has property key {key!r}, which cannot be a "
                "column of its table (empty, or the same as another column)"
            )
        seen.add(folded)
    properties = ", ".join(
        f"json_extract_string(properties, '{_sql_text(_json_pointer(key))}') as {_ident(key)}"
        for key in keys
    )
    return (
        f"select {standard}, {properties} from loadable_events "
        f"where event_name = '{_sql_text(event_name)}'"
    )


def _identifies_select(timestamptz: bool) -> str:
    updated_at = _timestamp("updated_at", timestamptz)
    return f"""
        select
            'identify_' || cast(row_number() over () as varchar) as id,
            user_id,
            cast(null as varchar) as anonymous_id,
            {updated_at} as "timestamp",
            {updated_at} as received_at,
            email,
            {_timestamp("created_at", timestamptz)} as created_at,
            plan,
            country,
            acquisition_channel
        from native_users
    """


def _snowplow_events_select(timestamptz: bool) -> str:
    received_at = _timestamp("received_at", timestamptz)
    occurred_at = _timestamp("occurred_at", timestamptz)
    # to_json quotes and escapes the event's schema URI, so any event name gives valid JSON.
    event_schema = (
        f"cast(to_json('iglu:{SNOWPLOW_VENDOR}/' || coalesce(event_name, 'unknown') "
        "|| '/jsonschema/1-0-0') as varchar)"
    )
    return f"""
        select
            event_id,
            'kpikit' as app_id,
            'web' as platform,
            {received_at} as collector_tstamp,
            {occurred_at} as dvce_created_tstamp,
            {occurred_at} as derived_tstamp,
            {received_at} as load_tstamp,
            'unstruct' as event,
            '{SNOWPLOW_VENDOR}' as event_vendor,
            event_name,
            'jsonschema' as event_format,
            '1-0-0' as event_version,
            user_id,
            anonymous_id as domain_userid,
            session_id as domain_sessionid,
            '{{"schema":"{SNOWPLOW_UNSTRUCT_SCHEMA}","data":{{"schema":' || {event_schema}
                || ',"data":' || coalesce(properties, '{{}}') || '}}}}' as unstruct_event
        from loadable_events
    """


# =================================================================================================
# SQL text helpers
# =================================================================================================


def _timestamp(expression: str, timestamptz: bool) -> str:
    """A native (naive UTC) timestamp, as TIMESTAMPTZ of the same instant when asked."""
    return f"timezone('UTC', {expression})" if timestamptz else expression


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _json_pointer(key: str) -> str:
    """The JSON pointer (RFC 6901) of a top-level key: exact for any key, unlike a JSON path."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# =================================================================================================
# Command line
# =================================================================================================


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="native_dir",
        required=True,
        type=Path,
        metavar="NATIVE_DIR",
        help="folder with users.parquet, events.parquet and survey_responses.parquet",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="OUT_DIR", help="output folder (created)"
    )
    parser.add_argument("--shape", required=True, choices=SHAPES, help="warehouse layout")
    parser.add_argument(
        "--timestamptz",
        action="store_true",
        help="write every timestamp as TIMESTAMPTZ (same UTC instants) instead of TIMESTAMP",
    )
    parser.set_defaults(handler=run)


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the `shape` subcommand on a `kpikit` subparsers object."""
    parser = subparsers.add_parser(
        "shape",
        help="rewrite demo raw data in a real tracker's warehouse layout (Segment, Snowplow)",
        description=(
            "Rewrite a native raw folder (users, events, survey_responses as Parquet) as the "
            "tables a tracker loads into a warehouse: native, segment (one table per event), "
            "segment_json (a JSON properties column) or snowplow (atomic.events)."
        ),
    )
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Write the shape; exit code 0, or 2 with a one-line message when it cannot be written."""
    started = time.monotonic()
    try:
        counts = _write_shape(args.native_dir, args.out, args.shape, args.timestamptz)
    except ShapeError as error:
        print(f"kpikit shape: error: {error}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    print(f"Wrote the {args.shape} layout of {args.native_dir} to {args.out} in {seconds:.1f} s")
    for name, rows in counts.items():
        print(f"  {name + '.parquet':<34}{rows:>14,} rows")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kpikit.shapes",
        description="Rewrite demo raw data in a real tracker's warehouse layout.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
