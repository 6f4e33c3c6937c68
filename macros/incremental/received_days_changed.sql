{#-
    The earliest received day (midnight, as a timestamp) among the days
    stg_raw__events_received_days marked as changed since `last_loaded_at` (a load mark literal):
    where an incremental model starts re-reading raw events. A constant the warehouse can prune with, read when the model
    runs; 9999-12-31 when no day changed, so nothing is read. In a unit test `this` is a
    fixture, and it stays a scalar subquery over the received-days input.
-#}
{% macro first_received_day_changed(received_days, last_loaded_at) -%}
    {%- set none_changed = kpikit.timestamp_literal('9999-12-31 00:00:00') -%}
    {%- if this is string -%}
        {{ return(
            '(select coalesce(cast(min(received_day) as ' ~ dbt.type_timestamp() ~ '), '
            ~ none_changed ~ ') from ' ~ received_days ~ ' where batch_loaded_at > '
            ~ last_loaded_at ~ ' and received_day is not null)'
        ) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(none_changed) }}
    {%- endif -%}
    {%- set value = run_query(
        'select cast(min(received_day) as ' ~ dbt.type_string() ~ ') from ' ~ received_days
        ~ ' where batch_loaded_at > ' ~ last_loaded_at ~ ' and received_day is not null'
    ).columns[0].values()[0] -%}
    {{ return(
        none_changed if value is none else kpikit.timestamp_literal(value ~ ' 00:00:00')
    ) }}
{%- endmacro %}

{#-
    A filter: `received_at_column` falls on a received day stg_raw__events_received_days marked
    as changed since `last_loaded_at`, from `since` (first_received_day_changed) on. The range
    lets the warehouse skip old data; the day list keeps only the changed days.
-#}
{% macro received_on_changed_day(received_at_column, received_days, last_loaded_at, since) -%}
    {{ received_at_column }} >= {{ since }}
    and cast({{ received_at_column }} as date) in (
        select changed_days.received_day from {{ received_days }} as changed_days
        where changed_days.batch_loaded_at > {{ last_loaded_at }}
    )
{%- endmacro %}
