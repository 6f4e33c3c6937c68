{#-
    A SQL text expression for the failure message of a KPI registry rule, naming the row and the
    rule: "kpi_registry row goal 'onboarding', kpi_id 'csat', dimension all = all breaks rule
    <rule>: <detail>". `rule` is a plain string; `detail` a SQL text expression (quote literals).
    The row's columns goal, kpi_id, dimension and dimension_value must be in scope, qualified by
    `alias` when given; pass with_row=false for a rule about a whole goal (only goal is named).
-#}
{% macro registry_failure_message(rule, detail, with_row=true, alias=none) -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {%- set parts = ["'kpi_registry row goal '''", "coalesce(" ~ prefix ~ "goal, '(null)')", "''''"] -%}
    {%- if with_row -%}
        {%- do parts.extend([
            "', kpi_id '''", "coalesce(" ~ prefix ~ "kpi_id, '(null)')", "''''",
            "', dimension '", "coalesce(" ~ prefix ~ "dimension, 'all')",
            "' = '", "coalesce(" ~ prefix ~ "dimension_value, 'all')",
        ]) -%}
    {%- endif -%}
    {%- do parts.extend(["' breaks rule " ~ rule ~ ": '", detail]) -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
