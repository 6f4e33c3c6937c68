with

task_events as (
    select * from {{ ref('int_task_events_filtered') }}
),

started_attempts as (
    select distinct attempt_id
    from task_events
    where event_name = {{ kpikit.task_event('started') }}
),

orphan_task_events as (
    select
        task_events.event_id,
        task_events.attempt_id,
        task_events.task_id,
        task_events.event_name,
        task_events.person_id,
        task_events.person_type,
        task_events.occurred_at
    from task_events
    left join started_attempts
        on task_events.attempt_id = started_attempts.attempt_id
    where
        task_events.event_name != {{ kpikit.task_event('started') }}
        and started_attempts.attempt_id is null
)

select * from orphan_task_events
