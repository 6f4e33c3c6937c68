{#- A timestamp with time zone as the timestamp without time zone of the same instant in UTC,
    whatever the session's time zone. -#}
{% macro timestamptz_to_utc(expression) -%}
    {{ return(adapter.dispatch('timestamptz_to_utc', 'kpikit')(expression)) }}
{%- endmacro %}

{% macro default__timestamptz_to_utc(expression) -%}
    ({{ expression }} at time zone 'UTC')
{%- endmacro %}
