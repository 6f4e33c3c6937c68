{#- A JSON object as text built from `pairs`, a list of [key, SQL expression]; a null value is
    kept as JSON null. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'kpikit')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, expression in pairs -%}
            '{{ key }}', cast({{ expression }} as {{ dbt.type_string() }})
            {{- ', ' if not loop.last -}}
        {%- endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__json_object_text(pairs) -%}
    cast(json_build_object(
        {%- for key, expression in pairs -%}
            '{{ key }}', cast({{ expression }} as text)
            {{- ', ' if not loop.last -}}
        {%- endfor -%}
    ) as text)
{%- endmacro %}
