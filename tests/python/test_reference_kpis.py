"""Hand-computed checks of the reference implementation, straight from the definitions
(docs/definitions.md), so that the cross-check against the warehouse can be trusted."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from reference_kpis import (
    Config,
    KpiRow,
    adjusted_wald,
    compute_kpi_values,
    load_dataset,
    nps_interval,
    parse_properties,
    percentile_cont_median,
    sus_score,
)

T0 = datetime(2026, 1, 1)


def ev(
    event_id: str | None,
    name: str | None,
    occurred_at: datetime | None,
    *,
    user: str | None = None,
    anon: str | None = None,
    props: dict[str, Any] | str | None = None,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "user_id": user,
        "anonymous_id": anon,
        "event_name": name,
        "occurred_at": occurred_at,
        "received_at": received_at or occurred_at,
        "properties": props,
    }


def user(user_id: str, created_at: datetime, updated_at: datetime | None = None) -> dict[str, Any]:
    return {"user_id": user_id, "created_at": created_at, "updated_at": updated_at or created_at}


def find(
    rows: list[KpiRow],
    kpi_id: str,
    period: date,
    grain: str = "month",
    dimension: str = "all",
    dimension_value: str = "all",
) -> KpiRow | None:
    matches = [
        row for row in rows if row.key == (kpi_id, grain, period, dimension, dimension_value)
    ]
    assert len(matches) <= 1, matches
    return matches[0] if matches else None


def get(rows: list[KpiRow], kpi_id: str, period: date, **kwargs: str) -> KpiRow:
    row = find(rows, kpi_id, period, **kwargs)
    assert row is not None, f"no row {kpi_id} {period} {kwargs}"
    return row


# ---- pure formulas --------------------------------------------------------------------------


def test_adjusted_wald_seven_of_ten() -> None:
    # p' = (7 + 1.9208) / 13.8416 = 0.644492; half = 1.96 * sqrt(p'(1-p')/13.8416) = 0.252172
    low, high = adjusted_wald(7, 10)
    assert low == pytest.approx(0.392320, abs=1e-6)
    assert high == pytest.approx(0.896664, abs=1e-6)


def test_adjusted_wald_is_clipped() -> None:
    assert adjusted_wald(0, 5)[0] == 0.0
    assert adjusted_wald(5, 5)[1] == 1.0


def test_nps_interval() -> None:
    # scores 10 10 9 9 9 8 7 6 3 0: 5 promoters, 3 detractors, n = 10, nps = 20
    # se = sqrt((0.5 + 0.3 - 0.2²) / 10) = sqrt(0.076) = 0.2756810; ± 100·1.96·se = ± 54.033
    low, high = nps_interval(5, 3, 10)
    assert low == pytest.approx(20 - 54.03348, abs=1e-4)
    assert high == pytest.approx(20 + 54.03348, abs=1e-4)
    assert nps_interval(10, 0, 10) == (100.0, 100.0)  # se = 0
    assert nps_interval(1, 0, 2)[1] == 100.0  # clipped


def test_sus_score_of_one_response() -> None:
    # odd items score 4 -> 3 each, even items score 2 -> 3 each: 2.5 * 30 = 75
    assert sus_score({item: 4 if item % 2 else 2 for item in range(1, 11)}) == 75.0
    assert sus_score(dict.fromkeys(range(1, 11), 3)) == 50.0
    assert sus_score({item: 5 if item % 2 else 1 for item in range(1, 11)}) == 100.0


def test_percentile_cont_median() -> None:
    assert percentile_cont_median([3.0]) == 3.0
    assert percentile_cont_median([4.0, 1.0]) == 2.5
    assert percentile_cont_median([1.0, 10.0, 2.0]) == 2.0


def test_properties_must_be_a_json_object() -> None:
    assert parse_properties(None) == (True, None)
    assert parse_properties('{"feature": "x"}') == (True, {"feature": "x"})
    for text in ("", "[1]", '"x"', "1", "{bad", "null", '{"a": NaN}'):
        assert parse_properties(text)[0] is False, text


# ---- inputs ---------------------------------------------------------------------------------


def test_quarantine_duplicates_and_reconciliation(make_raw: Callable[..., Path]) -> None:
    day = T0 + timedelta(hours=12)
    raw = make_raw(
        users=[
            user("u1", T0, T0),
            user("u1", T0 + timedelta(hours=1), T0 + timedelta(days=1)),  # later export wins
            {"user_id": None, "created_at": T0},
            {"user_id": "u2", "created_at": None},
        ],
        events=[
            ev("e1", "page_viewed", day, user="u1"),
            # late duplicate of e1, stamped on another day: the copy received first counts
            ev(
                "e1",
                "page_viewed",
                day + timedelta(days=1),
                user="u1",
                received_at=day + 3 * (timedelta(days=1)),
            ),
            # invalid copy received before the valid one: quarantined, the valid copy is used
            ev("e2", "page_viewed", day, user="u1", props="not json", received_at=day),
            ev("e2", "page_viewed", day, user="u1", received_at=day + timedelta(hours=1)),
            ev(None, "page_viewed", day, user="u1"),
            ev("e3", None, day, user="u1"),
            ev("e4", "page_viewed", None, user="u1", received_at=day),
            ev("e5", "page_viewed", day),
            ev("e6", "page_viewed", day + timedelta(hours=25), user="u1", received_at=day),
            ev("e7", "page_viewed", day + timedelta(hours=24), user="u1", received_at=day),
            ev("e8", "page_viewed", day, user="u1", props="[1, 2]"),
        ],
        survey_responses=[
            {"response_id": "r1", "survey": "csat", "item": 1, "score": 5, "responded_at": day},
            {"response_id": "r1", "survey": "csat", "item": 1, "score": 5, "responded_at": day},
            {"response_id": "r2", "survey": "ces", "item": 1, "score": 5, "responded_at": day},
            {"response_id": "r3", "survey": "nps", "item": 2, "score": 5, "responded_at": day},
            {"response_id": "r4", "survey": "csat", "item": 1, "score": 6, "responded_at": day},
            {"response_id": "r5", "survey": "sus", "item": 1, "score": None, "responded_at": day},
        ],
    )
    data = load_dataset(raw, Config())
    assert data.users == {"u1": T0 + timedelta(hours=1)}
    assert data.quarantine == {
        "users": {"null_user_id": 1, "null_created_at": 1},
        "events": {
            "properties_not_json_object": 2,
            "null_event_id": 1,
            "null_event_name": 1,
            "null_occurred_at": 1,
            "null_user_and_anonymous_id": 1,
            "clock_skew": 1,  # 25 h > 24 h; exactly 24 h is fine (e7)
        },
        "survey_responses": {
            "unknown_survey": 1,
            "item_out_of_range": 1,
            "score_out_of_range": 1,
            "null_score": 1,
        },
    }
    assert data.duplicate_counts == {"users": 1, "events": 1, "survey_responses": 1}
    for source in ("users", "events", "survey_responses"):
        used = {
            "users": len(data.users),
            "events": len(data.events),
            "survey_responses": len(data.survey_rows),
        }[source]
        quarantined = sum(data.quarantine[source].values())
        assert data.raw_counts[source] == used + data.duplicate_counts[source] + quarantined

    e1 = next(event for event in data.events if event.event_id == "e1")
    assert e1.occurred_at == day
    rows = compute_kpi_values(raw)
    assert get(rows, "dau", date(2026, 1, 1), grain="day").value == 1
    # e7 is on Jan 2; the late copy of e1 (Jan 2) is not used, so Jan 2 dau comes from e7 alone
    assert get(rows, "dau", date(2026, 1, 2), grain="day").value == 1
    assert get(rows, "csat", date(2026, 1, 1)).sample_size == 1


def test_late_duplicate_counted_once(make_raw: Callable[..., Path]) -> None:
    d1 = datetime(2026, 1, 1, 12)
    raw = make_raw(
        events=[
            ev("e1", "page_viewed", d1, user="u1"),
            ev(
                "e1",
                "page_viewed",
                d1 + timedelta(days=2),
                user="u1",
                received_at=d1 + (timedelta(days=5)),
            ),
            ev("e2", "email_opened", d1 + timedelta(days=3), user="u1"),  # passive: as-of only
        ]
    )
    rows = compute_kpi_values(raw)
    assert [row.value for row in rows if row.kpi_id == "dau" and row.grain == "day"] == [
        1,
        0,
        0,
        0,
    ]
    assert get(rows, "mau", date(2026, 1, 1)).value == 1
    assert get(rows, "dau", date(2026, 1, 1)).value == pytest.approx(0.25)


def test_stitched_anonymous_person_counts_as_the_user(make_raw: Callable[..., Path]) -> None:
    d1 = datetime(2026, 3, 1, 9)
    raw = make_raw(
        users=[user("u1", d1 + timedelta(hours=1))],
        events=[
            ev("a", "page_viewed", d1, anon="anon1"),  # before sign-in: stitched to u1
            ev("b", "signed_up", d1 + timedelta(hours=1), user="u1", anon="anon1"),
            ev("c", "page_viewed", d1 + timedelta(days=1), anon="anon1"),
            ev("d", "order_completed", d1 + timedelta(days=2), user="u1"),
            ev("e", "page_viewed", d1, anon="anon2"),  # anonymous visitor, never signed in
            ev("f", "page_viewed", d1 + timedelta(days=10), anon="anon3"),
        ],
    )
    rows = compute_kpi_values(raw)
    march = date(2026, 3, 1)
    assert get(rows, "dau", march, grain="day").value == 1  # u1 only, anon2 is not a user
    assert get(rows, "dau", date(2026, 3, 2), grain="day").value == 1  # stitched anon1
    assert get(rows, "retention_d1", march).numerator == 1
    # conversion counts every person: u1 converted, anon2 entered; anon3 not yet eligible
    conversion = get(rows, "conversion_rate", march)
    assert (conversion.numerator, conversion.denominator, conversion.value) == (1.0, 2.0, 0.5)
    assert conversion.is_complete is False  # March 31 + 7 days is after the as-of date (11th)


def test_task_outcomes_timeout_and_errors(make_raw: Callable[..., Path]) -> None:
    start = datetime(2026, 2, 10, 10)

    def task(event_id: str, name: str, at: datetime, attempt: str, task_id: str | None = None):
        props: dict[str, Any] = {"attempt_id": attempt}
        if task_id is not None:
            props["task_id"] = task_id
        return ev(event_id, name, at, user="u1", props=props)

    raw = make_raw(
        events=[
            # a1: completed exactly at the timeout (inclusive), with one error
            task("1", "task_started", start, "a1", "export"),
            task("2", "task_error", start + timedelta(minutes=5), "a1"),
            task("3", "task_completed", start + timedelta(minutes=30), "a1"),
            # a2: completed 31 minutes after its start: too late, so abandoned
            task("4", "task_started", start, "a2", "export"),
            task("5", "task_completed", start + timedelta(minutes=31), "a2"),
            # a3: failed, task_id given as a JSON number
            ev("6", "task_started", start, user="u1", props={"attempt_id": 3, "task_id": 7}),
            task("7", "task_failed", start + timedelta(minutes=1), "3"),
            # orphans: never started
            task("8", "task_completed", start, "a9"),
            task("9", "task_error", start, "a9"),
            # a4: started 23:50 on the as-of date, timeout not passed: in progress, not counted
            task("10", "task_started", datetime(2026, 2, 28, 23, 50), "a4", "export"),
        ]
    )
    rows = compute_kpi_values(raw)
    feb = date(2026, 2, 1)
    success = get(rows, "task_success_rate", feb)
    assert (success.numerator, success.denominator, success.sample_size) == (1.0, 3.0, 3)
    assert (success.ci_low, success.ci_high) == adjusted_wald(1, 3)
    assert success.is_complete is True  # as-of date is Feb 28, the month's last day
    errors = get(rows, "task_error_rate", feb)
    assert (errors.value, errors.numerator, errors.denominator) == (1 / 3, 1.0, 3.0)
    time_on_task = get(rows, "time_on_task_seconds", feb)
    assert time_on_task.value == pytest.approx(1800.0, rel=1e-12)  # exp(ln(1800))
    assert time_on_task.sample_size == 1
    assert time_on_task.numerator is None and time_on_task.ci_low is None
    export = get(rows, "task_success_rate", feb, dimension="task_id", dimension_value="export")
    assert (export.numerator, export.denominator) == (1.0, 2.0)
    seven = get(rows, "task_success_rate", feb, dimension="task_id", dimension_value="7")
    assert (seven.value, seven.sample_size) == (0.0, 1)
    assert find(rows, "time_on_task_seconds", feb, dimension="task_id", dimension_value="7") is None


def test_retention_window_boundary_and_time_zone(make_raw: Callable[..., Path]) -> None:
    raw = make_raw(
        users=[
            user("u1", datetime(2026, 1, 1, 10)),
            user("u2", datetime(2026, 1, 2, 10)),  # day 7 = Jan 9, after the as-of date
            user("u3", datetime(2026, 1, 2, 3)),  # Jan 1 in Los Angeles, Jan 2 in UTC
        ],
        events=[
            ev("1", "page_viewed", datetime(2026, 1, 2, 9), user="u1"),
            ev("2", "page_viewed", datetime(2026, 1, 8, 23, 59), user="u1"),
            ev("3", "page_viewed", datetime(2026, 1, 8, 12), user="u2"),
            ev("4", "page_viewed", datetime(2026, 1, 3, 12), user="u3"),
            ev("5", "email_opened", datetime(2026, 1, 9, 12), user="u2"),  # passive
        ],
    )
    jan = date(2026, 1, 1)
    utc = compute_kpi_values(raw, Config())
    # The as-of date is Jan 9: the passive email_opened is a valid event (the as-of date is the
    # latest day holding a valid event), though it makes nobody active.
    d1 = get(utc, "retention_d1", jan)
    assert (d1.numerator, d1.denominator) == (2.0, 3.0)  # u1 on Jan 2, u3 on Jan 3; u2 not
    d7 = get(utc, "retention_d7", jan)
    # u1 on Jan 8 (23:59); u2 and u3 are eligible (Jan 9 <= as-of), u2 only passive on Jan 9
    assert (d7.numerator, d7.denominator, d7.sample_size) == (1.0, 3.0, 3)
    assert d7.is_complete is False  # Jan 31 + 7 > Jan 9
    assert find(utc, "retention_d30", jan) is None  # nobody eligible: no row

    la = compute_kpi_values(raw, Config(kpi_timezone="America/Los_Angeles"))
    # In LA: u1 signs up Jan 1, active Jan 2 (01:00) and Jan 8 (15:59); u3 signs up Jan 1 and is
    # active Jan 3 (04:00): not day 1 (Jan 2). As-of date is Jan 9 (04:00 LA).
    d1 = get(la, "retention_d1", jan)
    assert (d1.numerator, d1.denominator) == (1.0, 3.0)
    d7 = get(la, "retention_d7", jan)
    assert (d7.numerator, d7.denominator) == (1.0, 3.0)  # all eligible (as-of Jan 9 in LA)


def test_activation_window_is_half_open(make_raw: Callable[..., Path]) -> None:
    created = datetime(2026, 4, 1, 10)
    raw = make_raw(
        users=[user("u1", created), user("u2", created), user("u3", created), user("u4", created)],
        events=[
            ev("1", "project_created", created + timedelta(days=7, seconds=-1), user="u1"),
            ev("2", "project_created", created + timedelta(days=7), user="u2"),  # too late
            ev("3", "project_created", created, user="u3"),  # at created_at: counts
            ev("3b", "project_created", created + timedelta(hours=5), user="u3"),
            ev("4", "project_created", created - timedelta(seconds=1), user="u4"),  # before
            ev("5", "page_viewed", datetime(2026, 4, 8, 12), user="u4"),
        ],
    )
    rows = compute_kpi_values(raw)
    april = date(2026, 4, 1)
    rate = get(rows, "activation_rate", april)
    assert (rate.numerator, rate.denominator, rate.value) == (2.0, 4.0, 0.5)
    hours = get(rows, "time_to_activation_hours", april)
    assert hours.value == pytest.approx((0 + (7 * 24 - 1 / 3600)) / 2)
    assert hours.sample_size == 2
    assert hours.is_complete is False


def test_surveys(make_raw: Callable[..., Path]) -> None:
    at = datetime(2026, 5, 20, 12)

    def item(response: str, survey: str, number: int, score: int, when: datetime = at):
        return {
            "response_id": response,
            "survey": survey,
            "item": number,
            "score": score,
            "responded_at": when,
        }

    nps = [item(f"n{i}", "nps", 1, s) for i, s in enumerate((10, 10, 9, 9, 9, 8, 7, 6, 3, 0))]
    csat = [item(f"c{i}", "csat", 1, s) for i, s in enumerate((5, 4, 3, 1))]
    sus = [item("s1", "sus", n, 4 if n % 2 else 2) for n in range(1, 11)]
    # s2: latest item on June 1 -> the response belongs to June
    sus += [item("s2", "sus", n, 3, at if n < 10 else datetime(2026, 6, 1)) for n in range(1, 11)]
    sus += [item("s3", "sus", n, 3) for n in range(1, 11)]
    sus += [item("s4", "sus", n, 5 if n % 2 else 1) for n in range(1, 10)]  # incomplete
    sus += [item("s3", "sus", 1, 1, at + timedelta(hours=1))]  # later duplicate: ignored
    raw = make_raw(
        events=[ev("1", "page_viewed", datetime(2026, 6, 30), user="u1")],
        survey_responses=nps + csat + sus,
    )
    rows = compute_kpi_values(raw)
    may = date(2026, 5, 1)
    nps_row = get(rows, "nps", may)
    assert (nps_row.value, nps_row.sample_size, nps_row.numerator) == (20.0, 10, None)
    assert nps_row.ci_low == pytest.approx(-34.03348, abs=1e-4)
    csat_row = get(rows, "csat", may)
    assert (csat_row.value, csat_row.numerator, csat_row.denominator) == (50.0, 2.0, 4.0)
    assert csat_row.ci_low is None
    sus_may = get(rows, "sus", may)
    # 75 and 50: mean 62.5, sd 17.678, half = 1.96 · 17.678 / sqrt(2) = 24.5
    assert (sus_may.value, sus_may.sample_size) == (62.5, 2)
    assert sus_may.ci_low == pytest.approx(38.0)
    assert sus_may.ci_high == pytest.approx(87.0)
    sus_june = get(rows, "sus", date(2026, 6, 1))
    assert (sus_june.value, sus_june.sample_size, sus_june.ci_low) == (50.0, 1, None)
    assert sus_june.is_complete is True


def test_active_user_series_month_grain_and_churn(make_raw: Callable[..., Path]) -> None:
    events = [
        ev("1", "page_viewed", datetime(2026, 1, 30, 12), user="u1"),
        ev("2", "page_viewed", datetime(2026, 1, 31, 12), user="u2"),
        ev("3", "page_viewed", datetime(2026, 2, 3, 12), user="u1", props={"feature": "search"}),
        ev("4", "email_opened", datetime(2026, 2, 5, 12), user="u2", props={"feature": "x"}),
        ev("5", "page_viewed", datetime(2026, 3, 3, 12), anon="v1"),  # as-of date: March 3
    ]
    rows = compute_kpi_values(make_raw(events=events))
    day_rows = [row for row in rows if row.grain == "day"]
    assert min(row.period_start for row in day_rows) == date(2026, 1, 30)
    assert max(row.period_start for row in day_rows) == date(2026, 3, 3)
    assert get(rows, "wau", date(2026, 2, 5), grain="day").value == 2  # Jan 30 .. Feb 5
    assert get(rows, "wau", date(2026, 2, 6), grain="day").value == 2  # Jan 31 .. Feb 6
    assert get(rows, "wau", date(2026, 2, 7), grain="day").value == 1  # Feb 1 .. Feb 7
    assert get(rows, "mau", date(2026, 2, 26), grain="day").value == 2  # Jan 30 .. Feb 26
    assert get(rows, "mau", date(2026, 2, 27), grain="day").value == 2  # Jan 31 .. Feb 27
    assert get(rows, "mau", date(2026, 2, 28), grain="day").value == 1  # Feb 1 .. Feb 28
    assert get(rows, "mau", date(2026, 3, 2), grain="day").value == 1  # Feb 3 .. Mar 2
    assert get(rows, "stickiness", date(2026, 3, 2), grain="day").value == 0.0  # dau 0 / mau 1
    assert get(rows, "mau", date(2026, 3, 3), grain="day").value == 0  # Feb 4 .. Mar 3
    assert find(rows, "stickiness", date(2026, 3, 3), grain="day") is None  # mau = 0
    sticky = get(rows, "stickiness", date(2026, 1, 31), grain="day")
    assert (sticky.numerator, sticky.denominator, sticky.sample_size) == (1.0, 2.0, 2)

    jan, feb = date(2026, 1, 1), date(2026, 2, 1)
    assert get(rows, "dau", jan).value == 1.0  # mean over Jan 30, 31
    assert get(rows, "dau", feb).value == pytest.approx(1 / 28)
    assert get(rows, "mau", feb).value == 1
    assert find(rows, "mau", date(2026, 3, 1)) is None  # nobody active in March
    churn = get(rows, "churn_rate", feb)
    assert (churn.numerator, churn.denominator, churn.is_complete) == (1.0, 2.0, True)
    assert find(rows, "churn_rate", jan) is None  # no active users in December
    assert find(rows, "churn_rate", date(2026, 3, 1)) is None  # March is not complete
    adoption = get(
        rows, "feature_adoption_rate", feb, dimension="feature", dimension_value="search"
    )
    assert (adoption.numerator, adoption.denominator) == (1.0, 1.0)
    # u2 is not active in February (only a passive event): no adopters of "x"
    assert (
        find(rows, "feature_adoption_rate", feb, dimension="feature", dimension_value="x") is None
    )


def test_empty_data_gives_no_rows(make_raw: Callable[..., Path]) -> None:
    assert compute_kpi_values(make_raw()) == []


def test_every_ratio_row_is_consistent(make_raw: Callable[..., Path]) -> None:
    d = datetime(2026, 7, 1, 8)
    raw = make_raw(
        users=[user("u1", d)],
        events=[ev(str(i), "page_viewed", d + timedelta(days=i), user="u1") for i in range(40)],
    )
    for row in compute_kpi_values(raw):
        if row.numerator is not None and row.denominator is not None:
            scale = 100.0 if row.kpi_id == "csat" else 1.0
            assert math.isclose(row.value, scale * row.numerator / row.denominator)
            assert row.denominator > 0
