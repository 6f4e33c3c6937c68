"""The scorecard report: one self-contained HTML page from a built warehouse.

`render_report(database)` reads `kpi_scorecard` (one row per KPI registry entry) and the last 12
months of `kpi_values` from the marts schema of a DuckDB file, opened read-only, and returns a
single HTML page: the scorecard grouped by goal (status, owner, baseline, latest value, target,
progress against the progress expected by now, low-sample and guardrail badges) and, per registry
entry, a 12-month trend chart with its target and baseline lines and 95% confidence band.

The page makes no request to any other host: the CSS is inline, charts are inline SVG, there is
no script, font or image to fetch, and a Content-Security-Policy forbids loading any. Every text
from the warehouse is HTML-escaped.

The marts' schema: `--schema NAME`, else the schemas of the `kpi_scorecard` and `kpi_values`
models in dbt's `--manifest target/manifest.json`, else `$KPIKIT_MARTS_SCHEMA`, else `marts` (the
schema of a published file, see kpikit/publish.py, and of a build of kpikit as the root project).

    kpikit report [--database warehouse/kpikit.duckdb] [--out warehouse/report/kpi_scorecard.html]
                  [--schema NAME] [--manifest target/manifest.json]
    python -m kpikit.report --database warehouse/published/kpikit.duckdb

Exit codes: 0 written; 1 the warehouse is not ready (missing file, no scorecard in the schema);
2 a bad --manifest or an --out that cannot be written.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

import duckdb

from kpikit.publish import (  # the marts' schema is found the same way by `kpikit publish`
    DEFAULT_MARTS_SCHEMA,
    MARTS_SCHEMA_ENV,
    SCHEMA_HINT,
    ManifestError,
    add_schema_arguments,
    describe_write_error,
    marts_schemas,
    one_line,
    relation,
)
from kpikit.settings import DEFAULT_DUCKDB_PATH, duckdb_path

DEFAULT_OUT = Path("warehouse/report/kpi_scorecard.html")
TREND_MONTHS = 12
SCORECARD_MODEL = "kpi_scorecard"
VALUES_MODEL = "kpi_values"

STATUSES = ("achieved", "on_track", "at_risk", "off_track", "no_data")
STATUS_LABELS = {
    "achieved": "Achieved",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No data",
}
STATUS_MEANINGS = {
    "achieved": "the latest complete month meets the target",
    "on_track": "progress keeps up with the straight line from baseline to target",
    "at_risk": "progress trails the expected progress",
    "off_track": "progress trails far behind, or the target date has passed",
    "no_data": "no complete month yet",
}
KPI_LABELS = {
    "task_success_rate": "Task success rate",
    "time_on_task_seconds": "Time on task",
    "task_error_rate": "Task error rate",
    "dau": "Daily active users",
    "wau": "Weekly active users",
    "mau": "Monthly active users",
    "stickiness": "Stickiness (DAU / MAU)",
    "churn_rate": "Churn rate",
    "feature_adoption_rate": "Feature adoption rate",
    "activation_rate": "Activation rate",
    "time_to_activation_hours": "Time to activation",
    "retention_d1": "Day-1 retention",
    "retention_d7": "Day-7 retention",
    "retention_d30": "Day-30 retention",
    "nps": "Net Promoter Score",
    "csat": "Customer satisfaction (CSAT)",
    "sus": "System Usability Scale (SUS)",
    "conversion_rate": "Conversion rate",
}
MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
MINUS = "\u2212"
SELF_EXPLAINING_UNITS = ("share", "seconds", "hours", "score")
SCORE_BOUNDS = {"nps": (-100.0, 100.0), "csat": (0.0, 100.0), "sus": (0.0, 100.0)}
NO_VALUE_HTML = '<span class="muted">\u2014</span>'

# The columns of kpi_scorecard this report reads (see models/marts/scorecard/).
SCORECARD_COLUMNS = (
    "goal",
    "kpi_id",
    "dimension",
    "dimension_value",
    "level",
    "owner",
    "indicator_type",
    "direction",
    "unit",
    "review_cadence",
    "guardrail_for",
    "status",
    "latest_value",
    "previous_value",
    "value_change",
    "baseline_value",
    "target_value",
    "progress",
    "expected_progress",
    "latest_sample_size",
    "is_guardrail",
    "is_target_met",
    "is_target_date_passed",
    "guardrail_breached",
    "is_low_sample",
    "latest_period_start",
    "previous_period_start",
    "baseline_period_start",
    "target_date",
    "as_of_date",
    "next_review_date",
)


class ReportError(RuntimeError):
    """The warehouse cannot be reported on (missing file or scorecard)."""


class ReportOutputError(ReportError):
    """The page cannot be written to --out (a file in the way, a read-only folder)."""


@dataclass(frozen=True)
class ScorecardEntry:
    """One row of kpi_scorecard."""

    goal: str
    kpi_id: str
    dimension: str
    dimension_value: str
    level: str | None
    owner: str | None
    indicator_type: str | None
    direction: str | None
    unit: str | None
    review_cadence: str | None
    guardrail_for: str | None
    status: str
    latest_value: float | None
    previous_value: float | None
    value_change: float | None
    baseline_value: float | None
    target_value: float | None
    progress: float | None
    expected_progress: float | None
    latest_sample_size: int | None
    is_guardrail: bool | None
    is_target_met: bool | None
    is_target_date_passed: bool | None
    guardrail_breached: bool | None
    is_low_sample: bool | None
    latest_period_start: date | None
    previous_period_start: date | None
    baseline_period_start: date | None
    target_date: date | None
    as_of_date: date | None
    next_review_date: date | None

    @property
    def series_key(self) -> tuple[str, str, str]:
        return (self.kpi_id, self.dimension, self.dimension_value)

    @property
    def label(self) -> str:
        return KPI_LABELS.get(self.kpi_id, humanize(self.kpi_id))


@dataclass(frozen=True)
class TrendPoint:
    """One month of a KPI in kpi_values."""

    period_start: date
    value: float
    sample_size: int | None
    ci_low: float | None
    ci_high: float | None
    is_complete: bool


@dataclass
class Report:
    """Everything the page shows."""

    entries: list[ScorecardEntry]
    trends: dict[tuple[str, str, str], list[TrendPoint]]
    months: list[date]
    as_of_date: date | None
    source_name: str
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    scorecard_schema: str = DEFAULT_MARTS_SCHEMA
    values_schema: str = DEFAULT_MARTS_SCHEMA


# --- reading the warehouse ---------------------------------------------------------------------


def load_report(
    database: Path, *, schema: str = DEFAULT_MARTS_SCHEMA, scorecard_schema: str | None = None
) -> Report:
    """Read the scorecard and the trends of its KPIs from a warehouse file (read-only):
    kpi_values from `schema`, kpi_scorecard from `scorecard_schema` (default: `schema`)."""
    scorecard_schema = scorecard_schema or schema
    if not database.is_file():
        raise ReportError(f"no warehouse at {database}: build it first (make demo)")
    con = duckdb.connect(str(database), read_only=True)
    try:
        _require_table(con, database, scorecard_schema, SCORECARD_MODEL)
        _require_table(con, database, schema, VALUES_MODEL)
        entries = _read_scorecard(con, scorecard_schema)
        as_of_date = _as_of_date(con, entries, schema)
        months = trend_months(as_of_date) if as_of_date else []
        trends = _read_trends(con, months, schema)
    finally:
        con.close()
    return Report(
        entries,
        trends,
        months,
        as_of_date,
        database.name,
        scorecard_schema=scorecard_schema,
        values_schema=schema,
    )


def _require_table(con: duckdb.DuckDBPyConnection, database: Path, schema: str, table: str) -> None:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = current_database() and lower(table_schema) = lower(?) "
        "and table_name = ?",
        [schema, table],
    ).fetchone()
    if not found or not found[0]:
        raise ReportError(
            f"{schema}.{table} is missing from {database}: build it with "
            f"`dbt build --select kpi_registry+` (or make demo), or {SCHEMA_HINT}"
        )


def _read_scorecard(con: duckdb.DuckDBPyConnection, schema: str) -> list[ScorecardEntry]:
    columns = ", ".join(SCORECARD_COLUMNS)
    rows = con.execute(
        f"select {columns} from {relation(schema, SCORECARD_MODEL)} "
        "order by goal, is_guardrail, kpi_id, dimension, dimension_value"
    ).fetchall()
    return [ScorecardEntry(**dict(zip(SCORECARD_COLUMNS, row, strict=True))) for row in rows]


def _as_of_date(
    con: duckdb.DuckDBPyConnection, entries: Sequence[ScorecardEntry], schema: str
) -> date | None:
    """The scorecard's as-of date; without a scorecard row, the latest period in kpi_values."""
    for entry in entries:
        if entry.as_of_date is not None:
            return _as_date(entry.as_of_date)
    row = con.execute(f"select max(period_start) from {relation(schema, VALUES_MODEL)}").fetchone()
    return _as_date(row[0]) if row and row[0] is not None else None


