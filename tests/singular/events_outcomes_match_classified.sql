{#-
    The incremental per-day event outcome counts (stg_raw__events_outcomes_daily, which feeds
    fct_data_quality) must equal the row-by-row classification of every raw event row
    (stg_raw__events_classified). Returns each outcome and reason whose totals differ (the
    finding conflicting_duplicate, a subset of the duplicates, is not a raw row's outcome).
-#}
with

counted as (
    select
        outcome,
        reason,
        sum(row_count) as row_count
    from {{ ref('stg_raw__events_outcomes_daily') }}
    where outcome in ('used', 'duplicate', 'quarantined')
    group by outcome, reason
    having sum(row_count) > 0
),

classified as (
    select
        row_status as outcome,
        coalesce(quarantine_reason, 'none') as reason,
        count(*) as row_count
    from {{ ref('stg_raw__events_classified') }}
    group by row_status, coalesce(quarantine_reason, 'none')
),

compared as (
    select
        coalesce(counted.outcome, classified.outcome) as outcome,
        coalesce(counted.reason, classified.reason) as reason,
        coalesce(counted.row_count, 0) as counted_rows,
        coalesce(classified.row_count, 0) as classified_rows
    from counted
    full outer join classified
        on counted.outcome = classified.outcome and counted.reason = classified.reason
)

select * from compared
where counted_rows != classified_rows
