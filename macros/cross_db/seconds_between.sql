{#- Exact elapsed seconds from start to end (two timestamps), fractions of a second kept, as a
    double; negative when end is before start. (dbt.datediff counts second boundaries crossed,
    which drops the fraction.) -#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('seconds_between', 'kpikit')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) -%}
    cast(extract(epoch from ({{ end_timestamp }}) - ({{ start_timestamp }})) as {{ kpikit.type_double() }})
{%- endmacro %}

{% macro duckdb__seconds_between(start_timestamp, end_timestamp) -%}
    cast(
        epoch_us({{ end_timestamp }}) - epoch_us({{ start_timestamp }}) as {{ kpikit.type_double() }}
    ) / 1000000.0
{%- endmacro %}
