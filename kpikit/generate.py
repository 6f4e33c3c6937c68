"""Demo data generator: the three raw tables of the native layout, dirty on purpose.

Everything is generated inside DuckDB with set-based SQL (``range()``, ``unnest``, joins), never a
Python loop per row, and written with ``COPY ... (FORMAT parquet)`` to ``users.parquet``,
``events.parquet`` and ``survey_responses.parquet``.

Determinism
    No ``random()``: every random number is a hash of (seed, stream name, row key), turned into a
    uniform ``u`` in (0, 1) and then into the wanted distribution (inverse CDF, Box-Muller for
    normal and log-normal draws, log-logistic for delivery lags). The output depends only on
    (seed, users, end date, days, events target) and the DuckDB version (its ``hash()``),
    whatever the thread count, and rows are written in a fixed order.

Data model
    The window is the ``days`` calendar days ending on the end date (UTC); nothing is received
    after the end date's midnight (the export time).

    - Accounts sign up over the window: sign-ups grow over time (``SIGNUP_GROWTH``) and dip at
      weekends, with a diurnal time of day. Each account has a latent engagement (log-normal) and
      a lifetime: ``NO_RETURN_SHARE`` never come back after the sign-up day, the others churn
      after an exponential number of days. On each day of its lifetime an account is active with
      a probability that decays with the days since sign-up (the retention curve).
    - Identity: before signing up, most people browse anonymously (``page_viewed`` with an
      ``anonymous_id`` only), in the sign-up session and sometimes on an earlier day;
      ``signed_up`` carries both ids (the stitch); later events carry the ``user_id`` and often an
      ``anonymous_id`` (the first device, or a second one). Anonymous visitors who never sign up
      (``VISITORS_PER_USER`` per account) only view pages. A few first devices are shared with
      another account (``SHARED_DEVICE_RATE``, a quirk below): one anonymous_id, two user_ids.
    - An active day has one or more sessions of several events (``page_viewed``,
      ``feature_used`` with a Zipf-like ``feature``). Some sessions hold task attempts:
      ``task_started`` (``task_id``, ``attempt_id``), optional ``task_error`` events, then one
      terminal ``task_completed`` / ``task_failed`` / ``task_abandoned`` after a log-normal
      duration that depends on the task (``TASKS``).
    - Activation: ``project_created``, most within hours of sign-up, some after the 7-day window,
      some never. Conversion: ``order_completed`` for a share of accounts, most within a week.
    - Passive events (``email_delivered``, ``email_opened``, ``push_delivered``) reach every
      opted-in account, active or not.
    - Surveys are answered during sessions: ``nps`` (0-10, skewed positive), ``csat`` (1-5) and
      ``sus`` (10 items, odd items positive, even items negative, as real SUS answers are).

    ``--events`` scales the number of events per session (or, without ``--users``, the number of
    accounts) so that the events table has about that many rows.

Quirks
    Every quirk of raw input the package must handle (docs/definitions.md, "What counts as
    input": each quarantine reason, duplicates, re-exports) is present, in the small proportions
    of the constants block below. A quirk that touches only a few rows is also guaranteed a
    minimum count, so even a tiny run exercises every quarantine reason.

    Beyond that list, the shared device (``SHARED_DEVICE_*``) exercises identity stitching: an
    anonymous_id also seen with another account's user_id, half of the time in a session that
    occurred before the owner's sign-up but is received days after it. The stitch of such an
    anonymous_id changes when that session arrives, so an incremental run must re-stitch it.
    Its few events are left out of the event counts that set the volume and the quirk rates, so
    they add rows without changing any other row.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

# =================================================================================================
# Constants: the shape of the data and the proportion of every quirk. They document the generator.
# =================================================================================================

DEFAULT_SEED = 42
DEFAULT_USERS = 2000
DEFAULT_DAYS = 180

# --- Sign-ups and visitors ---------------------------------------------------------------------
SIGNUP_GROWTH = 1.0  # daily sign-ups grow by a factor e**SIGNUP_GROWTH (x2.7) over the window
SIGNUP_WEEKEND_FACTOR = 0.6  # a weekend day gets this share of a weekday's sign-ups
ACTIVITY_WEEKEND_FACTOR = 0.7  # ... and of a weekday's return probability
PEAK_HOUR_UTC = 14.5  # time of day of sign-ups, sessions and visits: normal around this hour
HOUR_SIGMA = 4.0  # ... with this standard deviation (hours), wrapped around midnight
VISITORS_PER_USER = 2.5  # anonymous visitors who never sign up, per account
VISITOR_RETURN_P = 0.25  # a visitor comes back for another visit (geometric, at most 5 visits)
VISITOR_MORE_PAGES_P = 0.55  # one more page in a visit (geometric); 1 - this = bounce rate
PRESIGNUP_SHARE = 0.85  # accounts that browse anonymously in their sign-up session first
EARLIER_VISIT_SHARE = 0.5  # ... of which also visited on an earlier day (median 2 days before)
SECOND_DEVICE_SHARE = 0.3  # accounts that also use a second device (another anonymous_id)
SECOND_DEVICE_SESSIONS = 0.25  # ... for this share of their sessions
SESSION_ANONYMOUS_ID_SHARE = 0.75  # signed-in sessions whose events also carry an anonymous_id

# --- Retention and activity --------------------------------------------------------------------
ENGAGEMENT_SIGMA = 0.6  # per-account engagement: log-normal, mean 1
NO_RETURN_SHARE = 0.3  # accounts never active again after their sign-up day (early churn)
MEAN_LIFETIME_DAYS = 60  # the others churn after an exponential number of days with this mean
RETURN_FLOOR = 0.18  # daily return probability = engagement * (floor + early * exp(-(t-1)/decay))
RETURN_EARLY = 0.38
RETURN_DECAY_DAYS = 5.0
EXTRA_SESSION_P = 0.3  # one more session on an active day (geometric, at most 4 sessions)
EVENTS_PER_SESSION_MEDIAN = 5.0  # page views and feature uses per session: log-normal
EVENTS_PER_SESSION_SIGMA = 0.6
EVENT_GAP_MEDIAN_SECONDS = 45.0  # mean spacing of a session's events: log-normal per session
PAGE_VIEW_SHARE = 0.55  # of in-session events; the rest are feature_used
PAGES = ("/home", "/projects", "/reports", "/settings", "/pricing", "/docs")
FEATURES = ("search", "dashboard", "export", "share", "comments", "import")
FEATURE_ZIPF_EXPONENT = 1.1  # feature popularity ~ 1 / rank**exponent

# --- Tasks -------------------------------------------------------------------------------------
TASK_SESSION_SHARE = 0.35  # sessions with a task attempt
SECOND_ATTEMPT_SHARE = 0.2  # ... of which hold a second one
# (task_id, popularity, median seconds to finish, share completed, share failed, errors/attempt);
# the rest is abandoned: explicitly, silently (no terminal event: timed out) or too late.
TASKS = (
    ("create_project", 0.30, 100.0, 0.88, 0.05, 0.2),
    ("export_report", 0.25, 150.0, 0.80, 0.10, 0.4),
    ("import_data", 0.20, 240.0, 0.65, 0.20, 0.9),
    ("invite_teammate", 0.15, 90.0, 0.85, 0.05, 0.1),
    ("set_up_integration", 0.10, 300.0, 0.55, 0.25, 1.2),
)
TASK_DURATION_SIGMA = 0.8  # log-normal spread of task durations
ABANDON_EXPLICIT_SHARE = 0.5  # of abandoned attempts: a task_abandoned event
ABANDON_SILENT_SHARE = 0.35  # ... no terminal event at all (times out); the rest finish late
LATE_TERMINAL_MINUTES = (31.0, 180.0)  # a late terminal event comes this long after the start
DOUBLE_TERMINAL_RATE = 0.02  # attempts with a second terminal event
NEGATIVE_DURATION_RATE = 0.003  # terminal event stamped before the start (client clocks)
ORPHAN_ATTEMPT_RATE = 0.005  # attempts whose task_started was lost: their other events orphan
IN_PROGRESS_PER_USER = 0.002  # attempts started in the last 30 minutes of the data (min 2)

# --- Activation and conversion -----------------------------------------------------------------
ACTIVATION_BASE = 0.45  # P(activated) = min(0.9, base + per_engagement * engagement)
ACTIVATION_PER_ENGAGEMENT = 0.15
ACTIVATION_FAST_SHARE = 0.76  # activated within hours (log-normal, median 1.5 h)
ACTIVATION_MID_SHARE = 0.12  # within days 1 to 7; the rest after the 7-day window (7-40 days)
SECOND_PROJECT_SHARE = 0.4  # activated accounts creating a second project later
CONVERSION_SHARE_ACTIVATED = 0.4  # accounts that order, if activated ...
CONVERSION_SHARE_OTHER = 0.1  # ... or not
CONVERSION_FAST_SHARE = 0.6  # order within a week of sign-up (median 20 h); the rest 7-57 days
PAID_PLANS = (("pro", 0.6, 29.0), ("team", 0.3, 99.0), ("enterprise", 0.1, 499.0))

# --- Passive events ----------------------------------------------------------------------------
EMAIL_OPT_IN_SHARE = 0.9  # accounts receiving the weekly email (email_delivered)
EMAIL_OPEN_P = 0.3  # P(email_opened) = min(0.9, this * engagement)
PUSH_SHARE = 0.35  # accounts with the app, receiving a weekly push_delivered

# --- Surveys -----------------------------------------------------------------------------------
SURVEY_SESSION_SHARE = 0.05  # sessions in which a survey is answered
SURVEY_MIX = (("nps", 0.4), ("csat", 0.35), ("sus", 0.25))
NPS_WEIGHTS = (2, 1, 1, 2, 2, 5, 6, 12, 20, 22, 27)  # scores 0..10: ~49 % promoters, ~19 % detr.
CSAT_WEIGHTS = (5, 8, 17, 40, 30)  # scores 1..5
ANONYMOUS_RESPONSE_SHARE = 0.1  # responses without a user_id

# --- Users export ------------------------------------------------------------------------------
COUNTRIES = (
    ("US", 30), ("DE", 12), ("GB", 10), ("FR", 8), ("IN", 10),
    ("BR", 8), ("CA", 6), ("NL", 5), ("ES", 5), ("JP", 6),
)  # fmt: skip
CHANNELS = (
    ("organic_search", 30), ("paid_search", 20), ("social", 15),
    ("referral", 15), ("direct", 12), ("email", 8),
)  # fmt: skip
NULL_EMAIL_RATE = 0.05
NULL_COUNTRY_RATE = 0.03
NULL_PLAN_RATE = 0.01
NULL_CHANNEL_RATE = 0.08

# --- Quirks: events ----------------------------------------------------------------------------
DELIVERY_LAG_MEDIAN_SECONDS = 10.0  # normal lag occurred -> received: log-logistic, capped at 1 h
DELIVERY_LAG_SHAPE = 1.5
DUPLICATE_RATE = 0.02  # events delivered twice (same content, later received_at) ...
TRIPLICATE_SHARE = 0.1  # ... of which delivered three times
LATE_RATE = 0.01  # received 1 to 10 days after they occurred
CLOCK_SKEW_RATE = 0.001  # occurred_at 2 to 30 days after received_at (quarantined: > 24 h)
SMALL_SKEW_RATE = 0.005  # occurred_at 1 minute to 6 hours after received_at (within the limit)
MALFORMED_JSON_RATE = 0.0005  # properties cut short: '{"feature": "search"'
NON_OBJECT_JSON_RATE = 0.0005  # properties that are JSON but not an object: '[1, 2]', '42', ...
NO_IDS_RATE = 0.0005  # both user_id and anonymous_id null
NULL_EVENT_ID_RATE = 0.0002
NULL_EVENT_NAME_RATE = 0.0002
NULL_OCCURRED_AT_RATE = 0.0002
NULL_RECEIVED_AT_RATE = 0.0001
EVENT_QUIRK_MIN_ROWS = 10  # every event quirk expects at least this many rows (from 10k events)

# --- Quirks: identity --------------------------------------------------------------------------
# Shared device: an account's first device (the anonymous_id of its sign-up) is also used by
# another, older account, in a short session of page views carrying that account's user_id, so
# the anonymous_id is seen with two user_ids. Either the other account used the device first
# (before the sign-up; its session is delivered late, after the sign-up: a run before it arrives
# stitches the anonymous_id to the owner, a later run must re-stitch it, and the anonymous events
# it carries, to the other account), or later (after the sign-up: the stitch stays).
SHARED_DEVICE_RATE = 0.005  # accounts whose first device is shared
SHARED_DEVICE_EARLIER_SHARE = 0.5  # ... of which the other account used it first
SHARED_DEVICE_BEFORE_HOURS = (1.0, 72.0)  # first: its session this long before the sign-up ...
SHARED_DEVICE_LATE_DAYS = (1.0, 30.0)  # ... received this long after the sign-up (re-stitch)
SHARED_DEVICE_AFTER_DAYS = (1.0, 30.0)  # later: its session this long after the sign-up
SHARED_DEVICE_MIN_IDS = 5  # at least this many of each kind (a tiny run: at most users // 20)

# --- Quirks: users -----------------------------------------------------------------------------
REEXPORT_RATE = 0.03  # accounts with an older export row (earlier updated_at, another plan)
NULL_USER_ID_RATE = 0.002  # extra export rows without a user_id
NULL_CREATED_AT_RATE = 0.002  # extra export rows without created_at
MISSING_FROM_EXPORT_RATE = 0.005  # accounts tracked in events but missing from the export

# --- Quirks: surveys ---------------------------------------------------------------------------
INCOMPLETE_SUS_RATE = 0.06  # SUS responses missing some items
SCORE_OUT_OF_RANGE_RATE = 0.01  # nps 11, csat 0 or 6, sus 0 or 6
NULL_SCORE_RATE = 0.005
UNKNOWN_SURVEY_RATE = 0.03  # responses to a survey the package does not know ('ces', scores 1-7)
ITEM_OUT_OF_RANGE_RATE = 0.02  # an extra sus item 11 or nps item 2
RESUBMITTED_RATE = 0.02  # item rows sent twice (same response_id and item, later responded_at)
NULL_RESPONSE_ID_RATE = 0.001
NULL_RESPONDED_AT_RATE = 0.001
QUIRK_MIN_ROWS = 2  # users, survey and task quirks: at least this many rows each

# --- Engine ------------------------------------------------------------------------------------
MEMORY_LIMIT = "1GB"  # DuckDB's limit; larger runs spill to a scratch folder inside --out
CALIBRATION_USERS = 2000  # accounts simulated to find events per account (--events alone)
MIN_ACTIVITY_SCALE = 0.05
MAX_ACTIVITY_SCALE = 1000.0

TABLES = ("users", "events", "survey_responses")
ProgressCallback = Callable[[str, float | None], None]
"""Called with a stage description, and the fraction done (0..1) of a long stage, or None."""

_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
_MINUTE_MS = 60_000


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate: the output depends on nothing else."""

    out_dir: Path
    seed: int = DEFAULT_SEED
    users: int | None = None  # None: DEFAULT_USERS, or derived from `events` when that is set
    end_date: date = field(default_factory=lambda: datetime.now(UTC).date())
    days: int = DEFAULT_DAYS
    events: int | None = None  # target number of event rows (approximate)

    def __post_init__(self) -> None:
        if self.users is not None and self.users < 1:
            raise ValueError(f"users must be positive, got {self.users}")
        if self.days < 1:
            raise ValueError(f"days must be positive, got {self.days}")
        if self.events is not None and self.events < 1:
            raise ValueError(f"events must be positive, got {self.events}")
        if self.seed < 0:
            raise ValueError(f"seed must not be negative, got {self.seed}")


