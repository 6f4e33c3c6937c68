{#-
    Segment's per-event tables to read event properties from, found when the model runs: for
    each event of var `segment_event_tables` whose table exists beside `tracks`, a dict with the
    event name, the relation, its id and received_at columns, and `property_columns`: the pairs
    [JSON key, quoted column] for the keys of var `event_property_keys` the table has as columns.
    A table with none of those keys is left out.
-#}
{% macro segment_event_tables(tracks) -%}
    {%- set property_keys = var('event_property_keys').values() | list -%}
    {%- set tables = [] -%}
    {%- for event in var('segment_event_tables') -%}
        {%- set relation = adapter.get_relation(
            database=tracks.database, schema=tracks.schema, identifier=event
        ) -%}
        {%- if relation is not none -%}
            {%- set columns = {} -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- do columns.update({column.name | lower: column.name}) -%}
            {%- endfor -%}
            {%- set keys = [] -%}
            {%- for key in property_keys if key | lower in columns -%}
                {%- do keys.append([key, adapter.quote(columns[key | lower])]) -%}
            {%- endfor -%}
            {%- if keys -%}
                {%- do tables.append({
                    'event': event,
                    'relation': relation,
                    'property_columns': keys,
                    'id_column': columns.get('id', 'id'),
                    'received_at_column': columns.get('received_at', 'received_at'),
                }) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}
