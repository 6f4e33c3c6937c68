with

events_identified as (
    select * from {{ ref('int_events_identified') }}
),

user_days as (
    select
        resolved_user_id as user_id,
        event_day as activity_day,
        count(*) as active_event_count,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from events_identified
    where resolved_user_id is not null and not is_passive
    group by resolved_user_id, event_day
),

final as (
    select
        user_id,
        activity_day,
        {{ kpikit.month_start('activity_day') }} as activity_month,
        active_event_count,
        first_event_at,
        last_event_at
    from user_days
)

select * from final