def _read_trends(
    con: duckdb.DuckDBPyConnection, months: Sequence[date], schema: str
) -> dict[tuple[str, str, str], list[TrendPoint]]:
    if not months:
        return {}
    rows = con.execute(
        "select kpi_id, dimension, dimension_value, period_start, value, sample_size, "
        "ci_low, ci_high, is_complete "
        f"from {relation(schema, VALUES_MODEL)} "
        "where grain = 'month' and period_start between ? and ? "
        "order by kpi_id, dimension, dimension_value, period_start",
        [months[0], months[-1]],
    ).fetchall()
    trends: dict[tuple[str, str, str], list[TrendPoint]] = {}
    for kpi_id, dimension, dimension_value, period_start, *measures in rows:
        value, sample_size, ci_low, ci_high, is_complete = measures
        if value is None:
            continue
        point = TrendPoint(
            _as_date(period_start), value, sample_size, ci_low, ci_high, bool(is_complete)
        )
        trends.setdefault((kpi_id, dimension, dimension_value), []).append(point)
    return trends


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def trend_months(as_of_date: date, count: int = TREND_MONTHS) -> list[date]:
    """The first days of the `count` months ending with the as-of date's month."""
    index = as_of_date.year * 12 + as_of_date.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


# --- formatting ----------------------------------------------------------------------------------


def humanize(identifier: str) -> str:
    """snake_case -> 'Snake case'."""
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def month_label(day: date | None) -> str:
    return "\u2014" if day is None else f"{MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def day_label(day: date | None) -> str:
    if day is None:
        return "\u2014"
    return f"{day.day} {MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def _number(value: float, decimals: int, grouping: bool = True) -> str:
    text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
    if text.startswith("-"):
        text = MINUS + text[1:]
    if text.lstrip(MINUS).strip("0.,") == "":  # -0.0 -> 0.0
        text = text.lstrip(MINUS)
    return text


def format_value(value: float | None, unit: str | None, decimals: int | None = None) -> str:
    """A KPI value in its registry unit: share as %, score, seconds, hours, users."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2014"
    if unit == "share":
        return _number(value * 100, 1 if decimals is None else decimals) + "%"
    if unit == "seconds":
        places = decimals if decimals is not None else (0 if abs(value) >= 100 else 1)
        return _number(value, places) + "\u00a0s"
    if unit == "hours":
        places = decimals if decimals is not None else (0 if abs(value) >= 100 else 1)
        return _number(value, places) + "\u00a0h"
    if unit == "users":
        return _number(value, decimals if decimals is not None else (0 if value >= 100 else 1))
    if unit == "score":
        return _number(value, 1 if decimals is None else decimals)
    if unit == "errors_per_attempt":
        return _number(value, 2 if decimals is None else decimals)
    return _number(value, decimals if decimals is not None else _significant_decimals(value))


def format_change(change: float | None, unit: str | None) -> str:
    """A signed difference of two values: percentage points for shares."""
    if change is None:
        return "\u2014"
    share = unit == "share"
    text = _number(change * 100, 1) + "\u00a0pp" if share else format_value(change, unit)
    return text if text.startswith(MINUS) else "+" + text


def format_percent(fraction: float | None) -> str:
    return "\u2014" if fraction is None else _number(fraction * 100, 0) + "%"


def _significant_decimals(value: float, digits: int = 3) -> int:
    if value == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


def tick_decimals(step: float, unit: str | None) -> int:
    """Decimals needed to tell axis ticks `step` apart, in the unit's display scale."""
    scaled = step * 100 if unit == "share" else step
    for decimals in range(4):
        if abs(round(scaled, decimals) - scaled) < 1e-9 * max(1.0, abs(scaled)):
            return decimals
    return 4


# --- the chart -----------------------------------------------------------------------------------

