"""Independent reference implementation of the KPI definitions (docs/definitions.md).

Written from the definitions and docs/spec_readings.md only, never from the package's SQL, so
that the cross-check in test_kpi_values_match_reference.py compares two independent readings of
the same contract. DuckDB is used only to fetch the raw Parquet rows; everything after that is
plain Python (datetime, zoneinfo, json, statistics, math).

Entry point: ``compute_kpi_values(raw_dir, config) -> list[KpiRow]``, one ``KpiRow`` per row of
``kpi_values``.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

Z = 1.96  # 95% intervals (z = 1.96)
EPOCH = datetime(1970, 1, 1)

TASK_STARTED = "task_started"
TASK_ERROR = "task_error"
# Terminal events in tie-break order (reading 6: completed before failed before abandoned).
TERMINAL_EVENTS = ("task_completed", "task_failed", "task_abandoned")
OUTCOME_OF_TERMINAL = {
    "task_completed": "completed",
    "task_failed": "failed",
    "task_abandoned": "abandoned",
}
TASK_EVENTS = frozenset((TASK_STARTED, TASK_ERROR, *TERMINAL_EVENTS))

SURVEY_ITEMS = {"nps": range(1, 2), "csat": range(1, 2), "sus": range(1, 11)}
SURVEY_SCORES = {"nps": range(0, 11), "csat": range(1, 6), "sus": range(1, 6)}

KPI_IDS = (
    "task_success_rate",
    "time_on_task_seconds",
    "task_error_rate",
    "dau",
    "wau",
    "mau",
    "stickiness",
    "churn_rate",
    "feature_adoption_rate",
    "activation_rate",
    "time_to_activation_hours",
    "retention_d1",
    "retention_d7",
    "retention_d30",
    "nps",
    "csat",
    "sus",
    "conversion_rate",
)


# --------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """The vars that change a definition, with their defaults (dbt_project.yml)."""

    kpi_timezone: str = "UTC"
    passive_events: tuple[str, ...] = ("email_delivered", "email_opened", "push_delivered")
    activation_events: tuple[str, ...] = ("project_created",)
    activation_window_days: int = 7
    retention_days: tuple[int, ...] = (1, 7, 30)
    conversion_steps: tuple[str, ...] = ("page_viewed", "signed_up", "order_completed")
    conversion_window_days: int = 7
    task_timeout_minutes: int = 30
    mau_window_days: int = 28
    max_clock_skew_hours: int = 24
    max_event_delay_days: int = 30
    # The build time raw times are judged against (UTC, naive); None: now.
    build_time: datetime | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.kpi_timezone)

    def in_future(self, moment: datetime | None) -> bool:
        """Later than the build time plus max_clock_skew_hours."""
        build_time = self.build_time or datetime.now(UTC).replace(tzinfo=None)
        return moment is not None and moment > build_time + timedelta(
            hours=self.max_clock_skew_hours
        )


@dataclass(frozen=True)
class KpiRow:
    """One row of kpi_values, with exactly its columns."""

    kpi_id: str
    grain: str
    period_start: date
    dimension: str
    dimension_value: str
    value: float
    numerator: float | None
    denominator: float | None
    sample_size: int
    ci_low: float | None
    ci_high: float | None
    is_complete: bool

    @property
    def key(self) -> tuple[str, str, date, str, str]:
        return (self.kpi_id, self.grain, self.period_start, self.dimension, self.dimension_value)


COLUMNS = tuple(KpiRow.__dataclass_fields__)


@dataclass(slots=True)
class Event:
    """A valid, de-duplicated event with its parsed properties and resolved identity."""

    event_id: str
    user_id: str | None
    anonymous_id: str | None
    event_name: str
    occurred_at: datetime  # UTC, naive
    received_at: datetime
    feature: str | None
    task_id: str | None
    attempt_id: str | None
    person: str = ""
    person_user_id: str | None = None  # the user the person resolves to, if any
    local_day: date = date.min


@dataclass(slots=True)
class SurveyRow:
    response_id: str
    survey: str
    item: int
    score: int
    responded_at: datetime


@dataclass
class Dataset:
    """The input rules applied: what is used, is a duplicate, is quarantined (and why)."""

    users: dict[str, datetime]  # user_id -> created_at of the winning version
    events: list[Event]
    survey_rows: list[SurveyRow]
    as_of: date | None
    raw_counts: dict[str, int] = field(default_factory=dict)
    duplicate_counts: dict[str, int] = field(default_factory=dict)
    quarantine: dict[str, dict[str, int]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def fetch_rows(path: Path) -> list[dict[str, Any]]:
    """Raw rows of one Parquet file, as dicts (the only use of DuckDB here)."""
    con = duckdb.connect()
    try:
        result = con.execute("select * from read_parquet(?)", [str(path)])
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()


def local_date(ts: datetime, tz: ZoneInfo) -> date:
    """The calendar date in the reporting time zone of a UTC timestamp without time zone."""
    return ts.replace(tzinfo=UTC).astimezone(tz).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def parse_properties(text: str | None) -> tuple[bool, dict[str, Any] | None]:
    """(is_valid, object). properties must be a JSON object; null is allowed.

    Reading: json.loads must succeed and give a dict; numbers are kept as their source text
    (parse_int / parse_float), and NaN / Infinity are not JSON.
    """
    if text is None:
        return True, None
    try:
        parsed = json.loads(text, parse_int=str, parse_float=str, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False, None
    if not isinstance(parsed, dict):
        return False, None
    return True, parsed


def json_text(obj: dict[str, Any] | None, key: str) -> str | None:
    """A property as text: strings as is, numbers in their text form, JSON null as None."""
    if obj is None or key not in obj:
        return None
    value = obj[key]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def adjusted_wald(x: float, n: float) -> tuple[float, float]:
    """p' = (x + z²/2)/(n + z²), p' ± z·sqrt(p'(1−p')/(n + z²)), clipped to [0, 1]."""
    z2 = Z * Z
    p = (x + z2 / 2) / (n + z2)
    half = Z * math.sqrt(p * (1 - p) / (n + z2))
    return max(0.0, p - half), min(1.0, p + half)


def percentile_cont_median(values: Sequence[float]) -> float:
    """Median interpolated as percentile_cont(0.5)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * 0.5
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def ratio_row(
    kpi_id: str,
    period: date,
    numerator: float,
    denominator: float,
    *,
    sample_size: int,
    is_complete: bool,
    dimension: str = "all",
    dimension_value: str = "all",
    grain: str = "month",
    scale: float = 1.0,
    ci: tuple[float, float] | None = None,
) -> KpiRow:
    return KpiRow(
        kpi_id=kpi_id,
        grain=grain,
        period_start=period,
        dimension=dimension,
        dimension_value=dimension_value,
        value=scale * numerator / denominator,
        numerator=float(numerator),
        denominator=float(denominator),
        sample_size=sample_size,
        ci_low=None if ci is None else ci[0],
        ci_high=None if ci is None else ci[1],
        is_complete=is_complete,
    )


