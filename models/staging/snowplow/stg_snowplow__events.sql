{#- Snowplow's canonical atomic events as kpikit's raw events input: see
    _snowplow__models.yml. -#}
{{ config(enabled=var('kpikit_tracker') == 'snowplow') }}

{%- set atomic_events = source('snowplow', 'events') -%}

with

atomic_events as (
    select
        {{ kpikit.raw_input_columns('Snowplow events', atomic_events, [
            ['event_id', 'varchar'],
            ['user_id', 'varchar'],
            ['domain_userid', 'varchar', 'anonymous_id'],
            ['domain_sessionid', 'varchar', 'session_id'],
            ['event_name', 'varchar'],
            [var('snowplow_occurred_at_column'), 'timestamp', 'occurred_at',
                'snowplow_occurred_at_column'],
            [var('snowplow_received_at_column'), 'timestamp', 'received_at',
                'snowplow_received_at_column'],
            ['unstruct_event', 'varchar'],
        ], 'snowplow_schema') | indent(8) }}
    from {{ atomic_events }}
),

events_input as (
    select
        event_id,
        user_id,
        anonymous_id,
        session_id,
        event_name,
        occurred_at,
        received_at,
        {#- The event's own data: {"schema": ..., "data": {"schema": ..., "data": {...}}}. Text
            that is not such an object is passed on as it is, for staging to quarantine
            (properties_not_json_object), never a failed run. -#}
        case
            when not {{ kpikit.json_is_object('unstruct_event') }} then unstruct_event
            when
                {{ kpikit.json_is_object(kpikit.json_extract_text('unstruct_event', 'data')) }}
                then {{ kpikit.json_extract_text(
                    kpikit.json_extract_text('unstruct_event', 'data'), 'data'
                ) }}
            else {{ kpikit.json_extract_text('unstruct_event', 'data') }}
        end as properties,
        unreadable_column
    from atomic_events
)

select * from events_input
