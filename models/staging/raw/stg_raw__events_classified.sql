{#-
    One row per raw event row (delivery), typed, with its fate: used, duplicate or quarantined.
    Validation comes first; only valid rows compete in de-duplication (first received wins).
-#}
with

events_source as (
    select * from {{ ref('stg_input__events') }}
),

events_typed as (
    select
        {{ kpikit.raw_event_typed_columns() | indent(8) }}
    from events_source
),

events_validated as (
    select
        *,
        {{ kpikit.raw_event_quarantine_reason() | indent(8) }} as quarantine_reason
    from events_typed
),

events_ranked as (
    select
        *,
        row_number() over (
            partition by event_id, quarantine_reason
            order by {{ kpikit.raw_event_delivery_order() }}
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
