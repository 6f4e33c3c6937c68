"""Tracker layouts of the demo data (`kpikit shape`, kpikit/shapes.py): exact contents of every
shape on a tiny hand-made native folder, TIMESTAMPTZ instants, stale files and CLI errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import write_raw_folder

from kpikit import cli
from kpikit.shapes import SHAPES, ShapeError, write_shape

T0 = datetime(2026, 3, 1, 10, 0, 0)

SEGMENT_TRACK_COLUMNS = [
    "id",
    "anonymous_id",
    "user_id",
    "event",
    "event_text",
    "context_session_id",
    "context_library_name",
    "original_timestamp",
    "timestamp",
    "sent_at",
    "received_at",
    "uuid_ts",
]
IDENTIFIES_COLUMNS = [
    "id",
    "user_id",
    "anonymous_id",
    "timestamp",
    "received_at",
    "email",
    "created_at",
    "plan",
    "country",
    "acquisition_channel",
]
SNOWPLOW_EVENTS_COLUMNS = [
    "event_id",
    "app_id",
    "platform",
    "collector_tstamp",
    "dvce_created_tstamp",
    "derived_tstamp",
    "load_tstamp",
    "event",
    "event_vendor",
    "event_name",
    "event_format",
    "event_version",
    "user_id",
    "domain_userid",
    "domain_sessionid",
    "unstruct_event",
]
NATIVE_COLUMNS = {
    "users": [
        "user_id",
        "created_at",
        "updated_at",
        "email",
        "country",
        "plan",
        "acquisition_channel",
    ],
    "events": [
        "event_id",
        "user_id",
        "anonymous_id",
        "session_id",
        "event_name",
        "occurred_at",
        "received_at",
        "properties",
    ],
    "survey_responses": ["response_id", "survey", "item", "score", "user_id", "responded_at"],
}

# Native rows whose properties cannot exist in the Segment and Snowplow layouts.
LEFT_OUT = {"e_malformed", "e_array", "e_number", "e_json_null"}


def _event(
    event_id: str | None,
    event_name: str | None,
    properties: dict[str, Any] | str | None,
    minute: int,
    *,
    user_id: str | None = "u1",
    anonymous_id: str | None = "a1",
    received_after: timedelta = timedelta(seconds=5),
) -> dict[str, Any]:
    occurred_at = T0 + timedelta(minutes=minute)
    return {
        "event_id": event_id,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "session_id": "s1" if user_id else "s0",
        "event_name": event_name,
        "occurred_at": occurred_at,
        "received_at": occurred_at + received_after,
        "properties": properties,
    }


EVENTS = [
    _event("e_page", "page_viewed", {"path": "/home"}, 0),
    _event("e_feature", "feature_used", {"feature": "search"}, 1),
    _event(
        "e_feature", "feature_used", {"feature": "search"}, 1, received_after=timedelta(hours=2)
    ),
    _event("e_start", "task_started", {"task_id": "t1", "attempt_id": "att_1"}, 2),
    _event(None, "task_error", {"task_id": "t1", "attempt_id": "att_1", "code": "E42"}, 3),
    _event("e_done", "task_completed", {"task_id": "t1", "attempt_id": "att_1"}, 4),
    _event("e_order1", "order_completed", '{"order_id": "o_1", "plan": "pro", "amount": 49.00}', 5),
    _event(
        "e_order2",
        "order_completed",
        {"order_id": "o_2", "plan": "team", "amount": 99, "coupon": "SPRING"},
        6,
    ),
    _event("e_malformed", "feature_used", '{"feature": "search"', 7),
    _event("e_array", "page_viewed", "[1, 2]", 8),
    _event("e_number", "page_viewed", "42", 9),
    _event("e_json_null", "page_viewed", "null", 10),
    _event("e_no_name", None, {"path": "/x"}, 11),
    _event("e_email", "email_delivered", None, 12),
    _event("e_anonymous", "page_viewed", None, 13, user_id=None, anonymous_id="a2"),
    _event("e_signup", "signed_up", "{}", 14),
    _event("e_unsafe", "Checkout Started", {"step": 1}, 15),
    {**_event("e_no_time", "page_viewed", {"path": "/pricing"}, 16), "occurred_at": None},
]
USERS = [
    {
        "user_id": f"u{i}",
        "created_at": T0 - timedelta(days=i),
        "updated_at": T0 + timedelta(hours=i),
        "email": f"user{i}@example.com",
        "country": "FR",
        "plan": "free",
        "acquisition_channel": "organic_search",
    }
    for i in (1, 2, 3)
]
SURVEY_RESPONSES = [
    {
        "response_id": "r1",
        "survey": "nps",
        "item": 1,
        "score": 9,
        "user_id": "u1",
        "responded_at": T0,
    },
    {"response_id": "r2", "survey": "csat", "item": 1, "score": 4, "user_id": "u2"},
]
PER_EVENT_KEYS = {
    "page_viewed": ["path"],
    "feature_used": ["feature"],
    "task_started": ["attempt_id", "task_id"],
    "task_error": ["attempt_id", "code", "task_id"],
    "task_completed": ["attempt_id", "task_id"],
    "order_completed": ["amount", "coupon", "order_id", "plan"],
}


# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def native(tmp_path: Path) -> Path:
    return write_raw_folder(
        tmp_path / "native_in", users=USERS, events=EVENTS, survey_responses=SURVEY_RESPONSES
    )


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A reading connection in a non-UTC time zone: instants must not depend on it."""
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'America/Los_Angeles'")
    yield connection
    connection.close()


