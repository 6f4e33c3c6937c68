{#-
    Incremental (delete+insert on received_day_key). A full refresh counts every raw row; an
    incremental run recounts the whole received days from the start of stg_raw__events' re-read
    window (the latest staged received_at of the previous run, kept in used_received_through,
    minus var `incremental_lookback_days`) and the rows without a received_at, so every raw row
    staging re-read is counted again, exactly once, however the batches fell.
-#}
{{ config(
    materialized='incremental',
    unique_key='received_day_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- if is_incremental() -%}
    {%- set recount_since = 'cast(cast(' ~ kpikit.received_since('used_received_through')
        ~ ' as date) as ' ~ dbt.type_timestamp() ~ ')' -%}
{%- endif %}

with

events_source as (
    select * from {{ source('raw', 'events') }}
    {% if is_incremental() -%}
        {#- Two scans, not one `or`: each filter alone lets the warehouse skip old row groups. #}
        where received_at >= {{ recount_since }}
        union all
        select * from {{ source('raw', 'events') }}
        where received_at is null
    {%- endif %}
),

events_used as (
    select * from {{ ref('stg_raw__events') }}
    {% if is_incremental() -%}
        where received_at >= {{ recount_since }}
    {%- endif %}
),

events_typed as (
    select
        {{ kpikit.raw_event_typed_columns() | indent(8) }}
    from events_source
),

events_validated as (
    select
        cast(received_at as date) as received_day,
        received_at,
        {{ kpikit.raw_event_quarantine_reason() | indent(8) }} as quarantine_reason
    from events_typed
),

raw_rows_by_day as (
    select
        received_day,
        quarantine_reason,
        count(*) as row_count
    from events_validated
    group by received_day, quarantine_reason
),

used_rows_by_day as (
    select
        cast(received_at as date) as received_day,
        count(*) as row_count
    from events_used
    group by cast(received_at as date)
),

outcomes as (
    select
        received_day,
        'quarantined' as outcome,
        quarantine_reason as reason,
        row_count
    from raw_rows_by_day
    where quarantine_reason is not null
    union all
    select
        valid_rows.received_day,
        'used' as outcome,
        'none' as reason,
        coalesce(used_rows_by_day.row_count, 0) as row_count
    from raw_rows_by_day as valid_rows
    left join used_rows_by_day on valid_rows.received_day = used_rows_by_day.received_day
    where valid_rows.quarantine_reason is null
    union all
    select
        valid_rows.received_day,
        'duplicate' as outcome,
        'none' as reason,
        valid_rows.row_count - coalesce(used_rows_by_day.row_count, 0) as row_count
    from raw_rows_by_day as valid_rows
    left join used_rows_by_day on valid_rows.received_day = used_rows_by_day.received_day
    where valid_rows.quarantine_reason is null
),

final as (
    select
        coalesce(cast(received_day as {{ dbt.type_string() }}), 'none') as received_day_key,
        received_day,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        (select max(events_staged.received_at) from {{ ref('stg_raw__events') }} as events_staged)
            as used_received_through,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(['max_clock_skew_hours']) }} as built_with_settings
    from outcomes
)

select * from final
