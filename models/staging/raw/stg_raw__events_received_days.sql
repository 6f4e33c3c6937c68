{#-
    Incremental (delete+insert on received_day_key). A full refresh counts the raw event rows of
    every received day; an incremental run recounts the days from its own latest received day
    minus var `incremental_lookback_days` (and the rows without a received_at), and writes only
    the days whose count changed: the days a load added rows to, or whose rows received in the
    future of the build (quarantined, received_in_future) are fewer now that time has passed,
    so they are read again and count like any row. stg_raw__events and
    stg_raw__events_outcomes_daily then re-read the raw rows of those days only, so a run costs
    in proportion to what was loaded, and a run with nothing new reads no raw event beyond this
    count of the lookback days.
-#}
{{ config(
    materialized='incremental',
    unique_key='received_day_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- if is_incremental() -%}
    {#- Days holding only rows received in the future of the build do not move the window. -#}
    {%- set recount_since = 'cast(cast(' ~ kpikit.received_since(
        'received_day', 'raw_row_count > future_row_count'
    ) ~ ' as date) as ' ~ dbt.type_timestamp() ~ ')' -%}
{%- endif %}

with

events_source as (
    select received_at from {{ ref('stg_input__events') }}
    {% if is_incremental() -%}
        {#- Two scans, not one `or`: each filter alone lets the warehouse skip old row groups. #}
        where received_at >= {{ recount_since }}
        union all
        select received_at from {{ ref('stg_input__events') }}
        where received_at is null
    {%- endif %}
),

raw_rows_by_day as (
    select
        coalesce(
            cast(cast(received_at as date) as {{ dbt.type_string() }}), 'none'
        ) as received_day_key,
        cast(received_at as date) as received_day,
        count(*) as raw_row_count,
        sum(case when {{ kpikit.is_in_future('received_at') }} then 1 else 0 end)
            as future_row_count
    from events_source
    group by cast(received_at as date)
),

days_changed as (
    select raw_rows_by_day.*
    from raw_rows_by_day
    {% if is_incremental() -%}
        left join {{ this }} as stored_days
            on raw_rows_by_day.received_day_key = stored_days.received_day_key
        where
            stored_days.received_day_key is null
            or stored_days.raw_row_count <> raw_rows_by_day.raw_row_count
            or stored_days.future_row_count <> raw_rows_by_day.future_row_count
    {%- endif %}
),

final as (
    select
        received_day_key,
        received_day,
        cast(raw_row_count as {{ dbt.type_bigint() }}) as raw_row_count,
        cast(future_row_count as {{ dbt.type_bigint() }}) as future_row_count,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at
    from days_changed
)

select * from final
