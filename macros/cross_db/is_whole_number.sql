{#- True when a double is a finite whole number (not NaN, not infinite, no fraction); null for
    null. -#}
{% macro is_whole_number(expression) -%}
    {{ return(adapter.dispatch('is_whole_number', 'kpikit')(expression)) }}
{%- endmacro %}

{% macro default__is_whole_number(expression) -%}
    (isfinite({{ expression }}) and {{ expression }} = floor({{ expression }}))
{%- endmacro %}

{% macro postgres__is_whole_number(expression) -%}
    (
        {{ expression }} not in (
            cast('NaN' as double precision),
            cast('Infinity' as double precision),
            cast('-Infinity' as double precision)
        )
        and {{ expression }} = floor({{ expression }})
    )
{%- endmacro %}
