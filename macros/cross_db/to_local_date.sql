{#- The calendar date, in var `kpi_timezone`, of a UTC timestamp (without time zone). -#}
{% macro to_local_date(expression) -%}
    cast({{ kpikit.to_local_timestamp(expression) }} as date)
{%- endmacro %}
