-- The team's own staging model of its events (native layout only): kpikit reads it through var
-- kpikit_events.
{{ config(enabled=var('shape') == 'native') }}
select
    event_id,
    user_id,
    anonymous_id,
    session_id,
    event_name,
    occurred_at,
    received_at,
    properties
from {{ source('tracking', 'events') }}
