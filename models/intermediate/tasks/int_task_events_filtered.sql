{#-
    Incremental (delete+insert on event_id): a run copies the task events among the events
    int_events_identified resolved since its last run (new, late or re-stitched). A narrow table
    of about a tenth of the events, so the task models read it instead of scanning every event.
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

task_events as (
    select
        event_id,
        attempt_id,
        task_id,
        event_name,
        person_id,
        person_type,
        resolved_user_id,
        occurred_at,
        occurred_at_local,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(
            ['max_clock_skew_hours', 'kpi_timezone', 'task_events']
        ) }} as built_with_settings
    from events_identified
    where
        attempt_id is not null
        and event_name in (
            {{ kpikit.task_event('started') }},
            {{ kpikit.task_event('completed') }},
            {{ kpikit.task_event('failed') }},
            {{ kpikit.task_event('abandoned') }},
            {{ kpikit.task_event('error') }}
        )
)

select * from task_events
