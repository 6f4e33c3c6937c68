{#-
    Incremental (delete+insert on event_id, bounded by received_at). A full refresh
    de-duplicates every raw row; an incremental run reads only the raw rows received on the days
    stg_raw__events_received_days marked as changed since this model's last run (the days a load
    added rows to, within var `incremental_lookback_days` of the latest received day), lets
    their valid copies compete with the stored copy of the same event_id, and writes only the
    events whose winning copy is new. A copy that arrives in a later batch therefore never
    counts twice, and a run with no new rows reads and writes nothing. On DuckDB a full build is
    sorted by received_at, as daily runs append: every later run then skips the row groups
    received before its re-read window (at 10M events the sort costs the full build 2.5 s and
    0.9 GiB once, and saves each daily run about 0.4 s here; without it the full build's row
    groups all span the whole history and are read by every run, for as long as they stay). The
    delete of replaced rows is bounded by received_at (strategy `delete_insert_bounded`), so it
    skips the row groups received before the new rows: a new copy only replaces a stored copy
    received at the same time or later, never earlier.
-#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete_insert_bounded',
    meta={'delete_bound_column': 'received_at'},
    on_schema_change='fail',
    post_hook="{{ kpikit.require_valid_rows('events') }}",
) }}

-- depends_on: {{ ref('stg_raw__events_quarantine') }}
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
        where {{ kpikit.received_on_changed_day(
            'received_at', received_days, last_loaded_at, reread_since
        ) }}
    {%- endif %}
),

events_typed as (
    select
        {{ kpikit.raw_event_typed_columns() | indent(8) }}
    from events_source
),

{% if is_incremental() -%}
    {#- The changed days mostly hold copies that are already the stored winner of their
        event_id (a day that got a late load is re-read whole): drop them first, by a join on
        the stored rows of those days (few, and clustered by load time), so only new copies are
        validated and compete. -#}
    stored_in_window as (
        select
            {{ kpikit.raw_event_columns() | join(',\n            ') }}
        from {{ this }}
        where {{ kpikit.received_on_changed_day(
            'received_at', received_days, last_loaded_at, reread_since
        ) }}
    ),

    events_unseen as (
        select events_typed.*
        from events_typed
        left join stored_in_window
            on
                events_typed.event_id = stored_in_window.event_id
                {%- for column in kpikit.raw_event_delivery_columns() %}
                    and {{ kpikit.equal_or_both_null(
                        'events_typed.' ~ column, 'stored_in_window.' ~ column
                    ) }}
                {%- endfor %}
        where stored_in_window.event_id is null
    ),

{% endif -%}

events_valid as (
    select
        {{ kpikit.raw_event_columns() | join(',\n        ') }},
        false as is_stored
    from {{ 'events_unseen' if is_incremental() else 'events_typed' }}
    where {{ kpikit.raw_event_quarantine_reason() | indent(4) }} is null
),

{% if is_incremental() -%}
    {#- The stored copy of an event competes with the first of its new copies. Copies compete
        on received_at first, so only the stored copy's received_at is read (two columns of
        every stored row, not all of them); its other columns are read only where it ties the
        new copy's received_at (rare: when there is none, that read is skipped). -#}
    new_copies_ranked as (
        select
            *,
            row_number() over (
                partition by event_id order by {{ kpikit.raw_event_delivery_order() }}
            ) as new_copy_rank
        from events_valid
    ),

    first_new_copies as (
        select
            {{ kpikit.raw_event_columns() | join(',\n            ') }},
            is_stored
        from new_copies_ranked
        where new_copy_rank = 1
    ),

    stored_received as (
        select
            event_id,
            received_at
        from {{ this }}
        where event_id in (select first_new_copies.event_id from first_new_copies)
    ),

    events_tied as (
        select first_new_copies.event_id
        from first_new_copies
        inner join stored_received
            on
                first_new_copies.event_id = stored_received.event_id
                and first_new_copies.received_at = stored_received.received_at
    ),

{% endif -%}

candidate_copies as (
    {% if is_incremental() -%}
        {#- Received before the stored copy, or the first copy ever: wins on received_at. #}
        select first_new_copies.*
        from first_new_copies
        left join stored_received
            on first_new_copies.event_id = stored_received.event_id
        where
            stored_received.event_id is null
            or first_new_copies.received_at < stored_received.received_at
        union all
        {#- Received at the same instant as the stored copy: the whole order decides. #}
        select * from first_new_copies
        where event_id in (select events_tied.event_id from events_tied)
        union all
        select
            {{ kpikit.raw_event_columns() | join(',\n            ') }},
            true as is_stored
        from {{ this }}
        where event_id in (select events_tied.event_id from events_tied)
    {%- else -%}
        select * from events_valid
    {%- endif %}
),

copies_ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            {#- An identical copy already stored wins, so nothing is rewritten. #}
            order by {{ kpikit.raw_event_delivery_order() }}, is_stored desc
        ) as delivery_rank
    from candidate_copies
),

events_used as (
    select
        event_id,
        user_id,
        anonymous_id,
        session_id,
        event_name,
        {{ kpikit.json_extract_text('properties', kpikit.property_key('feature')) }} as feature,
        {{ kpikit.json_extract_text('properties', kpikit.property_key('task_id')) }} as task_id,
        {{ kpikit.json_extract_text('properties', kpikit.property_key('attempt_id')) }}
            as attempt_id,
        properties,
        occurred_at,
        received_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(
            ['max_clock_skew_hours', 'max_event_delay_days', 'event_property_keys']
        ) }} as built_with_settings
    from copies_ranked
    where delivery_rank = 1 and not is_stored
)

select * from events_used
{{- kpikit.order_full_build_by('received_at') }}
