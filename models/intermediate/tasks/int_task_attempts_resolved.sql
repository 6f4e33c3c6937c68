{#-
    Incremental (delete+insert on attempt_id): a run recomputes, from all their events, the
    attempts with an event resolved since its last run (new, late or re-stitched) and the
    attempts still in progress (the as-of date may have moved past their timeout). An attempt's
    other outcomes change only with its own events, so every other stored attempt stays as it is.
-#}
{{ config(
    materialized='incremental',
    unique_key='attempt_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- set timeout_minutes = var('task_timeout_minutes') -%}
{%- set task_events_relation = ref('int_task_events_filtered') %}

with

task_events_filtered as (
    select * from {{ task_events_relation }}
),

{% if is_incremental() -%}
    {#- From the relation, not the CTE: a CTE read twice would be materialized whole. #}
    attempts_touched as (
        select task_events_batch.attempt_id
        from {{ task_events_relation }} as task_events_batch
        where task_events_batch.batch_loaded_at > {{ kpikit.last_batch_loaded_at() }}
        union
        select stored_attempts.attempt_id
        from {{ this }} as stored_attempts
        where stored_attempts.outcome = 'in_progress'
    ),

{% endif -%}

task_events as (
    select * from task_events_filtered
    {% if is_incremental() -%}
        where attempt_id in (select attempts_touched.attempt_id from attempts_touched)
    {%- endif %}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

starts_ranked as (
    select
        attempt_id,
        task_id,
        person_id,
        person_type,
        resolved_user_id,
        occurred_at as started_at,
        occurred_at_local as started_at_local,
        row_number() over (partition by attempt_id order by occurred_at, event_id) as start_rank
    from task_events
    where event_name = {{ kpikit.task_event('started') }}
),

attempt_starts as (
    select * from starts_ranked
    where start_rank = 1
),

terminal_events_in_time as (
    select
        attempt_starts.attempt_id,
        task_events.event_name,
        task_events.occurred_at,
        row_number() over (
            partition by attempt_starts.attempt_id
            order by
                task_events.occurred_at,
                case task_events.event_name
                    when {{ kpikit.task_event('completed') }} then 1
                    when {{ kpikit.task_event('failed') }} then 2
                    else 3
                end,
                task_events.event_id
        ) as terminal_rank
    from attempt_starts
    inner join task_events
        on
            attempt_starts.attempt_id = task_events.attempt_id
            and task_events.event_name in (
                {{ kpikit.task_event('completed') }},
                {{ kpikit.task_event('failed') }},
                {{ kpikit.task_event('abandoned') }}
            )
            and task_events.occurred_at
            <= {{ dbt.dateadd('minute', timeout_minutes, 'attempt_starts.started_at') }}
),

attempt_errors as (
    select
        attempt_id,
        count(*) as error_count
    from task_events
    where event_name = {{ kpikit.task_event('error') }}
    group by attempt_id
),

attempts_with_outcomes as (
    select
        attempt_starts.attempt_id,
        attempt_starts.task_id,
        attempt_starts.person_id,
        attempt_starts.person_type,
        attempt_starts.resolved_user_id,
        case
            when
                terminal_events_in_time.event_name = {{ kpikit.task_event('completed') }}
                then 'completed'
            when
                terminal_events_in_time.event_name = {{ kpikit.task_event('failed') }}
                then 'failed'
            when
                terminal_events_in_time.event_name = {{ kpikit.task_event('abandoned') }}
                then 'abandoned'
            when
                {{ dbt.dateadd('minute', timeout_minutes, 'attempt_starts.started_at_local') }}
                <= {{ dbt.dateadd('day', 1, 'as_of_date.as_of_date') }}
                then 'abandoned'
            else 'in_progress'
        end as outcome,
        terminal_events_in_time.event_name is null as is_timed_out,
        coalesce(attempt_errors.error_count, 0) as error_count,
        {{ kpikit.seconds_between(
            'attempt_starts.started_at', 'terminal_events_in_time.occurred_at'
        ) }} as duration_seconds,
        attempt_starts.started_at,
        terminal_events_in_time.occurred_at as ended_at,
        cast(attempt_starts.started_at_local as date) as start_day,
        {{ kpikit.month_start('attempt_starts.started_at_local') }} as start_month,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(
            ['max_clock_skew_hours', 'kpi_timezone', 'task_timeout_minutes']
        ) }}
            as built_with_settings
    from attempt_starts
    cross join as_of_date
    left join terminal_events_in_time
        on
            attempt_starts.attempt_id = terminal_events_in_time.attempt_id
            and terminal_events_in_time.terminal_rank = 1
    left join attempt_errors
        on attempt_starts.attempt_id = attempt_errors.attempt_id
)

select * from attempts_with_outcomes
