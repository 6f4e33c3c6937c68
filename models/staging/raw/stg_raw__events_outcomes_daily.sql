{#-
    Incremental (delete+insert on received_day_key). A full refresh counts every raw row; an
    incremental run recounts whole every received day from the earliest day
    stg_raw__events_received_days marked as changed since this model's last run (and the rows
    without a received_at when their count changed). Not only the changed days: a copy loaded
    late on day D0 can take the win from a copy received on a later, unchanged day D1, which
    turns D1's used row into a duplicate. A winner's day only ever moves earlier, so recounting
    from the earliest changed day counts every raw row again, exactly once, however the batches
    fell.
-#}
{{ config(
    materialized='incremental',
    unique_key='received_day_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{#- Referenced outside the incremental branch, so dbt always knows the dependency. -#}
{%- set received_days = ref('stg_raw__events_received_days') -%}
{%- if is_incremental() -%}
    {%- set last_loaded_at = kpikit.last_batch_loaded_at() -%}
    {%- set reread_since = kpikit.first_received_day_changed(received_days, last_loaded_at) -%}
{%- endif %}

with

events_source as (
    select * from {{ ref('stg_input__events') }}
    {% if is_incremental() -%}
        {#- Two scans, not one `or`: each filter alone lets the warehouse skip old row groups. #}
        where received_at >= {{ reread_since }}
        union all
        select * from {{ ref('stg_input__events') }}
        where
            received_at is null
            and exists (
                select 1 from {{ received_days }} as changed_days
                where
                    changed_days.batch_loaded_at > {{ last_loaded_at }}
                    and changed_days.received_day is null
            )
    {%- endif %}
),

events_used as (
    select * from {{ ref('stg_raw__events') }}
    {% if is_incremental() -%}
        where received_at >= {{ reread_since }}
    {%- endif %}
),

events_typed as (
    select
        {{ kpikit.raw_event_typed_columns() | indent(8) }}
    from events_source
),

events_validated as (
    select
        *,
        cast(received_at as date) as received_day,
        {{ kpikit.raw_event_quarantine_reason() | indent(8) }} as quarantine_reason
    from events_typed
),

events_winners as (
    {#- Every stored winner, whatever its received day: a copy in the recount window may have
        lost to a copy received days before. #}
    select
        {{ kpikit.raw_event_columns() | join(',\n        ') }}
    from {{ ref('stg_raw__events') }}
),

conflicting_copies_by_day as (
    {#- Valid copies whose content differs from their event's winner (the first received still
        wins): duplicates that disagree, a finding of the data-quality mart. #}
    select
        copies.received_day,
        count(*) as row_count
    from events_validated as copies
    inner join events_winners
        on copies.event_id = events_winners.event_id
    where
        copies.quarantine_reason is null
        and not (
            {%- for column in ['event_name', 'user_id', 'anonymous_id', 'session_id', 'occurred_at',
                'properties'] %}
                {{ 'and ' if not loop.first }}{{ kpikit.equal_or_both_null(
                    'copies.' ~ column, 'events_winners.' ~ column
                ) }}
            {%- endfor %}
        )
    group by copies.received_day
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
    union all
    select
        received_day,
        'conflicting_duplicate' as outcome,
        'none' as reason,
        row_count
    from conflicting_copies_by_day
),

final as (
    select
        coalesce(cast(received_day as {{ dbt.type_string() }}), 'none') as received_day_key,
        received_day,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(['max_clock_skew_hours', 'max_event_delay_days']) }}
            as built_with_settings
    from outcomes
)

select * from final