def plain_row(
    kpi_id: str,
    period: date,
    value: float,
    *,
    sample_size: int,
    is_complete: bool,
    grain: str = "month",
    dimension: str = "all",
    dimension_value: str = "all",
    ci: tuple[float, float] | None = None,
) -> KpiRow:
    """A KPI that is not published as numerator / denominator (counts, means, NPS, SUS)."""
    return KpiRow(
        kpi_id=kpi_id,
        grain=grain,
        period_start=period,
        dimension=dimension,
        dimension_value=dimension_value,
        value=float(value),
        numerator=None,
        denominator=None,
        sample_size=sample_size,
        ci_low=None if ci is None else ci[0],
        ci_high=None if ci is None else ci[1],
        is_complete=is_complete,
    )


def _row_content_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple("" if value is None else str(value) for value in row.values())


# --------------------------------------------------------------------------------------------
# Inputs: validation, de-duplication, identity
# --------------------------------------------------------------------------------------------


def user_quarantine_reason(row: dict[str, Any], config: Config) -> str | None:
    """Invalid, quarantined: null user_id or created_at; created or updated in the future of
    the build."""
    if row["user_id"] is None:
        return "null_user_id"
    if row["created_at"] is None:
        return "null_created_at"
    if config.in_future(row["created_at"]):
        return "created_in_future"
    if config.in_future(row["updated_at"]):
        return "updated_in_future"
    return None


