{#-
    Incremental (delete+insert on event_id): a run copies the activation events (var
    `activation_events`) of an identified user among the events int_events_identified resolved
    since its last run (new, late or re-stitched). A narrow table of about one event in a hundred,
    so dim_users does not scan every event.
-#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

events_identified as (
    select * from {{ ref('int_events_identified') }}
    {% if is_incremental() -%}
        where batch_loaded_at > {{ kpikit.last_batch_loaded_at() }}
    {%- endif %}
),

activation_events as (
    select
        event_id,
        resolved_user_id,
        event_name,
        occurred_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(['max_clock_skew_hours', 'activation_events']) }}
            as built_with_settings
    from events_identified
    where
        resolved_user_id is not null
        and {{ kpikit.is_in_list('event_name', var('activation_events'), 'activation_events') }}
)

select * from activation_events
