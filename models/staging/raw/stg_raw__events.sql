with

events_classified as (
    select * from {{ ref('stg_raw__events_classified') }}
),

events_used as (
    select
        event_id,
        user_id,
        anonymous_id,
        session_id,
        event_name,
        {{ kpikit.json_extract_text('properties', 'feature') }} as feature,
        {{ kpikit.json_extract_text('properties', 'task_id') }} as task_id,
        {{ kpikit.json_extract_text('properties', 'attempt_id') }} as attempt_id,
        properties,
        occurred_at,
        received_at
    from events_classified
    where row_status = 'used'
)

select * from events_used
