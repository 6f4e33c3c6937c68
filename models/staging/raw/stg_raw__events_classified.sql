{#-
    One row per raw event row (delivery), typed, with its fate: used, duplicate or quarantined.
    Validation comes first; only valid rows compete in de-duplication (first received wins).
-#}
with

events_source as (
    select * from {{ source('raw', 'events') }}
),

events_typed as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        cast(properties as {{ dbt.type_string() }}) as properties,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at
    from events_source
),

events_validated as (
    select
        *,
        case
            when event_id is null then 'null_event_id'
            when event_name is null then 'null_event_name'
            when occurred_at is null then 'null_occurred_at'
            when received_at is null then 'null_received_at'
            when user_id is null and anonymous_id is null then 'null_user_and_anonymous_id'
            when
                occurred_at > {{ dbt.dateadd('hour', var('max_clock_skew_hours'), 'received_at') }}
                then 'clock_skew'
            when
                properties is not null and not {{ kpikit.json_is_object('properties') }}
                then 'properties_not_json_object'
        end as quarantine_reason
    from events_typed
),

events_ranked as (
    select
        *,
        row_number() over (
            partition by event_id, quarantine_reason
            order by
                received_at,
                occurred_at,
                event_name,
                user_id,
                anonymous_id,
                session_id,
                properties
        ) as delivery_rank
    from events_validated
),

events_classified as (
    select
        event_id,
        user_id,
        anonymous_id,
        session_id,
        event_name,
        properties,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when delivery_rank = 1 then 'used'
            else 'duplicate'
        end as row_status,
        occurred_at,
        received_at
    from events_ranked
)

select * from events_classified