CHART_WIDTH = 560
CHART_HEIGHT = 232
PLOT_LEFT = 58
PLOT_RIGHT = 468
PLOT_TOP = 16
PLOT_BOTTOM = 190


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round axis ticks covering [low, high], about `count` intervals."""
    if high < low:
        low, high = high, low
    span = high - low
    if span == 0:
        span = abs(high) or 1.0
        low, high = low - span / 2, high + span / 2
    raw_step = span / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step * 0.999)
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    ticks = []
    tick = start
    while tick <= end + step / 2:
        ticks.append(round(tick, 12))
        tick += step
    return ticks


@dataclass(frozen=True)
class _Scale:
    low: float
    high: float
    months: int

    def x(self, index: int) -> float:
        step = (PLOT_RIGHT - PLOT_LEFT) / self.months
        return PLOT_LEFT + (index + 0.5) * step

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP)


def _domain(entry: ScorecardEntry, points: Iterable[TrendPoint]) -> list[float]:
    values: list[float] = []
    for point in points:
        values.append(point.value)
        values.extend(v for v in (point.ci_low, point.ci_high) if v is not None)
    values.extend(v for v in (entry.target_value, entry.baseline_value) if v is not None)
    if not values:
        return nice_ticks(0.0, 1.0)
    low, high = min(values), max(values)
    pad = (high - low) * 0.06
    floor, ceiling = value_bounds(entry)
    # pad, but not past the KPI's natural bounds unless the values themselves are
    padded_low = low - pad if floor is None or low < floor else max(low - pad, floor)
    padded_high = high + pad if ceiling is None or high > ceiling else min(high + pad, ceiling)
    return nice_ticks(padded_low, padded_high)


def value_bounds(entry: ScorecardEntry) -> tuple[float | None, float | None]:
    """The range a KPI's values live in (by its definition), for the chart's axis."""
    if entry.unit == "share" and entry.kpi_id != "task_error_rate":
        return (0.0, 1.0)
    return SCORE_BOUNDS.get(entry.kpi_id, (0.0, None))


def _fmt(number: float) -> str:
    return f"{number:.1f}"


def trend_chart_svg(
    entry: ScorecardEntry, points: Sequence[TrendPoint], months: Sequence[date], chart_id: str
) -> str:
    """An accessible SVG line chart of the KPI's months, with target, baseline and 95% band."""
    by_month = {point.period_start: point for point in points if point.period_start in months}
    ticks = _domain(entry, by_month.values())
    scale = _Scale(ticks[0], ticks[-1], len(months))
    decimals = tick_decimals(ticks[1] - ticks[0], entry.unit) if len(ticks) > 1 else 1
    title = f"{entry.label} by month, last {len(months)} months"
    if entry.dimension != "all":
        title += f" ({entry.dimension} {entry.dimension_value})"
    parts = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(chart_description(entry, by_month, months))}</desc>',
        _grid(ticks, scale, entry.unit, decimals),
        _month_axis(months, scale),
        _band(months, by_month, scale),
        _reference_lines(entry, scale),
        _series(months, by_month, scale),
        _markers(months, by_month, scale, entry.unit),
    ]
    if not by_month:
        parts.append(
            f'<text class="empty" x="{_fmt((PLOT_LEFT + PLOT_RIGHT) / 2)}" '
            f'y="{_fmt((PLOT_TOP + PLOT_BOTTOM) / 2)}" text-anchor="middle">'
            "No data in these months</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def chart_description(
    entry: ScorecardEntry, by_month: dict[date, TrendPoint], months: Sequence[date]
) -> str:
    """The chart in words, for screen readers."""
    described = []
    for month in months:
        point = by_month.get(month)
        if point is None:
            continue
        text = f"{month_label(month)}: {format_value(point.value, entry.unit)}"
        if not point.is_complete:
            text += " (incomplete month)"
        described.append(text)
    lines = ["; ".join(described) + "." if described else "No values in these months."]
    if entry.target_value is not None:
        lines.append(f"Target {format_value(entry.target_value, entry.unit)}.")
    if entry.baseline_value is not None:
        lines.append(f"Baseline {format_value(entry.baseline_value, entry.unit)}.")
    return " ".join(lines)


