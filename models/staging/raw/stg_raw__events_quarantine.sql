with

events_classified as (
    select * from {{ ref('stg_raw__events_classified') }}
),

events_quarantined as (
    select
        event_id,
        user_id,
        anonymous_id,
        session_id,
        event_name,
        properties,
        quarantine_reason as reason,
        occurred_at,
        received_at
    from events_classified
    where row_status = 'quarantined'
)

select * from events_quarantined
