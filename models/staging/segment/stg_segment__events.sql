{#-
    Segment's (and RudderStack's) track calls as kpikit's raw events input: see
    _segment__models.yml. Properties come from the tracks column named by var
    `segment_properties_column`, or else from the per-event tables listed in var
    `segment_event_tables` (those that exist), as a JSON object of the keys of var
    `event_property_keys` found among each table's columns.
-#}
{{ config(enabled=var('kpikit_tracker') in ('segment', 'rudderstack')) }}

{%- set tracks = source('segment', 'tracks') -%}
{%- set properties_column = var('segment_properties_column') -%}
{%- set tracks_columns = [
    ['id', 'varchar', 'event_id'],
    ['user_id', 'varchar'],
    ['anonymous_id', 'varchar'],
    [var('segment_session_id_column'), 'varchar', 'session_id', 'segment_session_id_column'],
    ['event', 'varchar', 'event_name'],
    [var('segment_occurred_at_column'), 'timestamp', 'occurred_at', 'segment_occurred_at_column'],
    ['received_at', 'timestamp'],
] + ([[properties_column, 'varchar', 'properties',
    'segment_properties_column']]
    if properties_column else []) -%}
{%- set event_tables = [] if properties_column or not execute
    else kpikit.segment_event_tables(tracks) -%}

with

tracks as (
    select
        {{ kpikit.raw_input_columns(
            'Segment tracks', tracks, tracks_columns, 'segment_schema'
        ) | indent(8) }}
    from {{ tracks }}
),

{% if not properties_column -%}
    event_properties as (
        {%- for table in event_tables %}
            select
                cast({{ adapter.quote(table.id_column) }} as {{ dbt.type_string() }}) as event_id,
                '{{ table.event }}' as event_name,
                {{ kpikit.json_object_text(table.property_columns) }} as properties,
                {{ adapter.quote(table.received_at_column) }} as received_at
            from {{ table.relation }}
            {{ 'union all' if not loop.last }}
        {%- else %}
            select
                cast(null as {{ dbt.type_string() }}) as event_id,
                cast(null as {{ dbt.type_string() }}) as event_name,
                cast(null as {{ dbt.type_string() }}) as properties,
                cast(null as {{ dbt.type_timestamp() }}) as received_at
            where 1 = 0
        {%- endfor %}
    ),

    {#- Copies of one event carry the same properties: the first received is kept. -#}
    event_properties_first as (
        select
            event_id,
            event_name,
            properties,
            row_number() over (
                partition by event_id, event_name
                order by received_at, properties
            ) as copy_rank
        from event_properties
    ),

    tracks_with_properties as (
        select
            tracks.*,
            event_properties_first.properties
        from tracks
        left join event_properties_first
            on
                tracks.event_id = event_properties_first.event_id
                and tracks.event_name = event_properties_first.event_name
                and event_properties_first.copy_rank = 1
    ),

{% else -%}
    tracks_with_properties as (
        select * from tracks
    ),

{% endif -%}

events_input as (
    select
        event_id,
        user_id,
        anonymous_id,
        session_id,
        event_name,
        occurred_at,
        received_at,
        properties,
        unreadable_column
    from tracks_with_properties
)

select * from events_input