def _grid(ticks: Sequence[float], scale: _Scale, unit: str | None, decimals: int) -> str:
    parts = ['<g class="grid" aria-hidden="true">']
    for tick in ticks:
        y = _fmt(scale.y(tick))
        parts.append(f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" y2="{y}"/>')
        label = escape(format_value(tick, unit, decimals))
        parts.append(
            f'<text class="tick" x="{PLOT_LEFT - 8}" y="{y}" dy="0.32em" '
            f'text-anchor="end">{label}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _month_axis(months: Sequence[date], scale: _Scale) -> str:
    parts = ['<g class="axis" aria-hidden="true">']
    for index, month in enumerate(months):
        x = _fmt(scale.x(index))
        parts.append(
            f'<text class="tick" x="{x}" y="{PLOT_BOTTOM + 16}" text-anchor="middle">'
            f"{MONTH_ABBREVIATIONS[month.month - 1]}</text>"
        )
        if index == 0 or month.month == 1:
            parts.append(
                f'<text class="tick year" x="{x}" y="{PLOT_BOTTOM + 30}" '
                f'text-anchor="middle">{month.year}</text>'
            )
    parts.append("</g>")
    return "".join(parts)


def _runs(
    months: Sequence[date], by_month: dict[date, TrendPoint], banded: bool
) -> list[list[int]]:
    """Runs of consecutive month indexes holding a point (with an interval when banded)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, month in enumerate(months):
        point = by_month.get(month)
        present = point is not None and (
            not banded or (point.ci_low is not None and point.ci_high is not None)
        )
        if present:
            current.append(index)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _band(months: Sequence[date], by_month: dict[date, TrendPoint], scale: _Scale) -> str:
    parts = ['<g class="band" aria-hidden="true">']
    for run in _runs(months, by_month, banded=True):
        points = [by_month[months[index]] for index in run]
        if len(run) == 1:
            point, x = points[0], _fmt(scale.x(run[0]))
            assert point.ci_low is not None and point.ci_high is not None
            parts.append(
                f'<line class="whisker" x1="{x}" x2="{x}" y1="{_fmt(scale.y(point.ci_low))}" '
                f'y2="{_fmt(scale.y(point.ci_high))}"/>'
            )
            continue
        pairs = list(zip(run, points, strict=True))
        upper = [f"{_fmt(scale.x(i))},{_fmt(scale.y(p.ci_high or 0))}" for i, p in pairs]
        lower = [f"{_fmt(scale.x(i))},{_fmt(scale.y(p.ci_low or 0))}" for i, p in pairs]
        parts.append(f'<polygon points="{" ".join(upper + lower[::-1])}"/>')
    parts.append("</g>")
    return "".join(parts)


def _reference_lines(entry: ScorecardEntry, scale: _Scale) -> str:
    lines = [
        ("target", "Target", entry.target_value),
        ("baseline", "Baseline", entry.baseline_value),
    ]
    drawn = [(kind, label, value) for kind, label, value in lines if value is not None]
    label_ys = _spread([scale.y(value) for _, _, value in drawn], min_gap=13)
    parts = ['<g class="references" aria-hidden="true">']
    for (kind, label, value), label_y in zip(drawn, label_ys, strict=True):
        y = _fmt(scale.y(value))
        parts.append(f'<line class="{kind}" x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="{kind}-label" x="{PLOT_RIGHT + 6}" y="{_fmt(label_y)}" dy="0.32em">'
            f"{label} {escape(format_value(value, entry.unit))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _spread(positions: Sequence[float], min_gap: float) -> list[float]:
    """Nudge two label positions apart so they do not overlap."""
    if len(positions) != 2 or abs(positions[0] - positions[1]) >= min_gap:
        return list(positions)
    middle = (positions[0] + positions[1]) / 2
    first_above = positions[0] <= positions[1]
    offset = min_gap / 2 if first_above else -min_gap / 2
    return [middle - offset, middle + offset]


def _series(months: Sequence[date], by_month: dict[date, TrendPoint], scale: _Scale) -> str:
    solid: list[str] = []
    dashed: list[str] = []
    for run in _runs(months, by_month, banded=False):
        for left, right in zip(run, run[1:], strict=False):
            a, b = by_month[months[left]], by_month[months[right]]
            segment = (
                f"M{_fmt(scale.x(left))},{_fmt(scale.y(a.value))}"
                f"L{_fmt(scale.x(right))},{_fmt(scale.y(b.value))}"
            )
            (solid if a.is_complete and b.is_complete else dashed).append(segment)
    parts = ['<g class="series" aria-hidden="true">']
    if solid:
        parts.append(f'<path class="line" d="{"".join(solid)}"/>')
    if dashed:
        parts.append(f'<path class="line incomplete" d="{"".join(dashed)}"/>')
    parts.append("</g>")
    return "".join(parts)


def _markers(
    months: Sequence[date], by_month: dict[date, TrendPoint], scale: _Scale, unit: str | None
) -> str:
    parts = ['<g class="markers">']
    for index, month in enumerate(months):
        point = by_month.get(month)
        if point is None:
            continue
        tooltip = f"{month_label(month)}: {format_value(point.value, unit)}"
        if point.ci_low is not None and point.ci_high is not None:
            tooltip += (
                f" (95% interval {format_value(point.ci_low, unit)} to "
                f"{format_value(point.ci_high, unit)})"
            )
        if point.sample_size is not None:
            tooltip += f", n = {point.sample_size:,}"
        if not point.is_complete:
            tooltip += ", incomplete month"
        css_class = "point" if point.is_complete else "point incomplete"
        parts.append(
            f'<circle class="{css_class}" cx="{_fmt(scale.x(index))}" '
            f'cy="{_fmt(scale.y(point.value))}" r="4"><title>{escape(tooltip)}</title></circle>'
        )
    parts.append("</g>")
    return "".join(parts)


# --- the page ------------------------------------------------------------------------------------


def render_report(
    database: Path, *, schema: str = DEFAULT_MARTS_SCHEMA, scorecard_schema: str | None = None
) -> str:
    """The scorecard report of a warehouse file, as one self-contained HTML page (schemas as in
    `load_report`)."""
    return render_html(load_report(database, schema=schema, scorecard_schema=scorecard_schema))


def write_report(
    database: Path,
    out: Path,
    *,
    schema: str = DEFAULT_MARTS_SCHEMA,
    scorecard_schema: str | None = None,
) -> Path:
    """Render the report and write it to `out` (its folder is created); returns `out`."""
    page = render_report(database, schema=schema, scorecard_schema=scorecard_schema)
    if out.is_dir():
        raise ReportOutputError(f"--out {out} is a folder: name the HTML file to write")
    try:
        _write_atomically(out, page)
    except OSError as error:
        raise ReportOutputError(f"--out {out}: {describe_write_error(error)}") from error
    return out


def _write_atomically(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def render_html(report: Report) -> str:
    """The page of a loaded report: header, one section per goal, how-to-read, footer."""
    goals: dict[str, list[ScorecardEntry]] = {}
    for entry in report.entries:
        goals.setdefault(entry.goal, []).append(entry)
    sections = [
        _goal_section(goal, entries, report, number)
        for number, (goal, entries) in enumerate(goals.items(), start=1)
    ] or [
        '<p class="empty-state">The KPI registry is empty: add rows to seeds/kpi_registry.csv.</p>'
    ]
    as_of = day_label(report.as_of_date)
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
            f"<title>KPI scorecard \u2014 as of {escape(as_of)}</title>",
            f"<style>{STYLESHEET}</style>",
            "</head>",
            "<body>",
            _header(report, goals),
            '<main id="main">',
            *sections,
            _legend(),
            "</main>",
            _footer(report),
            "</body>",
            "</html>",
            "",
        ]
    )


def _header(report: Report, goals: dict[str, list[ScorecardEntry]]) -> str:
    counts = {status: 0 for status in STATUSES}
    for entry in report.entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    chips = "".join(
        f'<li class="chip status-{escape(status)}"><span class="count">{count}</span> '
        f"{escape(STATUS_LABELS.get(status, humanize(status)))}</li>"
        for status, count in counts.items()
        if count
    )
    breached = sum(1 for entry in report.entries if entry.guardrail_breached)
    guardrails = sum(1 for entry in report.entries if entry.is_guardrail)
    if breached:
        chips += (
            f'<li class="chip breach"><span class="count">{breached}</span> '
            f"guardrail{'s' if breached != 1 else ''} breached</li>"
        )
    elif guardrails:
        chips += '<li class="chip guardrails-held">No guardrail breached</li>'
    reviews = [entry.next_review_date for entry in report.entries if entry.next_review_date]
    facts = [
        ("Data complete through", day_label(report.as_of_date)),
        ("KPIs", f"{len(report.entries)} in {len(goals)} goal{'s' if len(goals) != 1 else ''}"),
    ]
    if reviews:
        facts.append(("Next review", day_label(min(reviews))))
    fact_html = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    return (
        '<header class="page-header"><div class="wrap">'
        '<p class="eyebrow">kpikit</p>'
        f'<h1>KPI scorecard <span class="as-of">as of {escape(day_label(report.as_of_date))}'
        "</span></h1>"
        f'<dl class="facts">{fact_html}</dl>'
        f'<ul class="chips" aria-label="KPIs by status">{chips}</ul>'
        "</div></header>"
    )


def _goal_section(
    goal: str, entries: Sequence[ScorecardEntry], report: Report, goal_number: int
) -> str:
    section_id = f"goal-{goal_number}"
    counts = _status_summary(entries)
    rows = "".join(_table_row(entry) for entry in entries)
    charts = "".join(
        _chart_card(entry, report, f"chart-{goal_number}-{number}")
        for number, entry in enumerate(entries, start=1)
    )
    return (
        f'<section class="goal" id="{escape(section_id)}" aria-labelledby="{escape(section_id)}-h"'
        f' data-goal="{escape(goal)}">'
        f'<div class="goal-head"><h2 id="{escape(section_id)}-h">'
        f'<span class="goal-kicker">Goal</span> {escape(humanize(goal))}</h2>'
        f'<p class="goal-summary">{escape(counts)}</p></div>'
        '<div class="table-scroll"><table class="scorecard">'
        f"<caption>Scorecard of goal {escape(goal)}</caption>"
        "<thead><tr>"
        '<th scope="col">KPI</th><th scope="col">Owner</th><th scope="col">Status</th>'
        '<th scope="col" class="num">Baseline</th><th scope="col" class="num">Latest</th>'
        '<th scope="col" class="num">Target</th><th scope="col">Progress</th>'
        '<th scope="col">Flags</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
        f'<div class="charts">{charts}</div>'
        "</section>"
    )


def _status_summary(entries: Sequence[ScorecardEntry]) -> str:
    kpis = sum(1 for entry in entries if not entry.is_guardrail)
    guardrails = len(entries) - kpis
    parts = [f"{kpis} KPI{'s' if kpis != 1 else ''}"]
    if guardrails:
        parts.append(f"{guardrails} guardrail{'s' if guardrails != 1 else ''}")
    for status in STATUSES:
        count = sum(1 for entry in entries if entry.status == status)
        if count:
            parts.append(f"{count} {STATUS_LABELS[status].lower()}")
    return " \u00b7 ".join(parts)


def _status_pill(status: str) -> str:
    label = STATUS_LABELS.get(status, humanize(status))
    return f'<span class="pill status-{escape(status)}">{escape(label)}</span>'


def _kpi_cell(entry: ScorecardEntry) -> str:
    details = [entry.indicator_type and humanize(entry.indicator_type), entry.level]
    if entry.direction:
        details.append(entry.direction.replace("_", " "))
    meta = " \u00b7 ".join(escape(d) for d in details if d)
    dimension = ""
    if entry.dimension != "all":
        dimension = (
            f'<span class="dimension">{escape(entry.dimension)} = '
            f"{escape(entry.dimension_value)}</span>"
        )
    return (
        f'<th scope="row" class="kpi"><span class="kpi-name">{escape(entry.label)}</span>'
        f'<code class="kpi-id">{escape(entry.kpi_id)}</code>{dimension}'
        f'<span class="meta">{meta}</span></th>'
    )


def _latest_cell(entry: ScorecardEntry) -> str:
    if entry.latest_value is None:
        return '<td class="num"><span class="muted">no complete month</span></td>'
    change = ""
    if entry.value_change is not None:
        shown = format_change(entry.value_change, entry.unit)
        improved = _is_improvement(entry.value_change, entry.direction)
        if not any(digit in "123456789" for digit in shown):
            improved, shown = None, "no change"
        tone = "flat" if improved is None else ("good" if improved else "bad")
        arrow = "" if improved is None else ("\u25b2" if entry.value_change > 0 else "\u25bc")
        previous = month_label(entry.previous_period_start)[:3]
        change = (
            f'<span class="change {tone}"><span aria-hidden="true">{arrow}</span> '
            f"{escape(shown)} vs {escape(previous)}</span>"
        )
    sub = month_label(entry.latest_period_start)
    if entry.latest_sample_size is not None:
        sub += f" \u00b7 n\u00a0=\u00a0{entry.latest_sample_size:,}"
    value = format_value(entry.latest_value, entry.unit)
    return (
        f'<td class="num"><span class="value">{escape(value)}</span>'
        f'<span class="sub">{escape(sub)}</span>{change}</td>'
    )


def _is_improvement(change: float, direction: str | None) -> bool | None:
    if change == 0 or direction not in ("higher_is_better", "lower_is_better"):
        return None
    return (change > 0) == (direction == "higher_is_better")


def _progress_cell(entry: ScorecardEntry) -> str:
    if entry.progress is None:
        return '<td><span class="muted">\u2014</span></td>'
    fill = min(max(entry.progress, 0.0), 1.0) * 100
    expected = entry.expected_progress
    marker = ""
    if expected is not None:
        marker = f'<span class="expected" style="left:{expected * 100:.1f}%"></span>'
    label = (
        f"{format_percent(entry.progress)} of the way from baseline to target; "
        f"expected by now {format_percent(expected)}"
    )
    return (
        f'<td class="progress-cell"><div class="progress status-{escape(entry.status)}" '
        f'role="img" aria-label="{escape(label)}">'
        f'<span class="fill" style="width:{fill:.1f}%"></span>{marker}</div>'
        f'<span class="sub"><strong>{escape(format_percent(entry.progress))}</strong> of the way'
        f'</span><span class="sub">{escape(format_percent(expected))} expected by now</span></td>'
    )


def _flags_cell(entry: ScorecardEntry) -> str:
    badges = []
    if entry.is_guardrail:
        protects = f" for {entry.guardrail_for}" if entry.guardrail_for else ""
        badges.append(f'<span class="badge guardrail">Guardrail{escape(protects)}</span>')
    if entry.guardrail_breached:
        badges.append(
            '<span class="badge breached"><span aria-hidden="true">\u26a0</span> '
            "Guardrail breached</span>"
        )
    if entry.is_low_sample:
        badges.append(
            f'<span class="badge low-sample">Low sample (n\u00a0=\u00a0'
            f"{entry.latest_sample_size or 0:,})</span>"
        )
    if entry.is_target_date_passed:
        badges.append('<span class="badge passed">Target date passed</span>')
    content = "".join(badges) or NO_VALUE_HTML
    return f'<td class="flags">{content}</td>'


def _table_row(entry: ScorecardEntry) -> str:
    row_class = "breach" if entry.guardrail_breached else ""
    baseline = (
        f'<td class="num"><span class="value">'
        f"{escape(format_value(entry.baseline_value, entry.unit))}</span>"
        f'<span class="sub">{escape(month_label(entry.baseline_period_start))}</span></td>'
    )
    target = (
        f'<td class="num"><span class="value">'
        f"{escape(format_value(entry.target_value, entry.unit))}</span>"
        f'<span class="sub">by {escape(day_label(entry.target_date))}</span></td>'
    )
    owner = escape(entry.owner or "\u2014")
    cadence = (
        f'<span class="sub">reviewed {escape(entry.review_cadence)}</span>'
        if (entry.review_cadence)
        else ""
    )
    return (
        f'<tr class="{row_class}" data-kpi-id="{escape(entry.kpi_id)}">'
        f"{_kpi_cell(entry)}"
        f'<td><span class="owner">{owner}</span>{cadence}</td>'
        f"<td>{_status_pill(entry.status)}</td>"
        f"{baseline}{_latest_cell(entry)}{target}{_progress_cell(entry)}{_flags_cell(entry)}"
        "</tr>"
    )


def _chart_card(entry: ScorecardEntry, report: Report, chart_id: str) -> str:
    points = report.trends.get(entry.series_key, [])
    months = report.months
    in_window = [point for point in points if point.period_start in months]
    dimension = (
        f" \u00b7 {escape(entry.dimension)} = {escape(entry.dimension_value)}"
        if entry.dimension != "all"
        else ""
    )
    card_class = "card breach" if entry.guardrail_breached else "card"
    # units the values do not show themselves (%, s, h) are named
    unit = (
        f" \u00b7 {escape(entry.unit.replace('_', ' '))}"
        if entry.unit and entry.unit not in SELF_EXPLAINING_UNITS
        else ""
    )
    return (
        f'<figure class="{card_class}" data-kpi-id="{escape(entry.kpi_id)}">'
        '<figcaption><div class="card-title">'
        f'<span class="kpi-name">{escape(entry.label)}</span>{_status_pill(entry.status)}</div>'
        f'<span class="sub"><code>{escape(entry.kpi_id)}</code>{dimension}{unit} \u00b7 monthly, '
        f"{escape(month_label(months[0]) if months else '')} to "
        f"{escape(month_label(months[-1]) if months else '')}</span></figcaption>"
        f"{trend_chart_svg(entry, in_window, months, chart_id)}"
        f"{_chart_key(in_window, entry)}"
        f"{_data_table(entry, in_window)}"
        "</figure>"
    )


def _chart_key(points: Sequence[TrendPoint], entry: ScorecardEntry) -> str:
    """The chart's legend: only what the chart draws."""
    has_band = any(p.ci_low is not None and p.ci_high is not None for p in points)
    has_incomplete = any(not p.is_complete for p in points)
    items = ['<li><span class="key key-line"></span>Monthly value</li>'] if points else []
    if has_incomplete:
        items.append('<li><span class="key key-incomplete"></span>Incomplete month</li>')
    if has_band:
        items.append('<li><span class="key key-band"></span>95% interval</li>')
    if entry.target_value is not None:
        items.append('<li><span class="key key-target"></span>Target</li>')
    if entry.baseline_value is not None:
        items.append('<li><span class="key key-baseline"></span>Baseline</li>')
    return f'<ul class="chart-key" aria-label="Chart key">{"".join(items)}</ul>'


def _data_table(entry: ScorecardEntry, points: Sequence[TrendPoint]) -> str:
    if not points:
        return ""
    has_band = any(p.ci_low is not None for p in points)
    head = '<th scope="col">Month</th><th scope="col" class="num">Value</th>'
    if has_band:
        head += '<th scope="col" class="num">95% interval</th>'
    head += '<th scope="col" class="num">Sample</th><th scope="col">Complete</th>'
    rows = []
    for point in points:
        cells = f'<th scope="row">{escape(month_label(point.period_start))}</th>'
        cells += f'<td class="num">{escape(format_value(point.value, entry.unit))}</td>'
        if has_band:
            interval = (
                f"{format_value(point.ci_low, entry.unit)} to "
                f"{format_value(point.ci_high, entry.unit)}"
                if point.ci_low is not None and point.ci_high is not None
                else "\u2014"
            )
            cells += f'<td class="num">{escape(interval)}</td>'
        sample = f"{point.sample_size:,}" if point.sample_size is not None else "\u2014"
        cells += f'<td class="num">{escape(sample)}</td>'
        cells += f"<td>{'yes' if point.is_complete else 'no, still filling'}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<details class="data"><summary>Data</summary><table>'
        f"<caption>{escape(entry.label)} by month</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )


def _legend() -> str:
    items = "".join(
        f"<div><dt>{_status_pill(status)}</dt><dd>{escape(STATUS_MEANINGS[status])}</dd></div>"
        for status in STATUSES
    )
    return (
        '<section class="legend" aria-labelledby="legend-h"><h2 id="legend-h">How to read it</h2>'
        f'<dl class="statuses">{items}</dl>'
        "<p>Values are those of the latest <em>complete</em> month. <strong>Progress</strong> is "
        "how far the latest value has moved from the baseline toward the target; the tick on "
        "each bar is the progress expected by now on a straight line from the baseline month to "
        "the target date. A <strong>guardrail</strong> protects another KPI of its goal and is "
        "breached when it moves the wrong way by more than the tolerance. <strong>Low "
        "sample</strong> marks a value resting on too few users, attempts or responses to trust. "
        "In the charts, a hollow point on a dashed line is a month still filling up.</p>"
        "</section>"
    )


def _footer(report: Report) -> str:
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<footer class="page-footer"><div class="wrap">'
        f"Generated {escape(generated)} from "
        f"<code>{escape(report.scorecard_schema)}.{SCORECARD_MODEL}</code> and "
        f"<code>{escape(report.values_schema)}.{VALUES_MODEL}</code> of "
        f"<code>{escape(report.source_name)}</code>. "
        "Definitions: docs/definitions.md; registry: var kpikit_registry "
        "(demo: seeds/kpi_registry.csv)."
        "</div></footer>"
    )


STYLESHEET = """
:root {
  --bg: #f6f7f9; --surface: #ffffff; --ink: #1f2328; --muted: #59636e; --line: #d8dee4;
  --soft-line: #eef1f4; --accent: #3a5ccc; --accent-soft: rgba(58, 92, 204, 0.16);
  --target: #1a7f37; --baseline: #8c959f;
  --achieved: #1a7f37; --achieved-bg: #dafbe1;
  --on_track: #0a62c9; --on_track-bg: #ddf4ff;
  --at_risk: #8a5a00; --at_risk-bg: #fff1c2;
  --off_track: #c4242d; --off_track-bg: #ffe6e3;
  --no_data: #59636e; --no_data-bg: #eaeef2;
  --guardrail: #6639ba; --guardrail-bg: #f1e9ff; --on-danger: #ffffff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --surface: #161b22; --ink: #e6edf3; --muted: #9198a1; --line: #30363d;
    --soft-line: #21262d; --accent: #79a6ff; --accent-soft: rgba(121, 166, 255, 0.2);
    --target: #3fb950; --baseline: #8b949e;
    --achieved: #3fb950; --achieved-bg: #12361f;
    --on_track: #58a6ff; --on_track-bg: #0c2d5a;
    --at_risk: #d29922; --at_risk-bg: #3b2e0a;
    --off_track: #ff7b72; --off_track-bg: #4a1618;
    --no_data: #9198a1; --no_data-bg: #262c36;
    --guardrail: #bc8cff; --guardrail-bg: #2e1f4d; --on-danger: #0d1117;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Liberation Sans", "DejaVu Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}
code { font: 0.85em/1.2 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  "DejaVu Sans Mono", monospace; }
.wrap, main { max-width: 1240px; margin: 0 auto; padding: 0 28px; }
.page-header { background: var(--surface); border-bottom: 1px solid var(--line);
  padding: 26px 0 20px; margin-bottom: 28px; }
.eyebrow { margin: 0; color: var(--accent); font-weight: 700; letter-spacing: 0.08em;
  text-transform: uppercase; font-size: 12px; }
h1 { margin: 2px 0 12px; font-size: 30px; line-height: 1.2; letter-spacing: -0.01em; }
h1 .as-of { color: var(--muted); font-weight: 400; font-size: 20px; margin-left: 6px; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 36px; margin: 0 0 14px; }
.facts div { display: flex; flex-direction: column; }
.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: 0.05em; }
.facts dd { margin: 0; font-weight: 600; }
.chips { list-style: none; display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; }
.chip { border-radius: 999px; padding: 3px 12px 3px 4px; font-size: 13px; font-weight: 600;
  background: var(--chip-bg); color: var(--chip-ink); display: inline-flex; align-items: center;
  gap: 6px; }
.chip .count { background: var(--surface); color: var(--chip-ink); border-radius: 999px;
  min-width: 22px; padding: 0 6px; text-align: center; }
.status-achieved { --chip-bg: var(--achieved-bg); --chip-ink: var(--achieved); }
.status-on_track { --chip-bg: var(--on_track-bg); --chip-ink: var(--on_track); }
.status-at_risk { --chip-bg: var(--at_risk-bg); --chip-ink: var(--at_risk); }
.status-off_track { --chip-bg: var(--off_track-bg); --chip-ink: var(--off_track); }
.status-no_data { --chip-bg: var(--no_data-bg); --chip-ink: var(--no_data); }
.chip.breach { --chip-bg: var(--off_track); --chip-ink: var(--on-danger); }
.chip.breach .count { color: var(--off_track); }
.chip.guardrails-held { --chip-bg: var(--guardrail-bg); --chip-ink: var(--guardrail);
  padding-left: 12px; }
.pill { display: inline-block; white-space: nowrap; border-radius: 999px; padding: 1px 10px;
  font-size: 12.5px; font-weight: 650; background: var(--chip-bg); color: var(--chip-ink);
  border: 1px solid color-mix(in srgb, var(--chip-ink) 25%, transparent); }
.goal { margin: 0 0 40px; }
.goal-head { display: flex; align-items: baseline; flex-wrap: wrap; gap: 4px 16px;
  margin-bottom: 12px; }
h2 { margin: 0; font-size: 22px; }
.goal-kicker { color: var(--muted); font-weight: 500; font-size: 13px; text-transform: uppercase;
  letter-spacing: 0.06em; margin-right: 4px; vertical-align: 2px; }
.goal-summary { margin: 0; color: var(--muted); }
.table-scroll { overflow-x: auto; background: var(--surface); border: 1px solid var(--line);
  border-radius: 12px; box-shadow: 0 1px 2px rgba(31, 35, 40, 0.06); }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; }
.scorecard caption { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.scorecard th, .scorecard td { padding: 12px 12px; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--soft-line); }
.scorecard thead th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em;
  color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line);
  background: color-mix(in srgb, var(--bg) 60%, var(--surface)); }
.scorecard tbody tr:last-child > * { border-bottom: 0; }
.scorecard .num { text-align: right; }
.scorecard .num .sub { white-space: nowrap; }
.scorecard tr.breach > * { background: var(--off_track-bg); }
.scorecard tr.breach > th { box-shadow: inset 4px 0 0 var(--off_track); }
.kpi { min-width: 190px; font-weight: 400; }
.kpi-name { display: block; font-weight: 650; }
.kpi-id { color: var(--muted); }
.dimension { display: inline-block; margin-left: 6px; font-size: 12.5px; color: var(--accent); }
.meta, .sub { display: block; color: var(--muted); font-size: 12.5px; }
.value { display: block; font-weight: 650; font-size: 16px; }
.owner { font-weight: 500; }
.change { display: block; font-size: 12.5px; font-weight: 600; white-space: nowrap; }
.change.good { color: var(--achieved); }
.change.bad { color: var(--off_track); }
.change.flat { color: var(--muted); }
.muted { color: var(--muted); }
.progress-cell { min-width: 170px; }
.progress-cell .sub { white-space: nowrap; }
.progress { position: relative; height: 10px; border-radius: 999px; background: var(--soft-line);
  margin: 6px 0 6px; border: 1px solid var(--line); }
.progress .fill { position: absolute; inset: 0 auto 0 0; border-radius: 999px;
  background: var(--chip-ink); }
.progress .expected { position: absolute; top: -5px; bottom: -5px; width: 3px; margin-left: -1.5px;
  background: var(--ink); border-radius: 2px; box-shadow: 0 0 0 1.5px var(--surface); }
.flags { min-width: 160px; max-width: 210px; }
.badge { display: inline-block; margin: 0 4px 4px 0; padding: 1px 8px; border-radius: 6px;
  font-size: 12px; font-weight: 600; border: 1px solid transparent; }
.badge.guardrail { background: var(--guardrail-bg); color: var(--guardrail); }
.badge.breached { background: var(--off_track); color: var(--on-danger); }
.badge.low-sample { background: var(--at_risk-bg); color: var(--at_risk);
  border-color: color-mix(in srgb, var(--at_risk) 30%, transparent); }
.badge.passed { background: var(--no_data-bg); color: var(--no_data); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(500px, 100%), 1fr));
  gap: 18px; margin-top: 16px; }
.card { margin: 0; background: var(--surface); border: 1px solid var(--line);
  border-radius: 12px; padding: 14px 16px 10px; box-shadow: 0 1px 2px rgba(31, 35, 40, 0.06); }
.card.breach { border-color: var(--off_track); box-shadow: inset 0 3px 0 var(--off_track); }
.card-title { display: flex; justify-content: space-between; gap: 8px; align-items: center; }
.card .sub code { color: var(--muted); }
.chart { display: block; width: 100%; height: auto; margin-top: 6px; overflow: visible; }
.chart text { font-size: 11px; fill: var(--muted); }
.chart .year { font-size: 10px; }
.chart .grid line { stroke: var(--soft-line); stroke-width: 1; }
.chart .band polygon { fill: var(--accent-soft); }
.chart .band .whisker { stroke: var(--accent); stroke-opacity: 0.45; stroke-width: 6;
  stroke-linecap: round; }
.chart line.target { stroke: var(--target); stroke-width: 1.5; stroke-dasharray: 6 4; }
.chart line.baseline { stroke: var(--baseline); stroke-width: 1.2; stroke-dasharray: 2 3; }
.chart .target-label { fill: var(--target); font-weight: 650; }
.chart .baseline-label { fill: var(--muted); }
.chart .line { fill: none; stroke: var(--accent); stroke-width: 2.25; stroke-linejoin: round;
  stroke-linecap: round; }
.chart .line.incomplete { stroke-dasharray: 4 4; stroke-opacity: 0.75; }
.chart .point { fill: var(--accent); stroke: var(--surface); stroke-width: 1.5; }
.chart .point.incomplete { fill: var(--surface); stroke: var(--accent); stroke-width: 2; }
.chart .empty { font-size: 13px; }
.chart-key { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 0;
  padding: 0; font-size: 12px; color: var(--muted); }
.chart-key li { display: inline-flex; align-items: center; gap: 6px; }
.key { display: inline-block; width: 18px; height: 0; border-top: 2.5px solid var(--accent); }
.key-incomplete { border-top-style: dashed; opacity: 0.8; }
.key-band { height: 10px; border: 0; background: var(--accent-soft); }
.key-target { border-top: 2px dashed var(--target); }
.key-baseline { border-top: 2px dotted var(--baseline); }
details.data { margin-top: 6px; font-size: 13px; }
details.data summary { cursor: pointer; color: var(--accent); width: max-content; }
details.data table { margin-top: 6px; }
details.data caption { color: var(--muted); font-size: 12px; padding-bottom: 4px; }
details.data th, details.data td { padding: 3px 8px; border-bottom: 1px solid var(--soft-line);
  text-align: left; font-weight: 400; }
details.data .num { text-align: right; }
.legend { background: var(--surface); border: 1px solid var(--line); border-radius: 12px;
  padding: 18px 22px; margin-bottom: 28px; color: var(--muted); font-size: 14px; }
.legend h2 { color: var(--ink); font-size: 16px; margin-bottom: 10px; }
.statuses { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
  gap: 8px 20px; margin: 0 0 10px; }
.statuses div { display: flex; gap: 8px; align-items: baseline; }
.statuses dd { margin: 0; }
.legend p { margin: 0; max-width: 92ch; }
.page-footer { color: var(--muted); font-size: 12.5px; padding: 0 0 32px; }
.empty-state { background: var(--surface); border: 1px dashed var(--line); border-radius: 12px;
  padding: 24px; }
a:focus-visible, summary:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
@media (max-width: 700px) {
  .wrap, main { padding: 0 14px; }
  h1 .as-of { display: block; margin: 4px 0 0; }
}
@media print {
  body { background: #ffffff; }
  .card, .table-scroll, .legend { box-shadow: none; break-inside: avoid; }
  details.data { display: none; }
}
""".strip()


# --- command line ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=duckdb_path(),
        metavar="FILE",
        help=(
            "warehouse DuckDB file, opened read-only (default: $DUCKDB_PATH, else "
            f"{DEFAULT_DUCKDB_PATH}; now %(default)s)"
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help="HTML file to write (default %(default)s)",
    )
    add_schema_arguments(
        parser,
        reads="to report on (a published file holds them in marts)",
        models=[SCORECARD_MODEL, VALUES_MODEL],
    )
    parser.set_defaults(handler=run)


DESCRIPTION = (
    "Render kpi_scorecard and 12-month trends of kpi_values as one HTML page that needs nothing "
    "else (inline CSS and SVG, no network). They are read from --schema, else from their "
    f"models' schemas in --manifest, else ${MARTS_SCHEMA_ENV}, else {DEFAULT_MARTS_SCHEMA} "
    "(the schema of a published file)."
)


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the `report` subcommand on a `kpikit` subparsers object."""
    parser = subparsers.add_parser(
        "report",
        help="render the KPI scorecard as one self-contained HTML page",
        description=DESCRIPTION,
    )
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Write the report; exit code 0, 1 when the warehouse is not ready, 2 for a bad --manifest
    or an --out that cannot be written (one line on stderr each)."""
    try:
        schemas = marts_schemas(args.schema, args.manifest, [SCORECARD_MODEL, VALUES_MODEL])
        out = write_report(
            args.database,
            args.out,
            schema=schemas[VALUES_MODEL],
            scorecard_schema=schemas[SCORECARD_MODEL],
        )
    except (ManifestError, ReportOutputError) as error:
        return _fail(error, 2)
    except (ReportError, duckdb.Error) as error:
        return _fail(error, 1)
    print(f"Wrote {out}")
    return 0


def _fail(error: BaseException, code: int) -> int:
    print(f"kpikit report: error: {one_line(error)}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpikit.report", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
