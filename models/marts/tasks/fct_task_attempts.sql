with

task_attempts as (
    select * from {{ ref('int_task_attempts_resolved') }}
),

final as (
    select
        attempt_id,
        task_id,
        person_id,
        person_type,
        resolved_user_id as user_id,
        outcome,
        error_count,
        duration_seconds,
        outcome != 'in_progress' as is_counted,
        is_timed_out,
        start_day,
        start_month,
        started_at,
        ended_at
    from task_attempts
)

select * from final
