{#- A UTC timestamp (without time zone) as wall-clock time in var `kpi_timezone`, still without
    time zone. With the default UTC it is the expression itself. -#}
{% macro to_local_timestamp(expression) -%}
    {%- set timezone = var('kpi_timezone', 'UTC') -%}
    {%- if timezone | upper == 'UTC' -%}
        {{ expression }}
    {%- else -%}
        {{ return(adapter.dispatch('to_local_timestamp', 'kpikit')(expression, timezone)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__to_local_timestamp(expression, timezone) -%}
    cast((({{ expression }}) at time zone 'UTC') at time zone '{{ timezone }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