@dataclass(frozen=True)
class GenerationResult:
    """What was written."""

    out_dir: Path
    users: int  # accounts simulated
    activity_scale: float  # multiplier on events per session (1 unless --events asked otherwise)
    start_date: date
    end_date: date
    row_counts: dict[str, int]  # rows per table
    seconds: float
    warnings: tuple[str, ...] = ()


def generate(config: GeneratorConfig, progress: ProgressCallback | None = None) -> GenerationResult:
    """Generate the three raw tables into `config.out_dir` (created; existing files replaced)."""
    started = time.monotonic()
    report = progress or _no_progress
    warnings: list[str] = []
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {table: out_dir / f"{table}.parquet" for table in TABLES}
    with (
        tempfile.TemporaryDirectory(prefix=".kpikit-generate-", dir=out_dir) as work,
        _connection(Path(work)) as con,
    ):
        users = config.users
        if users is None and config.events is not None:
            report("calibrating events per account", None)
            users = max(1, round(config.events / _events_per_user(con, config)))
        plan = _Plan.create(config, users or DEFAULT_USERS)
        report(f"simulating {plan.users:,} accounts over {config.days} days", None)
        _build_stages(con, plan)

        other_events = _other_event_count(con)
        scale = 1.0
        if config.events is not None:
            scale, reachable = _solve_activity_scale(con, config.events, other_events)
            if not reachable:
                warnings.append(
                    f"--events {config.events:,} is not reachable with {plan.users:,} accounts "
                    f"(events per session scaled by {scale:g}, the limit)"
                )
        con.execute(f"create or replace view ev_session as {_session_events_sql(plan, scale)}")
        logical_events = other_events + _session_event_count(con, scale)

        report("writing users.parquet", None)
        _write(con, _users_sql(plan), paths["users"])
        report("writing survey_responses.parquet", None)
        _write(con, _surveys_sql(plan), paths["survey_responses"])
        _write_events(con, plan, logical_events, paths["events"], Path(work), report)
        counts = {
            table: int(_fetch_one(con, f"select count(*) from read_parquet('{_sql_path(path)}')"))
            for table, path in paths.items()
        }
    return GenerationResult(
        out_dir=out_dir,
        users=plan.users,
        activity_scale=scale,
        start_date=plan.start_date,
        end_date=config.end_date,
        row_counts=counts,
        seconds=time.monotonic() - started,
        warnings=tuple(warnings),
    )