def event_quarantine_reason(row: dict[str, Any], config: Config) -> str | None:
    """Invalid: null event_id, event_name or occurred_at; both ids null; occurred_at more than
    max_clock_skew_hours after received_at; properties that are not a JSON object (+ reading 2:
    null received_at, reasons checked in this order)."""
    if row["event_id"] is None:
        return "null_event_id"
    if row["event_name"] is None:
        return "null_event_name"
    if row["occurred_at"] is None:
        return "null_occurred_at"
    if row["received_at"] is None:
        return "null_received_at"
    if row["user_id"] is None and row["anonymous_id"] is None:
        return "null_user_and_anonymous_id"
    if config.in_future(row["received_at"]):
        return "received_in_future"
    if row["occurred_at"] > row["received_at"] + timedelta(hours=config.max_clock_skew_hours):
        return "clock_skew"
    if row["occurred_at"] < row["received_at"] - timedelta(days=config.max_event_delay_days):
        return "too_late"
    if not parse_properties(row["properties"])[0]:
        return "properties_not_json_object"
    return None


def _not_whole(value: Any) -> bool:
    return isinstance(value, float) and not (math.isfinite(value) and value.is_integer())


def survey_quarantine_reason(row: dict[str, Any], config: Config) -> str | None:
    """Invalid: answered in the future of the build, unknown survey, item or score not a whole
    number or out of range, null score (+ reading 2)."""
    if row["response_id"] is None:
        return "null_response_id"
    if row["responded_at"] is None:
        return "null_responded_at"
    if config.in_future(row["responded_at"]):
        return "responded_in_future"
    survey = row["survey"]
    if survey not in SURVEY_ITEMS:
        return "unknown_survey"
    if _not_whole(row["item"]):
        return "item_not_whole_number"
    if row["item"] is None or row["item"] not in SURVEY_ITEMS[survey]:
        return "item_out_of_range"
    if row["score"] is None:
        return "null_score"
    if _not_whole(row["score"]):
        return "score_not_whole_number"
    if row["score"] not in SURVEY_SCORES[survey]:
        return "score_out_of_range"
    return None


