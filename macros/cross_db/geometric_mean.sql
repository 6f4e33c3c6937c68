{#- The geometric mean of a positive expression, as an aggregate: exp(avg(ln(x))). Rows where the
    expression is not positive are skipped (the caller should filter them explicitly too). The
    logarithms are summed in sorted order: a parallel sum in scan order differs in the last bits
    from run to run, and the same data must always give the same number. -#}
{% macro geometric_mean(expression) -%}
    {{ return(adapter.dispatch('geometric_mean', 'kpikit')(expression)) }}
{%- endmacro %}

{% macro default__geometric_mean(expression) -%}
    {%- set logarithm = 'case when ' ~ expression ~ ' > 0 then ln(' ~ expression ~ ') end' -%}
    exp(avg({{ logarithm }} order by {{ logarithm }}))
{%- endmacro %}
