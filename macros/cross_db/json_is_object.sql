{#- True when the text expression holds a JSON object, false for any other JSON value or for
    text that is not JSON at all; null stays null. -#}
{% macro json_is_object(expression) -%}
    {{ return(adapter.dispatch('json_is_object', 'kpikit')(expression)) }}
{%- endmacro %}

{% macro default__json_is_object(expression) -%}
    (case
        when {{ expression }} is null then null
        when json_valid({{ expression }}) then json_type({{ expression }}) = 'OBJECT'
        else false
    end)
{%- endmacro %}

{% macro postgres__json_is_object(expression) -%}
    {{ target.schema }}.kpikit_json_is_object({{ expression }})
{%- endmacro %}
