{#-
    A post-hook: refreshes the planner statistics of the table a model just built, on warehouses
    that plan from statistics they do not gather on create (PostgreSQL); nothing elsewhere (an
    empty hook is skipped) and nothing for views.
-#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'kpikit')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if config.get('materialized') in ['table', 'incremental'] -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
