{#- The value of a top-level key of a JSON object held as text, as text (a string without its
    quotes, a number as its digits); null when the key is missing or the JSON is null. Call it
    only on text that json_is_object accepted. -#}
{% macro json_extract_text(expression, key) -%}
    {{ return(adapter.dispatch('json_extract_text', 'kpikit')(expression, key)) }}
{%- endmacro %}

{% macro default__json_extract_text(expression, key) -%}
    json_extract_string({{ expression }}, '$.{{ key }}')
{%- endmacro %}

{% macro postgres__json_extract_text(expression, key) -%}
    (cast({{ expression }} as json) ->> '{{ key }}')
{%- endmacro %}