def _write_events(
    con: duckdb.DuckDBPyConnection,
    plan: _Plan,
    logical_events: int,
    path: Path,
    work_dir: Path,
    report: ProgressCallback,
) -> None:
    """Two passes: the events to an unsorted scratch file, then that file sorted into `path`.
    (An ORDER BY at the end of the generating query runs out of memory on large runs, while the
    sort of a file spills to disk.)"""
    unsorted = work_dir / "events-unsorted.parquet"
    stage = f"generating ~{round(logical_events * _delivered_per_logical()):,} events"
    report(stage, 0.0)
    _execute_watched(
        con,
        f"copy ({_events_sql(plan, logical_events)}) to '{_sql_path(unsorted)}' "
        "(format parquet, compression uncompressed)",
        on_progress=lambda fraction: report(stage, fraction),
    )
    sort_stage = "sorting events into events.parquet"
    report(sort_stage, 0.0)
    _write(
        con,
        f"select * from read_parquet('{_sql_path(unsorted)}') order by {_EVENTS_ORDER}",
        path,
        on_progress=lambda fraction: report(sort_stage, fraction),
    )
    unsorted.unlink()


# =================================================================================================
# Plumbing
# =================================================================================================


def _no_progress(stage: str, fraction: float | None) -> None:
    """The progress callback that reports nothing."""


@contextmanager
def _connection(work_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB that spills to `work_dir`."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"set threads = {max(1, min(os.cpu_count() or 1, 8))}")
        con.execute(f"set temp_directory = '{_sql_path(work_dir / 'spill')}'")
        # Every output query has an ORDER BY: let the rest stream in any order (less memory).
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = true")
        con.execute("set enable_progress_bar_print = false")
        yield con
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _fetch_one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0] or 0)