def _parquet(path: Path) -> str:
    return f"read_parquet('{path}')"


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in con.execute(f"describe select * from {_parquet(path)}").fetchall()
    ]


def _names(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [name for name, _ in _columns(con, path)]


def _rows(con: duckdb.DuckDBPyConnection, path: Path, columns: str = "*") -> list[dict[str, Any]]:
    result = con.execute(f"select {columns} from {_parquet(path)}")
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _epoch_rows(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[Any, ...]]:
    """Every row, timestamps as epoch microseconds (an instant, whatever the session zone)."""
    columns = ", ".join(
        f'epoch_us("{name}")' if type_.startswith("TIMESTAMP") else f'"{name}"'
        for name, type_ in _columns(con, path)
    )
    return con.execute(f"select {columns} from {_parquet(path)}").fetchall()


def _files(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.parquet")}


def _loadable_native() -> list[dict[str, Any]]:
    return [event for event in EVENTS if event["event_id"] not in LEFT_OUT]


def _as_text(value: Any) -> str:
    """A JSON value as the text a Segment property column holds."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _native_properties(event: dict[str, Any]) -> dict[str, Any]:
    properties = event["properties"]
    if properties is None:
        return {}
    return json.loads(properties) if isinstance(properties, str) else properties


# --- native ---------------------------------------------------------------------------------------


def test_native_is_the_input(native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    out = write_shape(native, tmp_path / "native", "native")
    assert out == tmp_path / "native"
    assert _files(out) == {"users", "events", "survey_responses"}
    for table, names in NATIVE_COLUMNS.items():
        assert _columns(con, out / f"{table}.parquet") == _columns(con, native / f"{table}.parquet")
        assert _names(con, out / f"{table}.parquet") == names
        assert _rows(con, out / f"{table}.parquet") == _rows(con, native / f"{table}.parquet")


# --- segment --------------------------------------------------------------------------------------


def test_segment_tracks(native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    out = write_shape(native, tmp_path / "segment", "segment")
    assert _files(out) == {"tracks", "identifies", "survey_responses", *PER_EVENT_KEYS}
    tracks = out / "tracks.parquet"
    assert _names(con, tracks) == SEGMENT_TRACK_COLUMNS
    rows = _rows(con, tracks)
    expected = _loadable_native()
    assert len(rows) == len(EVENTS) - len(LEFT_OUT) == 14
    assert Counter(row["id"] for row in rows) == Counter(event["event_id"] for event in expected)
    assert [row["id"] for row in rows].count("e_feature") == 2, "duplicate deliveries kept"
    by_received = {(event["event_id"], event["received_at"]): event for event in expected}
    for row in rows:
        event = by_received[(row["id"], row["received_at"].replace(tzinfo=None))]
        assert row["anonymous_id"] == event["anonymous_id"]
        assert row["user_id"] == event["user_id"]
        assert row["event"] == row["event_text"] == event["event_name"]
        assert row["context_session_id"] == event["session_id"]
        assert row["context_library_name"] == "kpikit-demo"
        assert row["original_timestamp"] == row["timestamp"] == row["sent_at"]
        assert row["timestamp"] == event["occurred_at"]
        assert row["uuid_ts"] == row["received_at"]


def test_segment_per_event_tables(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    out = write_shape(native, tmp_path / "segment", "segment")
    tracks = _rows(con, out / "tracks.parquet")
    for event_name, keys in PER_EVENT_KEYS.items():
        path = out / f"{event_name}.parquet"
        assert _names(con, path) == SEGMENT_TRACK_COLUMNS + keys
        assert all(type_ == "VARCHAR" for _, type_ in _columns(con, path)[-len(keys) :])
        rows = _rows(con, path)
        standard = [tuple(row[name] for name in SEGMENT_TRACK_COLUMNS) for row in rows]
        same_event = [
            tuple(row[name] for name in SEGMENT_TRACK_COLUMNS)
            for row in tracks
            if row["event"] == event_name
        ]
        assert Counter(standard) == Counter(same_event), event_name

    page_viewed = _rows(con, out / "page_viewed.parquet", "id, path")
    assert sorted(page_viewed, key=lambda row: row["id"]) == [
        {"id": "e_anonymous", "path": None},
        {"id": "e_no_time", "path": "/pricing"},
        {"id": "e_page", "path": "/home"},
    ]
    orders = _rows(con, out / "order_completed.parquet", "id, amount, coupon, order_id, plan")
    assert sorted(orders, key=lambda row: row["id"]) == [
        {"id": "e_order1", "amount": "49.0", "coupon": None, "order_id": "o_1", "plan": "pro"},
        {"id": "e_order2", "amount": "99", "coupon": "SPRING", "order_id": "o_2", "plan": "team"},
    ]
    assert _rows(con, out / "feature_used.parquet", "id, feature") == [
        {"id": "e_feature", "feature": "search"},
        {"id": "e_feature", "feature": "search"},
    ]
    task_error = _rows(con, out / "task_error.parquet", "id, attempt_id, code, task_id")
    assert task_error == [{"id": None, "attempt_id": "att_1", "code": "E42", "task_id": "t1"}]


def test_segment_properties_reassemble_to_native(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    out = write_shape(native, tmp_path / "segment", "segment")
    for event_name, keys in PER_EVENT_KEYS.items():
        rebuilt = Counter(
            (
                row["id"],
                row["received_at"].replace(tzinfo=None),
                frozenset((key, row[key]) for key in keys if row[key] is not None),
            )
            for row in _rows(con, out / f"{event_name}.parquet")
        )
        expected = Counter(
            (
                event["event_id"],
                event["received_at"],
                frozenset(
                    (key, _as_text(value)) for key, value in _native_properties(event).items()
                ),
            )
            for event in _loadable_native()
            if event["event_name"] == event_name
        )
        assert rebuilt == expected, event_name


def test_segment_events_without_a_table(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """Null and unsafe names, and events with no non-empty properties object, are in tracks
    only."""
    out = write_shape(native, tmp_path / "segment", "segment")
    tracks_ids = {row["id"] for row in _rows(con, out / "tracks.parquet", "id")}
    assert {"e_no_name", "e_email", "e_signup", "e_unsafe"} <= tracks_ids
    assert not LEFT_OUT & tracks_ids
    assert not {"email_delivered", "signed_up", "Checkout Started"} & _files(out)


def test_segment_identifies_and_surveys(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    out = write_shape(native, tmp_path / "segment", "segment")
    identifies = out / "identifies.parquet"
    assert _names(con, identifies) == IDENTIFIES_COLUMNS
    rows = _rows(con, identifies)
    assert len({row["id"] for row in rows}) == len(rows) == len(USERS)
    assert all(row["id"].startswith("identify_") for row in rows)
    assert dict(_columns(con, identifies))["anonymous_id"] == "VARCHAR"
    by_user = {row["user_id"]: row for row in rows}
    for user in USERS:
        row = by_user[user["user_id"]]
        assert row["anonymous_id"] is None
        assert row["timestamp"] == row["received_at"] == user["updated_at"]
        for name in ("email", "created_at", "plan", "country", "acquisition_channel"):
            assert row[name] == user[name]
    surveys = out / "survey_responses.parquet"
    assert _rows(con, surveys) == _rows(con, native / "survey_responses.parquet")


def test_segment_json(native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    out = write_shape(native, tmp_path / "segment_json", "segment_json")
    assert _files(out) == {"tracks", "identifies", "survey_responses"}
    tracks = out / "tracks.parquet"
    assert _names(con, tracks) == [*SEGMENT_TRACK_COLUMNS, "properties"]
    rows = _rows(con, tracks, "id, received_at, properties")
    native_rows = _rows(con, native / "events.parquet", "event_id, received_at, properties")
    assert len(rows) == len(EVENTS)
    assert Counter(tuple(row.values()) for row in rows) == Counter(
        tuple(row.values()) for row in native_rows
    )
    malformed = [row["properties"] for row in rows if row["id"] == "e_malformed"]
    assert malformed == ['{"feature": "search"']
    segment = write_shape(native, tmp_path / "segment", "segment")
    for name in ("identifies", "survey_responses"):
        assert _rows(con, out / f"{name}.parquet") == _rows(con, segment / f"{name}.parquet")


# --- snowplow -------------------------------------------------------------------------------------


def test_snowplow_events(native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    out = write_shape(native, tmp_path / "snowplow", "snowplow")
    assert _files(out) == {"events", "users", "survey_responses"}
    events = out / "events.parquet"
    assert _names(con, events) == SNOWPLOW_EVENTS_COLUMNS
    rows = _rows(con, events)
    expected = _loadable_native()
    assert len(rows) == len(expected) == 14
    assert not LEFT_OUT & {row["event_id"] for row in rows}
    by_received = {(event["event_id"], event["received_at"]): event for event in expected}
    for row in rows:
        event = by_received[(row["event_id"], row["collector_tstamp"])]
        assert (row["app_id"], row["platform"], row["event"]) == ("kpikit", "web", "unstruct")
        assert (row["event_vendor"], row["event_format"], row["event_version"]) == (
            "com.kpikit",
            "jsonschema",
            "1-0-0",
        )
        assert row["load_tstamp"] == row["collector_tstamp"] == event["received_at"]
        assert row["dvce_created_tstamp"] == row["derived_tstamp"] == event["occurred_at"]
        assert row["event_name"] == event["event_name"]
        assert row["user_id"] == event["user_id"]
        assert row["domain_userid"] == event["anonymous_id"]
        assert row["domain_sessionid"] == event["session_id"]
        unstruct = json.loads(row["unstruct_event"])
        assert unstruct["schema"] == (
            "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
        )
        name = event["event_name"] or "unknown"
        assert unstruct["data"]["schema"] == f"iglu:com.kpikit/{name}/jsonschema/1-0-0"
        assert unstruct["data"]["data"] == _native_properties(event)
    page = next(row for row in rows if row["event_id"] == "e_page")
    assert page["unstruct_event"] == (
        '{"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",'
        '"data":{"schema":"iglu:com.kpikit/page_viewed/jsonschema/1-0-0",'
        '"data":{"path": "/home"}}}'
    )
    for table in ("users", "survey_responses"):
        path = out / f"{table}.parquet"
        assert _rows(con, path) == _rows(con, native / f"{table}.parquet")


def test_snowplow_data_path_is_native_properties_in_sql(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """What an adapter reads with DuckDB's JSON path equals the native properties (minified)."""
    out = write_shape(native, tmp_path / "snowplow", "snowplow")
    matched, different = con.execute(
        f"""
        select
            count(*),
            count(*) filter (
                where json_extract(s.unstruct_event, '$.data.data')::varchar is distinct from
                    case when json_valid(n.properties) then json(n.properties)::varchar end
            )
        from {_parquet(out / "events.parquet")} as s
        join {_parquet(native / "events.parquet")} as n
            on s.event_id = n.event_id and s.collector_tstamp = n.received_at
        where n.properties is not null
        """
    ).fetchall()[0]
    assert (matched, different) == (11, 0)


# --- timestamptz ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_timestamptz_holds_the_same_instants(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection, shape: str
) -> None:
    naive = write_shape(native, tmp_path / "naive", shape)
    aware = write_shape(native, tmp_path / "aware", shape, timestamptz=True)
    assert _files(naive) == _files(aware)
    for name in sorted(_files(naive)):
        naive_columns = _columns(con, naive / f"{name}.parquet")
        aware_columns = _columns(con, aware / f"{name}.parquet")
        assert [n for n, _ in naive_columns] == [n for n, _ in aware_columns]
        assert "TIMESTAMP WITH TIME ZONE" not in {type_ for _, type_ in naive_columns}
        assert "TIMESTAMP" not in {type_ for _, type_ in aware_columns}
        for (column, naive_type), (_, aware_type) in zip(naive_columns, aware_columns, strict=True):
            if naive_type == "TIMESTAMP":
                assert aware_type == "TIMESTAMP WITH TIME ZONE", (name, column)
            else:
                assert aware_type == naive_type, (name, column)
        assert _epoch_rows(con, aware / f"{name}.parquet") == _epoch_rows(
            con, naive / f"{name}.parquet"
        ), name


def test_timestamptz_instants_equal_native_ones(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    out = write_shape(native, tmp_path / "segment", "segment", timestamptz=True)
    tracks = con.execute(
        f"select id, epoch_us(original_timestamp), epoch_us(received_at) "
        f"from {_parquet(out / 'tracks.parquet')}"
    ).fetchall()
    native_rows = con.execute(
        f"select event_id, epoch_us(occurred_at), epoch_us(received_at) "
        f"from {_parquet(native / 'events.parquet')} where event_id is null "
        f"or event_id not in ({', '.join(repr(event_id) for event_id in sorted(LEFT_OUT))})"
    ).fetchall()
    assert Counter(tracks) == Counter(native_rows)
    expected = int((T0 - datetime(1970, 1, 1)).total_seconds() * 1_000_000)
    page = [row for row in tracks if row[0] == "e_page"]
    assert page == [("e_page", expected, expected + 5_000_000)]


def test_machine_time_zone_does_not_matter(tmp_path: Path, native: Path) -> None:
    """Under TZ=America/Los_Angeles, timestamptz output read back as native input (a TIMESTAMPTZ
    native file) gives the original naive UTC timestamps."""
    aware = tmp_path / "aware"
    back = tmp_path / "back"
    env = {**os.environ, "TZ": "America/Los_Angeles"}
    for source, target, extra in ((native, aware, ["--timestamptz"]), (aware, back, [])):
        command = [sys.executable, "-m", "kpikit.cli", "shape", "--from", str(source)]
        command += ["--out", str(target), "--shape", "native", *extra]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    reader = duckdb.connect()
    try:
        for table in NATIVE_COLUMNS:
            assert _columns(reader, back / f"{table}.parquet") == _columns(
                reader, native / f"{table}.parquet"
            )
            assert _rows(reader, back / f"{table}.parquet") == _rows(
                reader, native / f"{table}.parquet"
            )
    finally:
        reader.close()


# --- edge cases -----------------------------------------------------------------------------------


def test_stale_event_tables_are_removed(
    native: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    out = write_shape(native, tmp_path / "segment", "segment")
    (out / "mine.parquet").write_bytes(b"someone else's file")
    fewer = write_raw_folder(
        tmp_path / "fewer",
        users=USERS,
        events=[event for event in EVENTS if event["event_name"] != "order_completed"],
        survey_responses=SURVEY_RESPONSES,
    )
    write_shape(fewer, out, "segment")
    assert _files(out) == {"tracks", "identifies", "survey_responses", "mine"} | (
        set(PER_EVENT_KEYS) - {"order_completed"}
    )
    assert not list(out.glob(".kpikit-shape-*")), "no scratch folder left"


def test_reserved_event_name_and_colliding_property_key(tmp_path: Path) -> None:
    reserved = write_raw_folder(
        tmp_path / "reserved", events=[_event("e1", "tracks", {"path": "/"}, 0)]
    )
    out = write_shape(reserved, tmp_path / "reserved_out", "segment")
    con = duckdb.connect()
    try:
        assert _names(con, out / "tracks.parquet") == SEGMENT_TRACK_COLUMNS
    finally:
        con.close()
    colliding = write_raw_folder(
        tmp_path / "colliding", events=[_event("e1", "page_viewed", {"User_Id": "x"}, 0)]
    )
    with pytest.raises(ShapeError, match="User_Id"):
        write_shape(colliding, tmp_path / "colliding_out", "segment")


def test_empty_native_folder(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    empty = write_raw_folder(tmp_path / "empty")
    out = write_shape(empty, tmp_path / "segment", "segment")
    assert _files(out) == {"tracks", "identifies", "survey_responses"}
    assert _names(con, out / "tracks.parquet") == SEGMENT_TRACK_COLUMNS
    assert _rows(con, out / "tracks.parquet") == []


# --- command line ---------------------------------------------------------------------------------


def test_cli_writes_a_shape(
    native: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snowplow"
    args = ["shape", "--from", str(native), "--out", str(out), "--shape", "snowplow"]
    assert cli.main(args) == 0
    captured = capsys.readouterr()
    assert "events.parquet" in captured.out
    assert _files(out) == {"events", "users", "survey_responses"}


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert err.startswith("kpikit shape: error: ")
    return err


def test_cli_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    partial = write_raw_folder(tmp_path / "partial")
    (partial / "events.parquet").unlink()
    args = ["shape", "--from", str(partial), "--out", str(tmp_path / "out"), "--shape", "segment"]
    assert cli.main(args) == 2
    error = _error_line(capsys)
    assert "missing input file" in error
    assert "events.parquet" in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("shape", SHAPES)
def test_cli_out_under_a_regular_file(
    native: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    args = ["shape", "--from", str(native), "--out", str(blocker / "sub"), "--shape", shape]
    assert cli.main(args) == 2
    _error_line(capsys)


def test_cli_out_is_the_input(native: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["shape", "--from", str(native), "--out", str(native), "--shape", "snowplow"]
    assert cli.main(args) == 2
    assert "must not be the input folder" in _error_line(capsys)


def test_cli_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write_raw_folder(tmp_path / "broken")
    (broken / "users.parquet").write_text("not parquet\nat all\n")
    args = ["shape", "--from", str(broken), "--out", str(tmp_path / "out"), "--shape", "native"]
    assert cli.main(args) == 2
    _error_line(capsys)
    con = duckdb.connect()
    try:
        con.execute(
            f"copy (select 'u1' as user_id) to '{broken / 'users.parquet'}' (format parquet)"
        )
    finally:
        con.close()
    assert cli.main(args) == 2
    assert "missing column(s) created_at" in _error_line(capsys)


def test_cli_unknown_shape(
    native: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["shape", "--from", str(native), "--out", str(tmp_path / "out"), "--shape", "amplitude"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_generate_writes_the_requested_shapes(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    out = tmp_path / "generated"
    args = ["generate", "--out", str(out), "--users", "20", "--days", "7"]
    args += ["--end-date", "2026-10-31", "--quiet", "--timestamptz"]
    assert cli.main([*args, "--shape", "segment,snowplow", "--shape", "segment"]) == 0
    assert {path.name for path in out.iterdir() if path.is_dir()} == {"segment", "snowplow"}
    loadable = con.execute(
        f"select count(*) from {_parquet(out / 'events.parquet')} where properties is null "
        "or case when json_valid(properties) then json_type(properties) = 'OBJECT' "
        "else false end"
    ).fetchone()
    for path, column in (
        (out / "segment" / "tracks.parquet", "received_at"),
        (out / "snowplow" / "events.parquet", "collector_tstamp"),
    ):
        assert con.execute(f"select count(*) from {_parquet(path)}").fetchone() == loadable
        assert dict(_columns(con, path))[column] == "TIMESTAMP WITH TIME ZONE"


def test_generate_shape_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", "--out", str(out), "--shape", "segment,mixpanel"])
    assert exit_info.value.code == 2
    assert "unknown shape 'mixpanel'" in capsys.readouterr().err
    assert cli.main(["generate", "--out", str(out), "--timestamptz", "--quiet"]) == 2
    assert "--timestamptz needs --shape" in capsys.readouterr().err
    assert not out.exists()
