{#- numerator / denominator as a double, null (never an error) when the denominator is 0 or null. -#}
{% macro safe_ratio(numerator, denominator) -%}
    (case
        when ({{ denominator }}) = 0 then null
        else cast({{ numerator }} as {{ kpikit.type_double() }}) / ({{ denominator }})
    end)
{%- endmacro %}