def _split_valid(
    rows: Iterable[dict[str, Any]], reason_of: Any
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    valid: list[dict[str, Any]] = []
    reasons: dict[str, int] = defaultdict(int)
    for row in rows:
        reason = reason_of(row)
        if reason is None:
            valid.append(row)
        else:
            reasons[reason] += 1
    return valid, dict(reasons)


def _keep_first(rows: Iterable[dict[str, Any]], key_of: Any, order_of: Any) -> list[dict[str, Any]]:
    """Per key, the row with the smallest order (reading 1: valid rows only take part)."""
    best: dict[Any, tuple[Any, dict[str, Any]]] = {}
    for row in rows:
        key = key_of(row)
        order = order_of(row)
        if key not in best or order < best[key][0]:
            best[key] = (order, row)
    return [row for _, row in best.values()]


def load_dataset(raw_dir: Path, config: Config) -> Dataset:
    """Validate (quarantine), then de-duplicate, then stitch identities."""
    tz = config.tz
    raw_users = fetch_rows(raw_dir / "users.parquet")
    raw_events = fetch_rows(raw_dir / "events.parquet")
    raw_surveys = fetch_rows(raw_dir / "survey_responses.parquet")

    # Users: "when a user_id repeats, the latest updated_at wins" (null updated_at loses).
    valid_users, user_reasons = _split_valid(
        raw_users, lambda row: user_quarantine_reason(row, config)
    )
    kept_users = _keep_first(
        valid_users,
        lambda row: row["user_id"],
        lambda row: (
            row["updated_at"] is None,
            EPOCH - (row["updated_at"] or EPOCH),  # latest first
            _row_content_key(row),
        ),
    )
    users = {row["user_id"]: row["created_at"] for row in kept_users}

    # Events: "the same event may be delivered twice or more (count it once: the copy received
    # first)"; ties: earliest occurred_at, then smallest row content (reading 3).
    valid_events, event_reasons = _split_valid(
        raw_events, lambda row: event_quarantine_reason(row, config)
    )
    kept_events = _keep_first(
        valid_events,
        lambda row: row["event_id"],
        lambda row: (row["received_at"], row["occurred_at"], _row_content_key(row)),
    )
    events: list[Event] = []
    for row in kept_events:
        _, props = parse_properties(row["properties"])
        events.append(
            Event(
                event_id=row["event_id"],
                user_id=row["user_id"],
                anonymous_id=row["anonymous_id"],
                event_name=row["event_name"],
                occurred_at=row["occurred_at"],
                received_at=row["received_at"],
                feature=json_text(props, "feature"),
                task_id=json_text(props, "task_id"),
                attempt_id=json_text(props, "attempt_id"),
            )
        )
    events.sort(key=lambda event: (event.occurred_at, event.event_id))

    # Identity: "the user_id that its anonymous_id was first seen with (earliest occurred_at of a
    # valid event carrying both)"; ties: smallest user_id (reading 4).
    first_seen: dict[str, tuple[datetime, str]] = {}
    for event in events:
        if event.user_id is not None and event.anonymous_id is not None:
            candidate = (event.occurred_at, event.user_id)
            current = first_seen.get(event.anonymous_id)
            if current is None or candidate < current:
                first_seen[event.anonymous_id] = candidate
    for event in events:
        if event.user_id is not None:
            event.person = event.person_user_id = event.user_id
        elif event.anonymous_id in first_seen:
            event.person = event.person_user_id = first_seen[event.anonymous_id][1]
        else:
            event.person = event.anonymous_id or ""
            event.person_user_id = None
        event.local_day = local_date(event.occurred_at, tz)

    # Surveys: "A row repeated with the same (response_id, item) counts once" (+ survey, reading
    # 3); the earliest responded_at copy wins.
    valid_surveys, survey_reasons = _split_valid(
        raw_surveys, lambda row: survey_quarantine_reason(row, config)
    )
    kept_surveys = _keep_first(
        valid_surveys,
        lambda row: (row["response_id"], row["survey"], row["item"]),
        lambda row: (row["responded_at"], _row_content_key(row)),
    )
    survey_rows = [
        SurveyRow(
            response_id=row["response_id"],
            survey=row["survey"],
            item=row["item"],
            score=row["score"],
            responded_at=row["responded_at"],
        )
        for row in kept_surveys
    ]

    # "The as-of date is the latest day holding a valid event" (reading 5: any valid event).
    as_of = max((event.local_day for event in events), default=None)

    return Dataset(
        users=users,
        events=events,
        survey_rows=survey_rows,
        as_of=as_of,
        raw_counts={
            "users": len(raw_users),
            "events": len(raw_events),
            "survey_responses": len(raw_surveys),
        },
        duplicate_counts={
            "users": len(valid_users) - len(kept_users),
            "events": len(valid_events) - len(kept_events),
            "survey_responses": len(valid_surveys) - len(kept_surveys),
        },
        quarantine={
            "users": user_reasons,
            "events": event_reasons,
            "survey_responses": survey_reasons,
        },
    )


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    attempt_id: str
    task_id: str | None
    started_at: datetime
    outcome: str  # completed, failed, abandoned or in_progress
    ended_at: datetime | None
    errors: int


def resolve_attempts(data: Dataset, config: Config) -> list[Attempt]:
    """An attempt's outcome is its earliest terminal event at most task_timeout_minutes after
    its start; a terminal event later than that does not count. An attempt with no such terminal
    event is `abandoned` once start + timeout has passed by the end of the as-of date; before
    that it is in progress and not counted (reading 6)."""
    assert data.as_of is not None
    timeout = timedelta(minutes=config.task_timeout_minutes)
    end_of_as_of = (
        datetime.combine(data.as_of + timedelta(days=1), time(), tzinfo=config.tz)
        .astimezone(UTC)
        .replace(tzinfo=None)
    )
    by_attempt: dict[str, list[Event]] = defaultdict(list)
    for event in data.events:
        if event.event_name in TASK_EVENTS and event.attempt_id is not None:
            by_attempt[event.attempt_id].append(event)

    attempts: list[Attempt] = []
    for attempt_id, attempt_events in by_attempt.items():
        starts = [event for event in attempt_events if event.event_name == TASK_STARTED]
        if not starts:
            continue  # orphans: left out of the task KPIs
        start = min(starts, key=lambda event: (event.occurred_at, event.event_id))
        terminals = [
            event
            for event in attempt_events
            if event.event_name in TERMINAL_EVENTS
            and event.occurred_at <= start.occurred_at + timeout
        ]
        if terminals:
            terminal = min(
                terminals,
                key=lambda event: (event.occurred_at, TERMINAL_EVENTS.index(event.event_name)),
            )
            outcome = OUTCOME_OF_TERMINAL[terminal.event_name]
            ended_at: datetime | None = terminal.occurred_at
        else:
            ended_at = None
            timed_out = start.occurred_at + timeout <= end_of_as_of
            outcome = "abandoned" if timed_out else "in_progress"
        errors = sum(1 for event in attempt_events if event.event_name == TASK_ERROR)
        attempts.append(
            Attempt(attempt_id, start.task_id, start.occurred_at, outcome, ended_at, errors)
        )
    return attempts


def task_kpis(data: Dataset, config: Config) -> list[KpiRow]:
    """task_success_rate = completed / (completed + failed + abandoned) with an adjusted-Wald
    interval; time_on_task_seconds = geometric mean of (terminal − start) seconds over completed
    attempts with a positive duration; task_error_rate = the counted attempts' task_error events
    / counted attempts. Each task KPI is published overall (dimension `all`) and per `task_id`,
    by start month."""
    assert data.as_of is not None
    groups: dict[tuple[date, str, str], list[Attempt]] = defaultdict(list)
    for attempt in resolve_attempts(data, config):
        if attempt.outcome == "in_progress":
            continue
        month = month_start(local_date(attempt.started_at, config.tz))
        groups[(month, "all", "all")].append(attempt)
        if attempt.task_id is not None:
            groups[(month, "task_id", attempt.task_id)].append(attempt)

    rows: list[KpiRow] = []
    for (month, dimension, dimension_value), attempts in groups.items():
        complete = month_end(month) <= data.as_of
        n = len(attempts)
        completed = sum(1 for attempt in attempts if attempt.outcome == "completed")
        dims = {"dimension": dimension, "dimension_value": dimension_value}
        rows.append(
            ratio_row(
                "task_success_rate",
                month,
                completed,
                n,
                sample_size=n,
                is_complete=complete,
                ci=adjusted_wald(completed, n),
                **dims,
            )
        )
        errors = sum(attempt.errors for attempt in attempts)
        rows.append(
            ratio_row(
                "task_error_rate", month, errors, n, sample_size=n, is_complete=complete, **dims
            )
        )
        durations = [
            (attempt.ended_at - attempt.started_at).total_seconds()
            for attempt in attempts
            if attempt.outcome == "completed" and attempt.ended_at is not None
        ]
        durations = [seconds for seconds in durations if seconds > 0]
        if durations:
            geometric_mean = math.exp(math.fsum(math.log(s) for s in durations) / len(durations))
            rows.append(
                plain_row(
                    "time_on_task_seconds",
                    month,
                    geometric_mean,
                    sample_size=len(durations),
                    is_complete=complete,
                    **dims,
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# Activity
# --------------------------------------------------------------------------------------------


def active_days_by_user(data: Dataset, config: Config) -> dict[str, set[date]]:
    """A user is active on a day with at least one valid event whose event_name is not in
    passive_events; user KPIs count persons that resolve to a user_id."""
    passive = set(config.passive_events)
    days: dict[str, set[date]] = defaultdict(set)
    for event in data.events:
        if event.person_user_id is not None and event.event_name not in passive:
            days[event.person_user_id].add(event.local_day)
    return dict(days)


def trailing_distinct_counts(
    days_by_user: dict[str, set[date]], window: int, first: date, last: date
) -> dict[date, int]:
    """Distinct users active in the `window` days ending each day from first to last."""
    diff: dict[int, int] = defaultdict(int)
    for days in days_by_user.values():
        start = end = None
        for ordinal in sorted(day.toordinal() for day in days):
            if start is not None and end is not None and ordinal <= end + 1:
                end = ordinal + window - 1
                continue
            if start is not None and end is not None:
                diff[start] += 1
                diff[end + 1] -= 1
            start, end = ordinal, ordinal + window - 1
        if start is not None and end is not None:
            diff[start] += 1
            diff[end + 1] -= 1
    running = sum(delta for ordinal, delta in diff.items() if ordinal < first.toordinal())
    counts: dict[date, int] = {}
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        running += diff.get(ordinal, 0)
        counts[date.fromordinal(ordinal)] = running
    return counts


def active_user_kpis(data: Dataset, config: Config) -> list[KpiRow]:
    """Day grain: one row for every day from the first day with an active user to the as-of
    date: dau; wau = distinct active users over the 7 days ending that day; mau = distinct over
    the mau_window_days days ending that day; stickiness = dau / mau. Month grain: mau =
    distinct active users in the calendar month; dau = mean of the day-grain dau over the month's
    days in that series; stickiness = that dau / that mau; then churn_rate and
    feature_adoption_rate."""
    assert data.as_of is not None
    as_of = data.as_of
    days_by_user = active_days_by_user(data, config)
    if not days_by_user:
        return []
    first = min(min(days) for days in days_by_user.values())
    dau = trailing_distinct_counts(days_by_user, 1, first, as_of)
    wau = trailing_distinct_counts(days_by_user, 7, first, as_of)
    mau = trailing_distinct_counts(days_by_user, config.mau_window_days, first, as_of)

    rows: list[KpiRow] = []
    for day in dau:
        for kpi_id, counts in (("dau", dau), ("wau", wau), ("mau", mau)):
            rows.append(
                plain_row(
                    kpi_id, day, counts[day], sample_size=counts[day], is_complete=True, grain="day"
                )
            )
        if mau[day] > 0:
            rows.append(
                ratio_row(
                    "stickiness",
                    day,
                    dau[day],
                    mau[day],
                    sample_size=mau[day],
                    is_complete=True,
                    grain="day",
                )
            )

    # Month grain over the months of the day series.
    users_by_month: dict[date, set[str]] = defaultdict(set)
    for user, days in days_by_user.items():
        for day in days:
            users_by_month[month_start(day)].add(user)
    daily_by_month: dict[date, list[int]] = defaultdict(list)
    for day, count in dau.items():
        daily_by_month[month_start(day)].append(count)
    for month, daily in sorted(daily_by_month.items()):
        complete = month_end(month) <= as_of
        month_mau = len(users_by_month.get(month, ()))
        if month_mau == 0:
            continue
        mean_dau = sum(daily) / len(daily)
        rows.append(plain_row("mau", month, month_mau, sample_size=month_mau, is_complete=complete))
        rows.append(plain_row("dau", month, mean_dau, sample_size=month_mau, is_complete=complete))
        rows.append(
            ratio_row(
                "stickiness",
                month,
                mean_dau,
                month_mau,
                sample_size=month_mau,
                is_complete=complete,
            )
        )

    rows.extend(churn_kpis(users_by_month, sorted(daily_by_month), as_of))
    rows.extend(feature_adoption_kpis(data, users_by_month, as_of))
    return rows


def churn_kpis(
    users_by_month: dict[date, set[str]], months: list[date], as_of: date
) -> list[KpiRow]:
    """churn_rate (month M): users active in month M−1 and not in M, over users active in M−1;
    only for complete months M (reading 8: rows only when M−1 has active users)."""
    rows: list[KpiRow] = []
    for month in months:
        if month_end(month) > as_of:
            continue
        before = users_by_month.get(previous_month(month), set())
        if not before:
            continue
        churned = len(before - users_by_month.get(month, set()))
        rows.append(
            ratio_row(
                "churn_rate", month, churned, len(before), sample_size=len(before), is_complete=True
            )
        )
    return rows


def feature_adoption_kpis(
    data: Dataset, users_by_month: dict[date, set[str]], as_of: date
) -> list[KpiRow]:
    """feature_adoption_rate (month, by feature): active users with an event whose
    properties.feature is that feature, over the month's mau (published per feature only)
    (reading 9: any valid event of the month, the user active in that month)."""
    adopters: dict[tuple[date, str], set[str]] = defaultdict(set)
    for event in data.events:
        if event.person_user_id is None or event.feature is None:
            continue
        month = month_start(event.local_day)
        if event.person_user_id in users_by_month.get(month, ()):
            adopters[(month, event.feature)].add(event.person_user_id)
    rows: list[KpiRow] = []
    for (month, feature), users in adopters.items():
        mau = len(users_by_month[month])
        rows.append(
            ratio_row(
                "feature_adoption_rate",
                month,
                len(users),
                mau,
                sample_size=mau,
                is_complete=month_end(month) <= as_of,
                dimension="feature",
                dimension_value=feature,
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# Activation and retention
# --------------------------------------------------------------------------------------------


def activation_kpis(data: Dataset, config: Config) -> list[KpiRow]:
    """A user is activated when they perform any of activation_events at or after created_at
    and before created_at + activation_window_days days. Cohort = sign-up day. Eligible users:
    sign-up day + window ≤ as-of date. activation_rate = activated eligible /
    eligible; time_to_activation_hours = percentile_cont(0.5) of hours to the first activation
    event over the eligible activated users, by sign-up month."""
    assert data.as_of is not None
    window_days = config.activation_window_days
    window = timedelta(days=window_days)
    activation_names = set(config.activation_events)
    activation_times: dict[str, list[datetime]] = defaultdict(list)
    for event in data.events:
        if event.person_user_id is not None and event.event_name in activation_names:
            activation_times[event.person_user_id].append(event.occurred_at)

    eligible: dict[date, int] = defaultdict(int)
    hours: dict[date, list[float]] = defaultdict(list)
    for user_id, created_at in data.users.items():
        signup_day = local_date(created_at, config.tz)
        if signup_day + timedelta(days=window_days) > data.as_of:
            continue
        month = month_start(signup_day)
        eligible[month] += 1
        in_window = [
            ts for ts in activation_times.get(user_id, ()) if created_at <= ts < created_at + window
        ]
        if in_window:
            hours[month].append((min(in_window) - created_at).total_seconds() / 3600)

    rows: list[KpiRow] = []
    for month, n in eligible.items():
        complete = month_end(month) + timedelta(days=window_days) <= data.as_of
        activated = hours.get(month, [])
        rows.append(
            ratio_row(
                "activation_rate", month, len(activated), n, sample_size=n, is_complete=complete
            )
        )
        if activated:
            rows.append(
                plain_row(
                    "time_to_activation_hours",
                    month,
                    percentile_cont_median(activated),
                    sample_size=len(activated),
                    is_complete=complete,
                )
            )
    return rows


def retention_kpis(data: Dataset, config: Config) -> list[KpiRow]:
    """For each N in retention_days: a user is retained on day N when active on sign-up
    day + N exactly. Eligible: sign-up day + N ≤ as-of date. retention_dN = retained
    eligible / eligible, by sign-up month (reading 11: users of raw.users)."""
    assert data.as_of is not None
    active = active_days_by_user(data, config)
    rows: list[KpiRow] = []
    for n_days in config.retention_days:
        eligible: dict[date, int] = defaultdict(int)
        retained: dict[date, int] = defaultdict(int)
        for user_id, created_at in data.users.items():
            signup_day = local_date(created_at, config.tz)
            target = signup_day + timedelta(days=n_days)
            if target > data.as_of:
                continue
            month = month_start(signup_day)
            eligible[month] += 1
            if target in active.get(user_id, ()):
                retained[month] += 1
        for month, n in eligible.items():
            rows.append(
                ratio_row(
                    f"retention_d{n_days}",
                    month,
                    retained[month],
                    n,
                    sample_size=n,
                    is_complete=month_end(month) + timedelta(days=n_days) <= data.as_of,
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# Surveys
# --------------------------------------------------------------------------------------------


def nps_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """NPS interval: se = sqrt((p + d − (p − d)²)/n); nps ± 100 · 1.96 · se, clipped to
    [−100, 100]."""
    p = promoters / n
    d = detractors / n
    nps = 100 * (promoters - detractors) / n
    se = math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    return max(-100.0, nps - 100 * Z * se), min(100.0, nps + 100 * Z * se)


def sus_score(scores_by_item: dict[int, int]) -> float:
    """SUS score: 2.5 · Σ(odd items: score − 1; even items: 5 − score)."""
    return 2.5 * sum(
        score - 1 if item % 2 == 1 else 5 - score for item, score in scores_by_item.items()
    )


def survey_kpis(data: Dataset, config: Config) -> list[KpiRow]:
    """By month of responded_at: nps = 100 · (promoters − detractors) / responses;
    csat = 100 · top-2-box / responses; sus = mean score of complete responses, with interval
    mean ± 1.96 · sd/sqrt(n) (sample sd; none when n < 2)."""
    assert data.as_of is not None
    tz = config.tz
    nps_scores: dict[date, list[int]] = defaultdict(list)
    csat_scores: dict[date, list[int]] = defaultdict(list)
    sus_items: dict[str, dict[int, tuple[int, datetime]]] = defaultdict(dict)
    for row in data.survey_rows:
        if row.survey == "sus":
            sus_items[row.response_id][row.item] = (row.score, row.responded_at)
            continue
        month = month_start(local_date(row.responded_at, tz))
        (nps_scores if row.survey == "nps" else csat_scores)[month].append(row.score)

    sus_by_month: dict[date, list[float]] = defaultdict(list)
    for items in sus_items.values():
        if set(items) != set(range(1, 11)):
            continue  # incomplete: excluded from SUS
        latest = max(responded_at for _, responded_at in items.values())
        month = month_start(local_date(latest, tz))
        sus_by_month[month].append(sus_score({item: s for item, (s, _) in items.items()}))

    rows: list[KpiRow] = []
    for month, scores in nps_scores.items():
        n = len(scores)
        promoters = sum(1 for score in scores if score >= 9)
        detractors = sum(1 for score in scores if score <= 6)
        rows.append(
            plain_row(
                "nps",
                month,
                100 * (promoters - detractors) / n,
                sample_size=n,
                is_complete=month_end(month) <= data.as_of,
                ci=nps_interval(promoters, detractors, n),
            )
        )
    for month, scores in csat_scores.items():
        n = len(scores)
        top_two = sum(1 for score in scores if score >= 4)
        rows.append(
            ratio_row(
                "csat",
                month,
                top_two,
                n,
                scale=100.0,
                sample_size=n,
                is_complete=month_end(month) <= data.as_of,
            )
        )
    for month, values in sus_by_month.items():
        n = len(values)
        mean = math.fsum(values) / n
        ci = None
        if n >= 2:
            half = Z * statistics.stdev(values) / math.sqrt(n)
            ci = (mean - half, mean + half)
        rows.append(
            plain_row(
                "sus",
                month,
                mean,
                sample_size=n,
                is_complete=month_end(month) <= data.as_of,
                ci=ci,
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------


def conversion_kpis(data: Dataset, config: Config) -> list[KpiRow]:
    """A person enters at their first-ever step-1 event; each later step is matched to the
    earliest event of that step at or after the previous matched step; the person converts when
    the last step is matched at most conversion_window_days days after entry. Eligible:
    entry day + window ≤ as-of date. conversion_rate = converted eligible / eligible entrants,
    by entry month; every person counts, anonymous visitors included."""
    assert data.as_of is not None
    steps = config.conversion_steps
    window_days = config.conversion_window_days
    step_names = set(steps)
    times: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for event in data.events:  # sorted by occurred_at
        if event.event_name in step_names:
            times[event.person][event.event_name].append(event.occurred_at)

    eligible: dict[date, int] = defaultdict(int)
    converted: dict[date, int] = defaultdict(int)
    for by_step in times.values():
        if not by_step.get(steps[0]):
            continue
        entry = by_step[steps[0]][0]
        entry_day = local_date(entry, config.tz)
        if entry_day + timedelta(days=window_days) > data.as_of:
            continue
        month = month_start(entry_day)
        eligible[month] += 1
        matched: datetime | None = entry
        for step in steps[1:]:
            matched = next((ts for ts in by_step.get(step, ()) if ts >= matched), None)
            if matched is None:
                break
        if matched is not None and matched <= entry + timedelta(days=window_days):
            converted[month] += 1

    return [
        ratio_row(
            "conversion_rate",
            month,
            converted[month],
            n,
            sample_size=n,
            is_complete=month_end(month) + timedelta(days=window_days) <= data.as_of,
        )
        for month, n in eligible.items()
    ]


# --------------------------------------------------------------------------------------------
# kpi_values
# --------------------------------------------------------------------------------------------


def compute_kpi_values(raw_dir: Path, config: Config | None = None) -> list[KpiRow]:
    """Every row of kpi_values for the raw Parquet folder `raw_dir` (users.parquet,
    events.parquet, survey_responses.parquet). "A period with no data has no row"."""
    config = config or Config()
    data = load_dataset(Path(raw_dir), config)
    if data.as_of is None:
        return []
    rows: list[KpiRow] = []
    rows.extend(task_kpis(data, config))
    rows.extend(active_user_kpis(data, config))
    rows.extend(activation_kpis(data, config))
    rows.extend(retention_kpis(data, config))
    rows.extend(survey_kpis(data, config))
    rows.extend(conversion_kpis(data, config))
    rows.sort(key=lambda row: row.key)
    return rows
