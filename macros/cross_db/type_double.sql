{#- The 8-byte floating point type. (dbt.type_float() is 4-byte FLOAT on DuckDB, too coarse for
    KPI values checked to many significant digits.) -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'kpikit')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}
