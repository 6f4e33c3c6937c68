{#- The geometric mean of a positive expression, as an aggregate: exp(avg(ln(x))). Rows where the
    expression is not positive are skipped (the caller should filter them explicitly too). -#}
{% macro geometric_mean(expression) -%}
    {{ return(adapter.dispatch('geometric_mean', 'kpikit')(expression)) }}
{%- endmacro %}

{% macro default__geometric_mean(expression) -%}
    exp(avg(case when {{ expression }} > 0 then ln({{ expression }}) end))
{%- endmacro %}
