with

events_identified as (
    select * from {{ ref('int_events_identified') }}
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
        occurred_at_local
    from events_identified
    where
        attempt_id is not null
        and event_name in (
            'task_started', 'task_completed', 'task_failed', 'task_abandoned', 'task_error'
        )
)

select * from task_events
