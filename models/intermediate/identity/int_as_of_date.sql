{#-
    Read by a dozen models in every run, so it avoids converting every event to its local day:
    the latest occurred_at comes first (DuckDB answers it from its statistics), then only the
    events of the three days before it are converted (DuckDB skips the older row groups).
    Exact: a UTC offset is between -16 and +16 hours, so an event more than three days before
    the latest one is at least 40 hours earlier in local time too, on an earlier local day.
-#}
{#- The relation twice, not a CTE: a CTE read twice would be materialized whole. -#}
{%- set events_relation = ref('stg_raw__events') %}

with

latest_event as (
    select max(occurred_at) as latest_occurred_at
    from {{ events_relation }}
),

latest_event_day as (
    select max({{ kpikit.to_local_date('occurred_at') }}) as latest_event_day
    from {{ events_relation }}
    where
        occurred_at >= (
            select {{ dbt.dateadd('day', -3, 'latest_event.latest_occurred_at') }}
            from latest_event
        )
),

as_of_date as (
    {#- Never after the build's own day (an event may be stamped up to max_clock_skew_hours
        after a delivery that may itself be that much after the build). #}
    select
        case
            when latest_event_day > {{ kpikit.to_local_date(kpikit.build_time()) }}
                then {{ kpikit.to_local_date(kpikit.build_time()) }}
            else latest_event_day
        end as as_of_date
    from latest_event_day
)

select * from as_of_date
