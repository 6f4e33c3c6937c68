"""The scorecard report: one self-contained, accessible HTML page that names every registry KPI,
checked as text and rendered in headless Chromium (no console errors, no outside request), with a
screenshot kept as a test artefact (tmp/artifacts/kpi_scorecard.png; docs/img/ too when
KPIKIT_UPDATE_SCREENSHOT=1).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_project import REPO_ROOT, apt_install
from headless_chromium import open_page
from scorecard_build import (
    build_scorecard,
    copy_with_marts_in,
    warehouse_with_one_table,
    write_manifest,
)

from kpikit.publish import MARTS_SCHEMA_ENV
from kpikit.report import (
    STATUS_LABELS,
    STATUSES,
    Report,
    ScorecardEntry,
    TrendPoint,
    format_change,
    format_value,
    humanize,
    load_report,
    main,
    nice_ticks,
    render_html,
    render_report,
    trend_months,
    write_report,
)

SEED = 7
TIMEZONE = "UTC"  # the build shared with the other tests
ARTIFACT = REPO_ROOT / "tmp" / "artifacts" / "kpi_scorecard.png"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "img" / "kpi_scorecard.png"
PAGE_WIDTH = 1280
# Anything that would make a browser fetch something: the page must hold none.
FETCHING = re.compile(r"""\b(?:src|href|srcset|xlink:href)\s*=|url\(|@import""", re.IGNORECASE)
DEV_SCHEMA = "dev_marts"  # where the marts land when kpikit is a package of a dev target


@pytest.fixture(scope="module")
def warehouse(
    built_warehouse: Callable[[int, str], Path], generated_raw: Callable[[int], Path]
) -> Path:
    """The shared seed-7 warehouse, with the registry and the scorecard built into it."""
    return build_scorecard(built_warehouse(SEED, TIMEZONE), generated_raw(SEED), TIMEZONE)


@pytest.fixture(autouse=True)
def no_schema_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI tests name the schema themselves: $KPIKIT_MARTS_SCHEMA of the caller is unset."""
    monkeypatch.delenv(MARTS_SCHEMA_ENV, raising=False)


@pytest.fixture(scope="module")
def scorecard(warehouse: Path) -> list[dict[str, Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute("select * from marts.kpi_scorecard")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    assert rows, "the shipped registry has entries"
    return rows


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing (the tests run as root, as on
    every machine of this project and in CI). A failed install fails the tests: the browser check
    is part of the suite, not an optional extra."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        apt_install("chromium")
    return path


# --- the page from a real warehouse --------------------------------------------------------------


def test_report_is_self_contained_and_names_every_kpi(
    warehouse: Path, scorecard: list[dict[str, Any]]
) -> None:
    page = render_report(warehouse)

    assert page.startswith("<!doctype html>")
    assert "http://" not in page and "https://" not in page
    assert not FETCHING.search(page), FETCHING.search(page)
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert "Content-Security-Policy" in page
    for row in scorecard:
        assert f'data-kpi-id="{escape(row["kpi_id"])}"' in page
        assert f'data-goal="{escape(row["goal"])}"' in page
    assert page.count("<svg") == len(scorecard), "one trend chart per registry entry"
    assert page.count("<title>KPI scorecard") == 1
    assert page.count('<title id="chart-') == len(scorecard), "each chart has a title"
    assert page.count('<desc id="chart-') == len(scorecard), "and a description"
    assert page.count('role="img" aria-labelledby="chart-') == len(scorecard)
    as_of = scorecard[0]["as_of_date"]
    assert f"as of {as_of.day} " in page


def test_charts_show_the_last_12_months(warehouse: Path, scorecard: list[dict[str, Any]]) -> None:
    page = render_report(warehouse)
    months = trend_months(scorecard[0]["as_of_date"])
    assert len(months) == 12
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        points, incomplete = con.execute(
            """
            select count(*), count(*) filter (where not is_complete)
            from marts.kpi_values as kpi_values
            inner join marts.kpi_scorecard as scorecard
                using (kpi_id, dimension, dimension_value)
            where grain = 'month' and period_start between ? and ?
            """,
            [months[0], months[-1]],
        ).fetchone()
    finally:
        con.close()
    assert page.count('<circle class="point') == points
    assert page.count('<circle class="point incomplete"') == incomplete
    assert incomplete > 0, "the demo data end in a month still filling up"


def test_cli_writes_the_page(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "report" / "kpi_scorecard.html"
    assert main(["--database", str(warehouse), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [path.name for path in out.parent.iterdir()] == [out.name]


def test_cli_errors_name_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["--database", str(tmp_path / "nope.duckdb"), "--out", str(out)]) == 1
    assert "no warehouse at" in capsys.readouterr().err

    without_scorecard = tmp_path / "kpis_only.duckdb"
    con = duckdb.connect(str(without_scorecard))
    con.execute("create schema marts")
    con.execute("create table marts.kpi_values (kpi_id varchar)")
    con.close()
    assert main(["--database", str(without_scorecard), "--out", str(out)]) == 1
    assert "marts.kpi_scorecard is missing" in capsys.readouterr().err
    assert not out.exists()


# --- marts in another schema: --schema, --manifest, $KPIKIT_MARTS_SCHEMA ------------------------


@pytest.fixture(scope="module")
def dev_warehouse(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared warehouse with its marts in the schema dev_marts, none in marts."""
    copy = tmp_path_factory.mktemp("dev_target") / "warehouse.duckdb"
    return copy_with_marts_in(warehouse, copy, DEV_SCHEMA)


def footer_sources(page: str) -> str:
    return page[page.index('<footer class="page-footer">') :]


def test_report_reads_the_marts_from_another_schema(warehouse: Path, dev_warehouse: Path) -> None:
    expected = load_report(warehouse)
    report = load_report(dev_warehouse, schema=DEV_SCHEMA)

    assert report.entries == expected.entries and report.entries
    assert report.trends == expected.trends and report.months == expected.months
    footer = footer_sources(render_html(report))
    assert f"<code>{DEV_SCHEMA}.kpi_scorecard</code>" in footer
    assert f"<code>{DEV_SCHEMA}.kpi_values</code>" in footer


@pytest.mark.parametrize("how", ["schema", "manifest", "env", "schema-beats-env"])
def test_cli_reads_the_schema_named_by_flag_manifest_or_env(
    warehouse: Path,
    dev_warehouse: Path,
    scorecard: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    database, flags = dev_warehouse, ["--schema", DEV_SCHEMA]
    scorecard_schema = DEV_SCHEMA
    if how == "manifest":  # each model read from its own schema, as the manifest says
        scorecard_schema = "dev_scores"
        database = copy_with_marts_in(
            warehouse, tmp_path / "split.duckdb", DEV_SCHEMA, {"kpi_scorecard": scorecard_schema}
        )
        manifest = tmp_path / "target" / "manifest.json"
        write_manifest(manifest, {"kpi_values": DEV_SCHEMA, "kpi_scorecard": scorecard_schema})
        flags = ["--manifest", str(manifest)]
    elif how == "env":
        monkeypatch.setenv(MARTS_SCHEMA_ENV, DEV_SCHEMA)
        flags = []
    elif how == "schema-beats-env":
        monkeypatch.setenv(MARTS_SCHEMA_ENV, "nope")
    out = tmp_path / "report.html"

    assert main(["--database", str(database), "--out", str(out), *flags]) == 0

    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == len(scorecard)
    footer = footer_sources(page)
    assert f"<code>{scorecard_schema}.kpi_scorecard</code>" in footer
    assert f"<code>{DEV_SCHEMA}.kpi_values</code>" in footer


@pytest.mark.parametrize(
    ("source", "flags", "code", "message"),
    [
        (
            "dev",
            [],
            1,
            "marts.kpi_scorecard is missing from {database}: build it with `dbt build --select "
            "kpi_registry+` (or make demo), or name the schema holding the marts with --schema "
            "NAME or --manifest FILE",
        ),
        ("dev", ["--schema", "nope"], 1, "nope.kpi_scorecard is missing"),
        ("scorecard only", ["--schema", DEV_SCHEMA], 1, f"{DEV_SCHEMA}.kpi_values is missing"),
        ("dev", ["--manifest", "{tmp}/missing.json"], 2, "missing.json: no such file"),
        ("dev", ["--manifest", "{tmp}/values_only.json"], 2, "holds no kpi_scorecard model"),
        (
            "dev",
            ["--schema", DEV_SCHEMA, "--out", "{tmp}/a_file/report.html"],
            2,
            "{tmp}/a_file is a file, not a folder",
        ),
        ("dev", ["--schema", DEV_SCHEMA, "--out", "{tmp}"], 2, "--out {tmp} is a folder"),
    ],
    ids=[
        "default-marts",
        "unknown-schema",
        "no-kpi-values",
        "no-manifest",
        "no-model",
        "out-under-a-file",
        "out-is-a-folder",
    ],
)
def test_cli_schema_manifest_and_output_errors_are_one_line(
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
        else warehouse_with_one_table(tmp_path / "scores.duckdb", DEV_SCHEMA, "kpi_scorecard")
    )
    write_manifest(tmp_path / "values_only.json", {"kpi_values": DEV_SCHEMA})
    (tmp_path / "a_file").write_text("in the way\n")
    before = sorted(tmp_path.iterdir())
    out = tmp_path / "report" / "kpi_scorecard.html"
    arguments = [flag.replace("{tmp}", str(tmp_path)) for flag in flags]

    assert main(["--database", str(database), "--out", str(out), *arguments]) == code

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("kpikit report: error: ") and captured.err.count("\n") == 1
    assert message.format(tmp=tmp_path, database=database) in captured.err
    assert sorted(tmp_path.iterdir()) == before, "nothing written, no temporary file left"


def test_help_names_the_schema_options_and_the_env_var(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--schema NAME" in text and "--manifest FILE" in text
    assert f"${MARTS_SCHEMA_ENV}" in text and "kpi_scorecard and kpi_values models" in text


# --- a hand-made scorecard covering every case --------------------------------------------------


def entry(**overrides: Any) -> ScorecardEntry:
    defaults: dict[str, Any] = {
        "goal": "onboarding",
        "kpi_id": "activation_rate",
        "dimension": "all",
        "dimension_value": "all",
        "level": "product",
        "owner": "onboarding_pm",
        "indicator_type": "leading",
        "direction": "higher_is_better",
        "unit": "share",
        "review_cadence": "weekly",
        "guardrail_for": None,
        "status": "on_track",
        "latest_value": 0.45,
        "previous_value": 0.42,
        "value_change": 0.03,
        "baseline_value": 0.4,
        "target_value": 0.5,
        "progress": 0.5,
        "expected_progress": 0.3,
        "latest_sample_size": 120,
        "is_guardrail": False,
        "is_target_met": False,
        "is_target_date_passed": False,
        "guardrail_breached": None,
        "is_low_sample": False,
        "latest_period_start": date(2026, 9, 1),
        "previous_period_start": date(2026, 8, 1),
        "baseline_period_start": date(2026, 3, 1),
        "target_date": date(2027, 3, 31),
        "as_of_date": date(2026, 10, 31),
        "next_review_date": date(2026, 11, 2),
    }
    return ScorecardEntry(**{**defaults, **overrides})


def monthly(values: list[float | None], *, ci: float | None = None) -> list[TrendPoint]:
    """Points for Nov 2025 .. Oct 2026 (None: no row), the last month incomplete."""
    months = trend_months(date(2026, 10, 31))
    return [
        TrendPoint(
            month,
            value,
            100,
            None if ci is None else value - ci,
            None if ci is None else value + ci,
            index < len(months) - 1,
        )
        for index, (month, value) in enumerate(zip(months, values, strict=True))
        if value is not None
    ]


def synthetic_report() -> Report:
    hostile = "<script>alert('x')</script>"
    entries = [
        entry(),
        entry(kpi_id="retention_d7", status="at_risk", progress=0.1, expected_progress=0.3),
        entry(
            kpi_id="time_on_task_seconds",
            dimension="task_id",
            dimension_value="import_data",
            unit="seconds",
            direction="lower_is_better",
            status="off_track",
            latest_value=150.0,
            previous_value=130.0,
            value_change=20.0,
            baseline_value=140.0,
            target_value=110.0,
            progress=-0.33,
        ),
        entry(
            kpi_id="time_to_activation_hours",
            unit="hours",
            direction="lower_is_better",
            status="achieved",
            latest_value=4.5,
            value_change=-0.6,
            baseline_value=30.0,
            target_value=20.0,
            progress=2.55,
            is_target_met=True,
        ),
        entry(
            kpi_id="nps",
            unit="score",
            owner=hostile,
            is_guardrail=True,
            guardrail_for="activation_rate",
            guardrail_breached=True,
            is_low_sample=True,
            latest_sample_size=11,
            status="off_track",
            latest_value=12.0,
            value_change=-8.0,
            baseline_value=20.0,
            target_value=30.0,
            progress=-0.8,
        ),
        entry(
            goal="task_experience",
            kpi_id="sus",
            unit="score",
            status="no_data",
            latest_value=None,
            previous_value=None,
            value_change=None,
            progress=None,
            latest_sample_size=None,
            is_low_sample=None,
            latest_period_start=None,
            previous_period_start=None,
            baseline_value=70.0,
            target_value=75.0,
        ),
    ]
    share = [None, None, 0.38, 0.4, 0.41, None, 0.43, 0.44, 0.42, 0.45, 0.45, 0.47]
    trends = {
        ("activation_rate", "all", "all"): monthly(share, ci=0.04),
        ("retention_d7", "all", "all"): monthly([0.2] * 12),
        ("time_on_task_seconds", "task_id", "import_data"): monthly([140.0] * 11 + [150.0]),
        ("time_to_activation_hours", "all", "all"): monthly([6.0] * 12),
        ("nps", "all", "all"): monthly([None] * 7 + [10.0, None, 8.0, 12.0, 15.0], ci=30.0),
    }
    return Report(
        entries, trends, trend_months(date(2026, 10, 31)), date(2026, 10, 31), "synthetic.duckdb"
    )


def test_synthetic_report_draws_every_case_and_escapes_text() -> None:
    report = synthetic_report()
    page = render_html(report)

    assert "<script" not in page
    assert escape("<script>alert('x')</script>") in page
    for status in STATUSES:
        assert f"status-{status}" in page
    assert page.count("<svg") == len(report.entries)
    assert "<polygon" in page, "a confidence band"
    assert '<line class="whisker"' in page, "an interval of a month without neighbours"
    assert 'class="line incomplete"' in page and 'class="point incomplete"' in page
    assert "No data in these months" in page
    assert 'class="breach"' in page and "Guardrail breached" in page
    assert "Low sample (n\u00a0=\u00a011)" in page
    assert "task_id = import_data" in page
    assert "Target 50.0%" in page and "Baseline 140\u00a0s" in page
    assert not FETCHING.search(page)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (0.4567, "share", "45.7%"),
        (-0.05, "share", "\u22125.0%"),
        (72.727, "score", "72.7"),
        (-25.0, "score", "\u221225.0"),
        (145.75, "seconds", "146\u00a0s"),
        (42.34, "seconds", "42.3\u00a0s"),
        (4.4978, "hours", "4.5\u00a0h"),
        (1234.4, "users", "1,234"),
        (0.123456, None, "0.123"),
        (None, "share", "\u2014"),
    ],
)
def test_values_are_formatted_by_unit(value: float | None, unit: str | None, shown: str) -> None:
    assert format_value(value, unit) == shown


def test_changes_are_signed_and_shares_in_points() -> None:
    assert format_change(-0.0928, "share") == "\u22129.3\u00a0pp"
    assert format_change(32.7, "score") == "+32.7"
    assert format_change(None, "score") == "\u2014"


def test_trend_months_cross_the_year() -> None:
    months = trend_months(date(2026, 2, 14))
    assert months[0] == date(2025, 3, 1) and months[-1] == date(2026, 2, 1)
    assert len(set(months)) == 12


def test_nice_ticks_cover_the_range() -> None:
    ticks = nice_ticks(0.283, 0.52)
    assert ticks[0] <= 0.283 and ticks[-1] >= 0.52
    assert 3 <= len(ticks) <= 7
    assert nice_ticks(5.0, 5.0)[0] < 5.0 < nice_ticks(5.0, 5.0)[-1]


def test_humanize() -> None:
    assert humanize("task_experience") == "Task experience"


# --- in a browser ------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_renders_in_headless_chromium(
    warehouse: Path, scorecard: list[dict[str, Any]], chromium: str, tmp_path: Path
) -> None:
    page = write_report(warehouse, tmp_path / "kpi_scorecard.html")

    result = open_page(chromium, page.resolve().as_uri(), width=PAGE_WIDTH)

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_bytes(result.screenshot)
    if os.environ.get("KPIKIT_UPDATE_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        DOCS_SCREENSHOT.write_bytes(result.screenshot)
    assert result.console_errors == []
    assert result.requested_urls == [page.resolve().as_uri()], "the page fetched something"
    for row in scorecard:
        assert row["kpi_id"] in result.text
        assert humanize(row["goal"]) in result.text
        assert STATUS_LABELS[row["status"]] in result.text
    assert result.dom.count("<svg") == len(scorecard)
    width, height = png_size(result.screenshot)
    assert width == PAGE_WIDTH and height > 800


def test_every_case_renders_in_headless_chromium(chromium: str, tmp_path: Path) -> None:
    report = synthetic_report()
    page = tmp_path / "synthetic.html"
    page.write_text(render_html(replace(report)), encoding="utf-8")

    result = open_page(chromium, page.resolve().as_uri(), width=PAGE_WIDTH)

    assert result.console_errors == []
    assert result.requested_urls == [page.resolve().as_uri()]
    assert "<script>alert('x')</script>" in result.text, "shown as text, not run"
    for status in STATUSES:
        assert STATUS_LABELS[status] in result.text
    assert "Task experience" in result.text