def _write(
    con: duckdb.DuckDBPyConnection,
    query: str,
    path: Path,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """COPY the query to a temporary file beside `path`, then rename it over `path`."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    statement = f"copy ({query}) to '{_sql_path(temporary)}' (format parquet)"
    try:
        _execute_watched(con, statement, on_progress)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _execute_watched(
    con: duckdb.DuckDBPyConnection, sql: str, on_progress: Callable[[float], None] | None
) -> None:
    """Execute, reporting DuckDB's progress estimate every half second when asked to."""
    if on_progress is None:
        con.execute(sql)
        return
    done = threading.Event()

    def watch() -> None:
        last = -1.0
        while not done.wait(0.5):
            percent = con.query_progress()
            if percent >= 0 and percent - last >= 1:
                last = percent
                on_progress(min(percent, 100.0) / 100)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        con.execute(sql)
    finally:
        done.set()
        watcher.join()
    on_progress(1.0)


# =================================================================================================
# SQL building blocks
# =================================================================================================

_INV_2_53 = "cast(1.1102230246251565e-16 as double)"  # 2**-53


def _num(value: float) -> str:
    """A DOUBLE literal (a bare 0.5 is a DECIMAL in DuckDB, and much slower in arithmetic)."""
    return f"cast({float(value)!r} as double)"


def _str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _choice(u: str, options: Sequence[tuple[str, float]]) -> str:
    """CASE picking a SQL expression by weight with the uniform column `u` (inverse CDF)."""
    total = float(sum(weight for _, weight in options))
    cumulative = 0.0
    branches = []
    for value, weight in options[:-1]:
        cumulative += weight / total
        branches.append(f"when {u} < {_num(cumulative)} then {value}")
    return f"(case {' '.join(branches)} else {options[-1][0]} end)"


@dataclass(frozen=True)
class _Plan:
    """Resolved parameters, and the hash-based random streams of one run."""

    seed: int
    users: int
    days: int
    start_date: date
    start_ms: int  # epoch milliseconds of the first day's midnight (UTC)
    end_day_ms: int  # ... of the end date's midnight
    horizon_ms: int  # ... of the midnight after the end date: the export time

    @classmethod
    def create(cls, config: GeneratorConfig, users: int) -> _Plan:
        start = config.end_date - timedelta(days=config.days - 1)
        epoch = date(1970, 1, 1)
        start_ms = (start - epoch).days * _DAY_MS
        end_day_ms = (config.end_date - epoch).days * _DAY_MS
        return cls(
            seed=config.seed,
            users=users,
            days=config.days,
            start_date=start,
            start_ms=start_ms,
            end_day_ms=end_day_ms,
            horizon_ms=end_day_ms + _DAY_MS,
        )

    def hash(self, stream: str, *keys: str) -> str:
        """UBIGINT hash of (seed, stream, keys). DuckDB combines a multi-argument hash by XOR
        with the last argument's hash, so two streams would be XOR-related: hashing the result
        again (a murmur finaliser) makes the streams independent."""
        return f"hash(hash({self.seed}, {_str(stream)}, {', '.join(keys)}))"

    def u(self, stream: str, *keys: str) -> str:
        """Uniform in (0, 1): the top 53 bits of the hash, centred."""
        return f"((cast({self.hash(stream, *keys)} >> 11 as double) + {_num(0.5)}) * {_INV_2_53})"

    def z(self, stream: str, *keys: str) -> str:
        """Standard normal (Box-Muller on two hash streams)."""
        u1 = self.u(stream + ".1", *keys)
        u2 = self.u(stream + ".2", *keys)
        return f"(sqrt(-2 * ln({u1})) * cos({_num(2 * math.pi)} * {u2}))"

    def lognormal(self, median: float, sigma: float, stream: str, *keys: str) -> str:
        return f"exp({_num(math.log(median))} + {_num(sigma)} * {self.z(stream, *keys)})"

    def geometric(self, p_more: float, cap: int, stream: str, *keys: str) -> str:
        """0, 1, 2 ... with P(k or more) = p_more**k, capped."""
        draw = f"floor(ln({self.u(stream, *keys)}) / {_num(math.log(p_more))})"
        return f"cast(least({cap}, {draw}) as bigint)"

    def time_of_day_ms(self, stream: str, *keys: str) -> str:
        hours = f"({_num(PEAK_HOUR_UTC)} + {_num(HOUR_SIGMA)} * {self.z(stream, *keys)})"
        wrapped = f"fmod(fmod({hours}, {_num(24)}) + {_num(24)}, {_num(24)})"
        return f"cast({wrapped} * {_HOUR_MS} as bigint)"

    def weekday_factor(self, day_index: str, weekend_factor: float) -> str:
        monday_based = self.start_date.weekday()  # 0 = Monday
        return (
            f"(case when ({monday_based} + {day_index}) % 7 >= 5 "
            f"then {_num(weekend_factor)} else {_num(1)} end)"
        )

    def anonymous_id(self, *keys: str) -> str:
        return f"('a_' || lower(hex({self.hash('anonymous_id', *keys)})))"

    def session_id(self, *keys: str) -> str:
        return f"('s_' || lower(hex({self.hash('session_id', *keys)})))"


def _event_rate(rate: float, rows: float) -> float:
    """The rate to apply to `rows` events so that a quirk expects at least EVENT_QUIRK_MIN_ROWS
    of them (at most 1 in 1000 rows: in a tiny run quirks stay rare and may be missing)."""
    return max(rate, min(EVENT_QUIRK_MIN_ROWS, rows / 1000) / max(rows, 1.0))


# =================================================================================================
# Stages: accounts, their active days, sessions, task attempts, visitor visits (tables)
# =================================================================================================


def _build_stages(con: duckdb.DuckDBPyConnection, plan: _Plan) -> None:
    for sql in (
        _day_cdf_sql(plan),
        _accounts_sql(plan),
        _active_days_sql(plan),
        _sessions_sql(plan),
        _attempts_sql(plan),
        _visits_sql(plan),
        _shared_devices_sql(plan),
    ):
        con.execute(sql)
    for name, sql in _event_views(plan).items():
        con.execute(f"create or replace view {name} as {sql}")


def _day_cdf_sql(plan: _Plan) -> str:
    """Day index -> lower bound of its share of sign-ups on the cumulative [0, 1) scale."""
    return f"""
create or replace table day_cdf as
with days as (
    select
        d,
        exp({_num(SIGNUP_GROWTH)} * d / {max(plan.days - 1, 1)})
            * {plan.weekday_factor("d", SIGNUP_WEEKEND_FACTOR)} as weight
    from range({plan.days}) as t(d)
)
select d, (sum(weight) over (order by d) - weight) / sum(weight) over () as c_lo
from days
"""


def _accounts_sql(plan: _Plan) -> str:
    """One row per account: sign-up time and every per-account trait."""
    p = plan
    act_fast_hours = f"least({p.lognormal(1.5, 1.2, 'activation_lag', 'i')}, {_num(24 * 6.5)})"
    act_hours = f"""(case
            when u_activation_kind < {_num(ACTIVATION_FAST_SHARE)} then {act_fast_hours}
            when u_activation_kind < {_num(ACTIVATION_FAST_SHARE + ACTIVATION_MID_SHARE)}
                then 24 * (1 + 6 * {p.u("activation_days", "i")})
            else 24 * (7 + 33 * {p.u("activation_days", "i")})
        end)"""
    conv_fast_hours = f"least({p.lognormal(20, 1.0, 'conversion_lag', 'i')}, {_num(24 * 6.5)})"
    conv_hours = f"""(case
            when {p.u("conversion_kind", "i")} < {_num(CONVERSION_FAST_SHARE)}
                then {conv_fast_hours}
            else 24 * (7 + 50 * {p.u("conversion_days", "i")})
        end)"""
    paid_plan = _choice("u_plan", [(_str(name), weight) for name, weight, _ in PAID_PLANS])
    eng_mu = -(ENGAGEMENT_SIGMA**2) / 2
    return f"""
create or replace table accounts as
with placed as (
    select base.i, day_cdf.d as signup_d
    from (
        select i, (i + {p.u("signup_day", "i")}) / {p.users} as position
        from range({p.users}) as t(i)
    ) as base
    asof join day_cdf on base.position >= day_cdf.c_lo
),
drawn as (
    select
        i,
        signup_d,
        least(
            {p.start_ms} + signup_d * {_DAY_MS} + {p.time_of_day_ms("signup_hour", "i")},
            {p.horizon_ms - 1000}
        ) as created_ms,
        {p.days - 1} - signup_d as days_left,
        exp({_num(eng_mu)} + {_num(ENGAGEMENT_SIGMA)} * {p.z("engagement", "i")}) as engagement,
        case
            when {p.u("no_return", "i")} < {_num(NO_RETURN_SHARE)} then 0
            else cast(ceil(-ln({p.u("lifetime", "i")}) * {_num(MEAN_LIFETIME_DAYS)}) as bigint)
        end as lifetime_days,
        {p.u("activated", "i")} as u_activated,
        {p.u("activation_kind", "i")} as u_activation_kind,
        {p.u("converter", "i")} as u_converter,
        {p.u("plan", "i")} as u_plan
    from placed
),
traits as (
    select
        *,
        u_activated < least(
            {_num(0.9)},
            {_num(ACTIVATION_BASE)} + {_num(ACTIVATION_PER_ENGAGEMENT)} * engagement
        ) as activated,
        greatest(cast({act_hours} * {_HOUR_MS} as bigint), {_MINUTE_MS}) as activation_lag_ms
    from drawn
)
select
    i,
    signup_d,
    created_ms,
    days_left,
    engagement,
    lifetime_days,
    activated,
    created_ms + activation_lag_ms as activated_ms,
    u_converter < case
        when activated then {_num(CONVERSION_SHARE_ACTIVATED)}
        else {_num(CONVERSION_SHARE_OTHER)}
    end as converter,
    created_ms + greatest(cast({conv_hours} * {_HOUR_MS} as bigint), {5 * _MINUTE_MS})
        as converted_ms,
    {paid_plan} as paid_plan,
    {p.u("second_device", "i")} < {_num(SECOND_DEVICE_SHARE)} as has_second_device,
    {p.u("presignup", "i")} < {_num(PRESIGNUP_SHARE)} as browses_before_signup
from traits
"""


def _active_days_sql(plan: _Plan) -> str:
    """One row per account and active day (t = days since sign-up; t = 0 is always active)."""
    p = plan
    return_p = (
        f"least({_num(0.95)}, engagement * ({_num(RETURN_FLOOR)} + {_num(RETURN_EARLY)}"
        f" * exp(-(t - 1) / {_num(RETURN_DECAY_DAYS)}))"
        f" * {p.weekday_factor('signup_d + t', ACTIVITY_WEEKEND_FACTOR)})"
    )
    return f"""
create or replace table active_days as
with spans as (
    select
        i,
        signup_d,
        created_ms,
        engagement,
        has_second_device,
        unnest(range(least(lifetime_days, days_left) + 1)) as t
    from accounts
)
select i, t, signup_d + t as d, created_ms, has_second_device
from spans
where t = 0 or {p.u("active", "i", "t")} < {return_p}
"""


def _sessions_sql(plan: _Plan) -> str:
    """One row per session. The sign-up day has one session, which starts with signed_up."""
    p = plan
    keys = ("i", "t", "s")
    device = (
        f"case when has_second_device and {p.u('device', *keys)} < "
        f"{_num(SECOND_DEVICE_SESSIONS)} then cast(1 as bigint) else cast(0 as bigint) end"
    )
    extra = p.geometric(EXTRA_SESSION_P, 3, "sessions", "i", "t")
    return f"""
create or replace table sessions as
with expanded as (
    select
        i, t, d, created_ms, has_second_device,
        unnest(range(case when t = 0 then 1 else 1 + {extra} end)) as s
    from active_days
)
select
    i,
    t,
    s,
    case
        when t = 0 then created_ms
        else {p.start_ms} + d * {_DAY_MS} + {p.time_of_day_ms("session_hour", *keys)}
    end as start_ms,
    {p.lognormal(EVENTS_PER_SESSION_MEDIAN, EVENTS_PER_SESSION_SIGMA, "session_size", *keys)}
        as event_factor,
    cast(1000 * {p.lognormal(EVENT_GAP_MEDIAN_SECONDS, 0.5, "session_gap", *keys)} as bigint)
        as gap_ms,
    case when t = 0 then 1 else 0 end as first_slot,
    {p.session_id("i", "t", "s")} as session_id,
    case
        when t = 0 or {p.u("session_anonymous", *keys)} < {_num(SESSION_ANONYMOUS_ID_SHARE)}
            then {p.anonymous_id("i", device)}
    end as anonymous_id
from expanded
"""


def _task_case(column: str, values: Sequence[str | float]) -> str:
    branches = " ".join(
        f"when {column} = {_str(task[0])} then "
        + (_str(value) if isinstance(value, str) else _num(value))
        for task, value in zip(TASKS, values, strict=True)
    )
    return f"(case {branches} end)"


def _attempts_sql(plan: _Plan) -> str:
    """One row per task attempt, with its fate decided up front; plus a few attempts started in
    the last half hour of the data (still in progress)."""
    p = plan
    keys = ("i", "t", "s", "a")
    task_choice = _choice("u_task", [(_str(task[0]), task[1]) for task in TASKS])
    median_s = _task_case("task_id", [task[2] for task in TASKS])
    p_completed = _task_case("task_id", [task[3] for task in TASKS])
    p_failed = _task_case("task_id", [task[4] for task in TASKS])
    errors_mean = _task_case("task_id", [task[5] for task in TASKS])
    silent_hi = ABANDON_EXPLICIT_SHARE + ABANDON_SILENT_SHARE
    late_lo, late_hi = LATE_TERMINAL_MINUTES
    in_progress = max(2, round(p.users * IN_PROGRESS_PER_USER))
    return f"""
create or replace table attempts as
with chosen as (
    select
        i, t, s, start_ms, event_factor, gap_ms, session_id, anonymous_id,
        unnest(range(
            case when {p.u("second_attempt", "i", "t", "s")} < {_num(SECOND_ATTEMPT_SHARE)}
                then 2 else 1 end
        )) as a
    from sessions
    where {p.u("task_session", "i", "t", "s")} < {_num(TASK_SESSION_SHARE)}
),
drawn as (
    select
        {p.hash("attempt", *keys)} as attempt_key,
        i,
        session_id,
        anonymous_id,
        start_ms + cast({p.u("attempt_offset", *keys)} * event_factor * gap_ms as bigint)
            as start_ms,
        {p.u("task", *keys)} as u_task,
        {p.u("outcome", *keys)} as u_outcome,
        {p.u("abandon_kind", *keys)} as u_abandon,
        {p.z("duration", *keys)} as z_duration
    from chosen
),
with_task as (
    select *, {task_choice} as task_id from drawn
),
with_outcome as (
    select
        *,
        case
            when u_outcome < {p_completed} then 'completed'
            when u_outcome < {p_completed} + {p_failed} then 'failed'
            when u_abandon < {_num(ABANDON_EXPLICIT_SHARE)} then 'abandoned'
            when u_abandon < {_num(silent_hi)} then 'timed_out'
            else 'late'
        end as outcome,
        {median_s} as median_s,
        {errors_mean} as errors_mean
    from with_task
)
select
    attempt_key,
    i,
    session_id,
    anonymous_id,
    task_id,
    start_ms,
    outcome,
    case
        when outcome = 'late'
            then cast({_MINUTE_MS} * ({_num(late_lo)} + {_num(late_hi - late_lo)}
                * {p.u("late_terminal", "attempt_key")}) as bigint)
        when {p.u("negative_duration", "attempt_key")} < {_num(NEGATIVE_DURATION_RATE)}
            then -cast(1000 + 29000 * {p.u("negative_by", "attempt_key")} as bigint)
        else cast(
            1000 * median_s * case when outcome = 'abandoned' then 1.5 else 1 end
                * exp({_num(TASK_DURATION_SIGMA)} * z_duration) as bigint
        )
    end as duration_ms,
    cast(least(8, floor(
        -ln({p.u("errors", "attempt_key")}) * errors_mean
            * case when outcome = 'failed' then 2.5 else 1 end
    )) as bigint) as n_errors,
    outcome != 'timed_out' and (
        {p.u("double_terminal", "attempt_key")} < {_num(DOUBLE_TERMINAL_RATE)}
        or row_number() over (
            partition by outcome = 'timed_out' order by {p.hash("double_terminal", "attempt_key")}
        ) <= {QUIRK_MIN_ROWS}
    ) as double_terminal,
    {p.u("lost_start", "attempt_key")} < {_num(ORPHAN_ATTEMPT_RATE)}
        or row_number() over (order by {p.hash("lost_start", "attempt_key")}) <= {QUIRK_MIN_ROWS}
        as start_lost
from with_outcome
union all
select
    {p.hash("open_attempt", "k")} as attempt_key,
    cast(floor({p.u("open_attempt_user", "k")} * {_num(0.9 * p.users)}) as bigint) as i,
    {p.session_id("k", "k")} as session_id,
    null as anonymous_id,
    {_choice(p.u("open_attempt_task", "k"), [(_str(task[0]), task[1]) for task in TASKS])}
        as task_id,
    {p.horizon_ms} - cast({_MINUTE_MS} * (1 + 28 * {p.u("open_attempt_start", "k")}) as bigint)
        as start_ms,
    'in_progress' as outcome,
    0 as duration_ms,
    0 as n_errors,
    false as double_terminal,
    false as start_lost
from range({in_progress}) as t(k)
"""


def _visits_sql(plan: _Plan) -> str:
    """One row per visit of an anonymous visitor who never signs up."""
    p = plan
    visitors = max(1, round(p.users * VISITORS_PER_USER))
    return f"""
create or replace table visits as
with placed as (
    select base.v, day_cdf.d
    from (
        select v, (v + {p.u("visitor_day", "v")}) / {visitors} as position
        from range({visitors}) as t(v)
    ) as base
    asof join day_cdf on base.position >= day_cdf.c_lo
),
expanded as (
    select
        v,
        {p.start_ms} + d * {_DAY_MS} + {p.time_of_day_ms("visitor_hour", "v")} as first_ms,
        unnest(range(1 + {p.geometric(VISITOR_RETURN_P, 4, "visits", "v")})) as r
    from placed
),
timed as (
    select
        v,
        r,
        first_ms + cast(r * {_DAY_MS} * (1 + 4 * {p.u("revisit", "v", "r")}) as bigint)
            as visit_ms
    from expanded
)
select
    v,
    r,
    visit_ms,
    1 + {p.geometric(VISITOR_MORE_PAGES_P, 11, "visit_pages", "v", "r")} as n_pages,
    cast(1000 * {p.lognormal(40, 0.5, "visit_gap", "v", "r")} as bigint) as gap_ms
from timed
where visit_ms < {p.horizon_ms}
"""


def _shared_devices_sql(plan: _Plan) -> str:
    """One row per shared device (quirk): the owner account `i`, whose first device it is, and
    the `other_i` account that also uses it, in a session starting at `t_ms`; `late_received_ms`
    is set when that session is earlier than the owner's sign-up and is delivered late."""
    p = plan
    minimum = min(SHARED_DEVICE_MIN_IDS, p.users // 20)
    before_lo, before_hi = SHARED_DEVICE_BEFORE_HOURS
    late_lo, late_hi = SHARED_DEVICE_LATE_DAYS
    after_lo, after_hi = SHARED_DEVICE_AFTER_DAYS
    return f"""
create or replace table shared_devices as
with by_time as (
    select i, created_ms, row_number() over (order by created_ms, i) as time_rank
    from accounts
),
created_until as (
    -- accounts created up to each sign-up time (ties in created_ms: one row, the last rank)
    select created_ms, max(time_rank) as n_created from by_time group by created_ms
),
timed as (
    select
        i,
        time_rank,
        earlier,
        case
            when earlier then created_ms - cast({_HOUR_MS} * ({_num(before_lo)}
                + {_num(before_hi - before_lo)} * {p.u("shared_device_before", "i")}) as bigint)
            else created_ms + cast({_DAY_MS} * ({_num(after_lo)}
                + {_num(after_hi - after_lo)} * {p.u("shared_device_after", "i")}) as bigint)
        end as t_ms,
        case when earlier then created_ms + cast({_DAY_MS} * ({_num(late_lo)}
            + {_num(late_hi - late_lo)} * {p.u("shared_device_late", "i")}) as bigint)
        end as late_received_ms
    from (
        select
            *,
            {p.u("shared_device_kind", "i")} < {_num(SHARED_DEVICE_EARLIER_SHARE)} as earlier
        from by_time
    )
),
counted as (
    -- the other account is one of those created at least an hour before the session
    select timed.*, coalesce(created_until.n_created, 0) as n_before
    from timed
    asof left join created_until on timed.t_ms - {_HOUR_MS} >= created_until.created_ms
),
eligible as (
    select
        *,
        case
            when earlier then n_before >= 1 and late_received_ms < {p.horizon_ms - _HOUR_MS}
            else n_before >= 2 and t_ms < {p.horizon_ms - _HOUR_MS}
        end as possible
    from counted
),
chosen as (
    select
        *,
        {p.u("shared_device", "i")} < {_num(SHARED_DEVICE_RATE)} or row_number() over (
            partition by earlier, possible order by {p.hash("shared_device", "i")}, i
        ) <= {minimum} as shared,
        -- rank (by sign-up time) of the other account; never the owner itself
        case
            when earlier then 1 + cast(floor({p.u("shared_device_other", "i")} * n_before)
                as bigint)
            else 1 + cast(floor({p.u("shared_device_other", "i")} * (n_before - 1)) as bigint)
        end as other_pick
    from eligible
)
select
    chosen.i,
    other.i as other_i,
    chosen.t_ms,
    chosen.late_received_ms
from chosen
join by_time as other on other.time_rank = case
    when not chosen.earlier and chosen.other_pick >= chosen.time_rank
        then chosen.other_pick + 1
    else chosen.other_pick
end
where chosen.possible and chosen.shared
"""


# =================================================================================================
# Logical events (views): one row per event that happened, before delivery quirks
# Columns: event_key, user_index, anonymous_id, session_id, event_name, t_ms, properties
# (ev_shared_device also late_received_ms: a forced late delivery time, or null)
# =================================================================================================


def _json_pairs(*pairs: tuple[str, str], numbers: Sequence[str] = ()) -> str:
    """SQL building the text of a JSON object from (key, SQL expression) pairs: string values,
    or raw numbers for the keys in `numbers`."""
    parts = []
    for key, value in pairs:
        quote = "" if key in numbers else '"'
        parts.append(f"""'"{key}": {quote}' || {value} || '{quote}'""")
    return "('{' || " + " || ', ' || ".join(parts) + " || '}')"


def _page_properties(u: str) -> str:
    return _json_pairs(("path", _choice(u, [(_str(page), 1) for page in PAGES])))


def _feature_properties(u: str) -> str:
    options = [(_str(f), 1 / (rank**FEATURE_ZIPF_EXPONENT)) for rank, f in enumerate(FEATURES, 1)]
    return _json_pairs(("feature", _choice(u, options)))


def _event_views(plan: _Plan) -> dict[str, str]:
    p = plan
    hex_key = "lower(hex(attempt_key))"
    task_props = _json_pairs(("task_id", "task_id"), ("attempt_id", "'att_' || " + hex_key))
    amount = (
        "(case "
        + " ".join(f"when paid_plan = {_str(n)} then {_str(f'{a:.2f}')}" for n, _, a in PAID_PLANS)
        + " end)"
    )
    order_props = _json_pairs(
        ("order_id", f"'o_' || lower(hex({p.hash('order', 'i')}))"),
        ("plan", "paid_plan"),
        ("amount", amount),
        numbers=("amount",),
    )
    method = _choice(p.u("signup_method", "i"), [("'email'", 6), ("'google'", 3), ("'github'", 1)])
    project_props = _json_pairs(
        ("project_id", f"'p_' || lower(hex({p.hash('project', 'i', 'n')}))")
    )
    views: dict[str, str] = {}

    views["ev_presignup"] = f"""
with same_session as (
    select i, created_ms, n_pages, unnest(range(n_pages)) as j
    from (
        select i, created_ms, 1 + {p.geometric(0.5, 3, "presignup_pages", "i")} as n_pages
        from accounts
        where browses_before_signup
    )
),
earlier_visit as (
    select
        i,
        created_ms - greatest(
            {_HOUR_MS}, cast({_HOUR_MS} * {p.lognormal(48, 1.0, "earlier_visit", "i")} as bigint)
        ) as visit_ms,
        unnest(range(1 + {p.geometric(0.6, 6, "earlier_pages", "i")})) as j
    from accounts
    where browses_before_signup and {p.u("earlier", "i")} < {_num(EARLIER_VISIT_SHARE)}
)
select
    {p.hash("ev_presignup", "i", "j")} as event_key,
    null as user_index,
    {p.anonymous_id("i", "cast(0 as bigint)")} as anonymous_id,
    {p.session_id("i", "cast(0 as bigint)", "cast(0 as bigint)")} as session_id,
    'page_viewed' as event_name,
    created_ms - cast((n_pages - j - {_num(0.5)} * {p.u("presignup_at", "i", "j")}) * 40000
        as bigint) as t_ms,
    {_page_properties(p.u("presignup_page", "i", "j"))} as properties
from same_session
union all
select
    {p.hash("ev_earlier", "i", "j")} as event_key,
    null as user_index,
    {p.anonymous_id("i", "cast(0 as bigint)")} as anonymous_id,
    {p.session_id("i", "cast(-1 as bigint)", "cast(0 as bigint)")} as session_id,
    'page_viewed' as event_name,
    visit_ms + cast((j + {p.u("earlier_at", "i", "j")}) * 40000 as bigint) as t_ms,
    {_page_properties(p.u("earlier_page", "i", "j"))} as properties
from earlier_visit
where visit_ms >= {p.start_ms}
"""

    views["ev_accounts"] = f"""
with projects as (
    select i, activated_ms as t_ms, cast(0 as bigint) as n
    from accounts
    where activated
    union all
    select
        i,
        activated_ms + cast({_DAY_MS} * {p.lognormal(10, 1.0, "second_project", "i")} as bigint),
        cast(1 as bigint)
    from accounts
    where activated and {p.u("second_project_p", "i")} < {_num(SECOND_PROJECT_SHARE)}
)
select
    {p.hash("ev_signed_up", "i")} as event_key,
    i as user_index,
    {p.anonymous_id("i", "cast(0 as bigint)")} as anonymous_id,
    {p.session_id("i", "cast(0 as bigint)", "cast(0 as bigint)")} as session_id,
    'signed_up' as event_name,
    created_ms as t_ms,
    {_json_pairs(("method", method))} as properties
from accounts
union all
select
    {p.hash("ev_project", "i", "n")},
    i,
    case when {p.u("project_anonymous", "i", "n")} < {_num(0.7)}
        then {p.anonymous_id("i", "cast(0 as bigint)")} end,
    {p.session_id("i", "cast(-2 as bigint)", "n")},
    'project_created',
    t_ms,
    {project_props}
from projects
union all
select
    {p.hash("ev_order", "i")},
    i,
    case when {p.u("order_anonymous", "i")} < {_num(0.7)}
        then {p.anonymous_id("i", "cast(0 as bigint)")} end,
    {p.session_id("i", "cast(-3 as bigint)", "cast(0 as bigint)")},
    'order_completed',
    converted_ms,
    {order_props}
from accounts
where converter
"""

    views["ev_tasks"] = f"""
with errors as (
    select *, unnest(range(n_errors)) as e
    from attempts
    where n_errors > 0
)
select
    {p.hash("ev_task_started", "attempt_key")} as event_key,
    i as user_index, anonymous_id, session_id,
    'task_started' as event_name,
    start_ms as t_ms,
    {task_props} as properties
from attempts
where not start_lost
union all
select
    {p.hash("ev_task_error", "attempt_key", "e")},
    i, anonymous_id, session_id,
    'task_error',
    start_ms + cast((e + 1) * greatest(duration_ms, 60000) / (n_errors + 1) as bigint),
    {task_props}
from errors
union all
select
    {p.hash("ev_task_end", "attempt_key")},
    i, anonymous_id, session_id,
    case
        when outcome = 'completed' then 'task_completed'
        when outcome = 'failed' then 'task_failed'
        when outcome = 'abandoned' then 'task_abandoned'
        when {p.u("late_kind", "attempt_key")} < {_num(0.5)} then 'task_completed'
        else 'task_abandoned'
    end,
    start_ms + duration_ms,
    {task_props}
from attempts
where outcome in ('completed', 'failed', 'abandoned', 'late')
union all
select
    {p.hash("ev_task_end_again", "attempt_key")},
    i, anonymous_id, session_id,
    case when outcome = 'failed' then 'task_completed' else 'task_abandoned' end,
    start_ms + greatest(duration_ms, 0)
        + cast(1000 + 300000 * {p.u("end_again_at", "attempt_key")} as bigint),
    {task_props}
from attempts
where double_terminal
"""

    views["ev_visitors"] = f"""
with pages as (
    select v, r, visit_ms, gap_ms, unnest(range(n_pages)) as j
    from visits
)
select
    {p.hash("ev_visitor", "v", "r", "j")} as event_key,
    null as user_index,
    ('a_' || lower(hex({p.hash("visitor", "v")}))) as anonymous_id,
    ('s_' || lower(hex({p.hash("visit", "v", "r")}))) as session_id,
    'page_viewed' as event_name,
    visit_ms + cast((j + {p.u("visitor_at", "v", "r", "j")}) * gap_ms as bigint) as t_ms,
    {_page_properties(p.u("visitor_page", "v", "r", "j"))} as properties
from pages
"""

    views["ev_shared_device"] = f"""
with pages as (
    select
        i, other_i, t_ms, late_received_ms,
        unnest(range(1 + {p.geometric(0.5, 3, "shared_device_pages", "i")})) as j
    from shared_devices
)
select
    {p.hash("ev_shared_device", "i", "j")} as event_key,
    other_i as user_index,
    {p.anonymous_id("i", "cast(0 as bigint)")} as anonymous_id,
    {p.session_id("i", "cast(-4 as bigint)", "cast(0 as bigint)")} as session_id,
    'page_viewed' as event_name,
    t_ms + cast((j + {p.u("shared_device_at", "i", "j")}) * 40000 as bigint) as t_ms,
    {_page_properties(p.u("shared_device_page", "i", "j"))} as properties,
    late_received_ms + j * 1000 as late_received_ms
from pages
"""

    week = 7 * _DAY_MS
    views["ev_passive"] = f"""
with emails as (
    select
        i, engagement,
        unnest(range(({p.horizon_ms} - created_ms - {_MINUTE_MS}) // {week} + 1)) as w,
        created_ms
    from accounts
    where {p.u("email_opt_in", "i")} < {_num(EMAIL_OPT_IN_SHARE)}
),
delivered as (
    select
        i, engagement, w,
        created_ms + {_MINUTE_MS} + w * {week}
            + case when w = 0 then 0 else cast(2 * {_HOUR_MS} * {p.u("email_at", "i", "w")}
                as bigint) end as t_ms
    from emails
),
pushes as (
    select
        i,
        created_ms + {week // 2} + unnest(range(
            greatest(0, ({p.horizon_ms} - created_ms - {week // 2}) // {week} + 1)
        )) * {week} as push_ms
    from accounts
    where {p.u("has_app", "i")} < {_num(PUSH_SHARE)}
)
select
    {p.hash("ev_email", "i", "w")} as event_key,
    i as user_index, null as anonymous_id, null as session_id,
    'email_delivered' as event_name, t_ms, null as properties
from delivered
union all
select
    {p.hash("ev_email_open", "i", "w")},
    i, null, null, 'email_opened',
    t_ms + cast({_HOUR_MS} * {p.lognormal(2, 1.2, "email_open_at", "i", "w")} as bigint),
    null
from delivered
where {p.u("email_open", "i", "w")} < least({_num(0.9)}, {_num(EMAIL_OPEN_P)} * engagement)
union all
select
    {p.hash("ev_push", "i", "push_ms")},
    i, null, null, 'push_delivered',
    push_ms + cast(6 * {_HOUR_MS} * {p.u("push_at", "i", "push_ms")} as bigint),
    null
from pushes
"""
    return views


def _session_events_sql(plan: _Plan, scale: float) -> str:
    """The page views and feature uses of every session, `scale` times the base volume."""
    p = plan
    return f"""
with slots as (
    select
        i, t, s, start_ms, gap_ms, first_slot, session_id, anonymous_id,
        unnest(range(greatest(1, cast(round({_num(scale)} * event_factor) as bigint)))) as j
    from sessions
),
keyed as (
    select *, {p.hash("ev_session", "i", "t", "s", "j")} as event_key from slots
)
select
    event_key,
    i as user_index,
    anonymous_id,
    session_id,
    case when {p.u("event_type", "event_key")} < {_num(PAGE_VIEW_SHARE)}
        then 'page_viewed' else 'feature_used' end as event_name,
    start_ms + cast((j + first_slot + {p.u("event_at", "event_key")}) * gap_ms as bigint) as t_ms,
    case when {p.u("event_type", "event_key")} < {_num(PAGE_VIEW_SHARE)}
        then {_page_properties(p.u("event_page", "event_key"))}
        else {_feature_properties(p.u("event_feature", "event_key"))}
    end as properties
from keyed
"""


_OTHER_VIEWS = ("ev_presignup", "ev_accounts", "ev_tasks", "ev_visitors", "ev_passive")
# A few rows, left out of the event counts (the volume calibration and the quirk rates): adding
# them changes no other row of a run.
_SHARED_DEVICE_VIEW = "ev_shared_device"


def _other_event_count(con: duckdb.DuckDBPyConnection) -> int:
    """Events that happened (before delivery quirks) outside the sessions' page views and
    feature uses: their number does not depend on the activity scale."""
    union = " union all ".join(f"select t_ms from {view}" for view in _OTHER_VIEWS)
    return int(_fetch_one(con, f"select count(*) from ({union})"))


def _session_event_count(con: duckdb.DuckDBPyConnection, scale: float) -> int:
    return int(
        _fetch_one(
            con,
            "select sum(greatest(1, cast(round("
            f"{_num(scale)} * event_factor) as bigint))) from sessions",
        )
    )


def _delivered_per_logical() -> float:
    return 1 + DUPLICATE_RATE * (1 + TRIPLICATE_SHARE)


def _solve_activity_scale(
    con: duckdb.DuckDBPyConnection, target: int, other_events: int
) -> tuple[float, bool]:
    """The events-per-session multiplier that brings the events table near `target` rows."""
    wanted = target / _delivered_per_logical() - other_events
    low, high = MIN_ACTIVITY_SCALE, MAX_ACTIVITY_SCALE
    if _session_event_count(con, low) >= wanted:
        return low, False
    if _session_event_count(con, high) <= wanted:
        return high, False
    for _ in range(40):
        middle = math.sqrt(low * high)
        if _session_event_count(con, middle) < wanted:
            low = middle
        else:
            high = middle
        if high / low < 1.001:
            break
    return round(math.sqrt(low * high), 4), True


def _events_per_user(con: duckdb.DuckDBPyConnection, config: GeneratorConfig) -> float:
    """Delivered events per account at the base activity, measured on a calibration run."""
    plan = _Plan.create(config, CALIBRATION_USERS)
    _build_stages(con, plan)
    logical = _other_event_count(con) + _session_event_count(con, 1.0)
    return logical * _delivered_per_logical() / CALIBRATION_USERS


# =================================================================================================
# Outputs: the three raw tables, quirks applied
# =================================================================================================


def _events_sql(plan: _Plan, logical_events: int) -> str:
    """The events table: the logical events (views ev_*), delivered with the quirks."""
    p = plan
    n = float(logical_events)
    # Timing quirks: disjoint bands of another uniform.
    late = _event_rate(LATE_RATE, n)
    skew = late + _event_rate(CLOCK_SKEW_RATE, n)
    small_skew = skew + _event_rate(SMALL_SKEW_RATE, n)
    # Content quirks: disjoint bands of one uniform, so a row has at most one of them.
    content_bands: dict[str, tuple[float, float]] = {}
    upper = 0.0
    for name, rate in (
        ("malformed", MALFORMED_JSON_RATE),
        ("non_object", NON_OBJECT_JSON_RATE),
        ("no_ids", NO_IDS_RATE),
        ("null_event_id", NULL_EVENT_ID_RATE),
        ("null_event_name", NULL_EVENT_NAME_RATE),
        ("null_occurred_at", NULL_OCCURRED_AT_RATE),
        ("null_received_at", NULL_RECEIVED_AT_RATE),
    ):
        content_bands[name] = (upper, upper + _event_rate(rate, n))
        upper = content_bands[name][1]

    def band(name: str) -> str:
        low, high = content_bands[name]
        return f"(u_content >= {_num(low)} and u_content < {_num(high)})"

    duplicate = _event_rate(DUPLICATE_RATE, n)
    # ... of which TRIPLICATE_SHARE are delivered a third time (at least about 3 events).
    triplicate = duplicate * max(TRIPLICATE_SHARE, min(1.0, 3 / max(n * duplicate, 1.0)))
    lag = (
        f"{_num(DELIVERY_LAG_MEDIAN_SECONDS * 1000)}"
        f" * pow(u_lag / (1 - u_lag), {_num(1 / DELIVERY_LAG_SHAPE)})"
    )
    non_object = _choice(
        "u_magnitude", [("'[1, 2]'", 1), ("'\"text\"'", 1), ("'42'", 1), ("'null'", 1)]
    )
    logical_union = " union all ".join(
        [
            f"select *, cast(null as bigint) as late_received_ms from {view}"
            for view in (*_OTHER_VIEWS, "ev_session")
        ]
        + [f"select * from {_SHARED_DEVICE_VIEW}"]
    )
    return f"""
with logical as (
    {logical_union}
),
rolled as (
    select
        *,
        {p.u("delivery_lag", "event_key")} as u_lag,
        -- a forced late delivery gets no other timing quirk
        case when late_received_ms is null then {p.u("timing_quirk", "event_key")}
            else {_num(1)} end as u_timing,
        {p.u("content_quirk", "event_key")} as u_content,
        {p.u("delivery_copies", "event_key")} as u_copies,
        {p.u("quirk_magnitude", "event_key")} as u_magnitude
    from logical
    where t_ms < {p.horizon_ms}
),
received as (
    select
        *,
        coalesce(late_received_ms, t_ms + case
            when u_timing < {_num(late)}
                then cast({_DAY_MS} * (1 + 9 * u_magnitude) as bigint)
            else cast(least({lag}, {_HOUR_MS}) as bigint)
        end) as received_ms
    from rolled
),
skewed as (
    select
        *,
        case
            when u_timing >= {_num(late)} and u_timing < {_num(skew)}
                then received_ms + cast({_DAY_MS} * (2 + 28 * u_magnitude) as bigint)
            when u_timing >= {_num(skew)} and u_timing < {_num(small_skew)}
                and received_ms + {_MINUTE_MS} + cast(6 * {_HOUR_MS} * u_magnitude as bigint)
                    < {p.horizon_ms}
                then received_ms + {_MINUTE_MS} + cast(6 * {_HOUR_MS} * u_magnitude as bigint)
            else t_ms
        end as occurred_ms
    from received
    where received_ms < {p.horizon_ms}
),
delivered as (
    select
        *,
        unnest(range(
            1 + case when u_copies < {_num(duplicate)} then 1 else 0 end
            + case when u_copies < {_num(triplicate)} then 1 else 0 end
        )) as copy_number
    from skewed
),
redelivered as (
    select
        *,
        received_ms + copy_number * cast(
            {_MINUTE_MS} + {_HOUR_MS} * -ln({p.u("redelivery", "event_key")}) as bigint
        ) as copy_received_ms
    from delivered
)
select
    case when not {band("null_event_id")} then 'evt_' || lower(hex(event_key)) end as event_id,
    case when not {band("no_ids")} then 'u' || (user_index + 1) end as user_id,
    case when not {band("no_ids")} then anonymous_id end as anonymous_id,
    session_id,
    case when not {band("null_event_name")} then event_name end as event_name,
    case when not {band("null_occurred_at")} then make_timestamp(occurred_ms * 1000) end
        as occurred_at,
    case when not {band("null_received_at")} then make_timestamp(copy_received_ms * 1000) end
        as received_at,
    case
        when {band("malformed")} then
            case when length(properties) > 2 then left(properties, length(properties) - 1)
                else '{{"feature": "search"' end
        when {band("non_object")} then {non_object}
        else properties
    end as properties
from redelivered
where copy_received_ms < {p.horizon_ms}
"""


_EVENTS_ORDER = "occurred_at nulls last, received_at nulls last, event_id nulls last"


def _users_sql(plan: _Plan) -> str:
    p = plan
    country = _choice("u_country", [(_str(code), weight) for code, weight in COUNTRIES])
    channel = _choice("u_channel", [(_str(name), weight) for name, weight in CHANNELS])

    minimum = min(QUIRK_MIN_ROWS, p.users // 20)  # a tiny run keeps most accounts intact

    def picked(rate: float, stream: str) -> str:
        """Rows drawn at `rate`, and at least `minimum` of them (the lowest hashes)."""
        return (
            f"({p.u(stream, 'i')} < {_num(rate)} or row_number() over "
            f"(order by {p.hash(stream, 'i')}, i) <= {minimum})"
        )

    return f"""
with flagged as (
    select
        *,
        {picked(MISSING_FROM_EXPORT_RATE, "missing_from_export")} as missing,
        {picked(REEXPORT_RATE, "reexport")} as reexported,
        {picked(NULL_USER_ID_RATE, "null_user_id_row")} as null_user_id_row,
        {picked(NULL_CREATED_AT_RATE, "null_created_at_row")} as null_created_at_row,
        {picked(NULL_EMAIL_RATE, "null_email")} as null_email,
        {picked(NULL_COUNTRY_RATE, "null_country")} as null_country,
        {picked(NULL_PLAN_RATE, "null_plan")} as null_plan,
        {picked(NULL_CHANNEL_RATE, "null_channel")} as null_channel,
        {p.u("country", "i")} as u_country,
        {p.u("channel", "i")} as u_channel
    from accounts
),
exported as (
    select
        i,
        reexported,
        null_user_id_row,
        null_created_at_row,
        'u' || (i + 1) as user_id,
        created_ms,
        least(
            {p.horizon_ms - 1000},
            greatest(
                created_ms + 5 * {_MINUTE_MS},
                {p.end_day_ms} + cast(22 * {_HOUR_MS} * {p.u("exported_at", "i")} as bigint)
            )
        ) as updated_ms,
        case when not null_email then 'user' || (i + 1) || '@example.com' end as email,
        case when not null_country then {country} end as country,
        case
            when null_plan then null
            when converter and converted_ms < {p.horizon_ms} then paid_plan
            else 'free'
        end as plan,
        case when not null_channel then {channel} end as acquisition_channel
    from flagged
    where not missing
),
all_rows as (
    select user_id, created_ms, updated_ms, email, country, plan, acquisition_channel
    from exported
    union all
    select
        user_id,
        created_ms,
        created_ms + cast((updated_ms - created_ms) * (0.1 + 0.8 * {p.u("old_export", "i")})
            as bigint),
        email,
        case when {p.u("old_country", "i")} < {_num(0.2)} then null else country end,
        case when plan = 'free' then 'pro' else 'free' end,
        acquisition_channel
    from exported
    where reexported
    union all
    select null, created_ms, updated_ms, email, country, plan, acquisition_channel
    from exported
    where null_user_id_row
    union all
    select
        user_id, null, updated_ms - cast({_DAY_MS} * {p.u("bad_export", "i")} as bigint),
        email, country, plan, acquisition_channel
    from exported
    where null_created_at_row
)
select
    user_id,
    make_timestamp(created_ms * 1000) as created_at,
    make_timestamp(updated_ms * 1000) as updated_at,
    email,
    country,
    plan,
    acquisition_channel
from all_rows
order by created_at nulls last, user_id nulls last, updated_at, plan
"""


def _surveys_sql(plan: _Plan) -> str:
    p = plan
    survey = _choice("u_survey", [(_str(name), weight) for name, weight in SURVEY_MIX])
    nps = _choice("u_score", [(str(score), w) for score, w in enumerate(NPS_WEIGHTS)])
    csat = _choice("u_score", [(str(score), w) for score, w in enumerate(CSAT_WEIGHTS, 1)])
    sus_z = f"({_num(0.7)} * z_response + {_num(0.6)} * {p.z('sus_item', 'response_key', 'item')})"
    sus = (
        f"cast(greatest(1, least(5, round(case when item % 2 = 1 then {_num(3.9)} + {sus_z}"
        f" else {_num(2.0)} - {sus_z} end))) as integer)"
    )

    def ranked(stream: str, key: str, partition: str = "") -> str:
        over = f"partition by {partition} " if partition else ""
        return f"row_number() over ({over}order by {p.hash(stream, key)}, {key})"

    def picked(rate: float, stream: str, key: str, partition: str = "") -> str:
        return (
            f"({p.u(stream, key)} < {_num(rate)} "
            f"or {ranked(stream, key, partition)} <= {QUIRK_MIN_ROWS})"
        )

    return f"""
with responses as (
    select
        {p.hash("response", "i", "t", "s")} as response_key,
        i,
        start_ms + cast({p.u("response_at", "i", "t", "s")} * event_factor * gap_ms as bigint)
            + 30000 as responded_ms,
        {p.u("survey_type", "i", "t", "s")} as u_survey,
        {p.z("sus_response", "i", "t", "s")} as z_response
    from sessions
    where {p.u("survey", "i", "t", "s")} < {_num(SURVEY_SESSION_SHARE)}
),
typed as (
    select
        *,
        case
            when {picked(UNKNOWN_SURVEY_RATE, "unknown_survey", "response_key")} then 'ces'
            else {survey}
        end as survey
    from responses
),
flagged as (
    select
        *,
        survey = 'sus'
            and {picked(INCOMPLETE_SUS_RATE, "incomplete", "response_key", "survey = 'sus'")}
            as incomplete,
        survey = 'sus'
            and {picked(ITEM_OUT_OF_RANGE_RATE, "item_11", "response_key", "survey = 'sus'")}
            as extra_item_11,
        survey = 'nps'
            and {picked(ITEM_OUT_OF_RANGE_RATE, "item_2", "response_key", "survey = 'nps'")}
            as extra_item_2
    from typed
),
items as (
    select
        *,
        unnest(range(1, case
            when survey = 'sus' and extra_item_11 then 12
            when survey = 'sus' then 11
            when extra_item_2 then 3
            else 2
        end)) as item
    from flagged
),
scored as (
    select
        response_key,
        i,
        survey,
        cast(item as integer) as item,
        responded_ms + (item - 1) * 8000
            + cast(5000 * {p.u("item_at", "response_key", "item")} as bigint) as responded_ms,
        {p.hash("row", "response_key", "item")} as row_key,
        case
            when survey = 'nps' then {nps}
            when survey = 'csat' then {csat}
            when survey = 'sus' then {sus}
            else 1 + cast(floor(7 * u_score) as integer)
        end as score
    from (select *, {p.u("score", "response_key", "item")} as u_score from items)
    where not (
        incomplete and (
            item = 1 + floor(10 * {p.u("dropped_item", "response_key")})
            or {p.u("dropped", "response_key", "item")} < {_num(0.2)}
        )
    )
),
quirked as (
    select
        *,
        {picked(SCORE_OUT_OF_RANGE_RATE, "out_of_range", "row_key")} as out_of_range,
        {picked(NULL_SCORE_RATE, "null_score", "row_key")} as null_score,
        {picked(RESUBMITTED_RATE, "resubmitted", "row_key")} as resubmitted,
        {picked(NULL_RESPONSE_ID_RATE, "null_response_id", "row_key")} as null_response_id,
        {picked(NULL_RESPONDED_AT_RATE, "null_responded_at", "row_key")} as null_responded_at
    from scored
),
final_rows as (
    select
        case when not null_response_id then 'r_' || lower(hex(response_key)) end
            as response_id,
        survey,
        item,
        case
            when null_score then null
            when out_of_range then case
                when survey = 'nps' then 11
                when survey = 'ces' then 8
                when {p.u("out_of_range_side", "row_key")} < {_num(0.5)} then 0
                else 6
            end
            else score
        end as score,
        case when {p.u("anonymous_response", "response_key")} >= {_num(ANONYMOUS_RESPONSE_SHARE)}
            then 'u' || (i + 1) end as user_id,
        case when not null_responded_at then responded_ms end as responded_ms,
        resubmitted,
        row_key
    from quirked
),
with_copies as (
    select response_id, survey, item, score, user_id, responded_ms from final_rows
    union all
    select
        response_id,
        survey,
        item,
        case
            when {p.u("changed_answer", "row_key")} < {_num(0.2)} and score is not null
                then greatest(case when survey = 'nps' then 0 else 1 end, score - 1)
            else score
        end,
        user_id,
        responded_ms + cast(600000 * {p.u("resubmitted_at", "row_key")} as bigint)
    from final_rows
    where resubmitted
)
select
    response_id,
    survey,
    cast(item as integer) as item,
    cast(score as integer) as score,
    user_id,
    make_timestamp(responded_ms * 1000) as responded_at
from with_copies
order by responded_at nulls last, response_id nulls last, item, score
"""
