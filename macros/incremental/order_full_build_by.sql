{#-
    An `order by` for the full build of a large incremental model, on warehouses that skip
    stored data by the order it was written in: DuckDB keeps min/max statistics per row group,
    so a table written in the order of the column later runs filter on lets those runs skip
    most of it (daily runs then append in that order). Nothing in an incremental run, and
    nothing on other warehouses (PostgreSQL has no such statistics: a sort would only cost).
-#}
{% macro order_full_build_by(column) -%}
    {{ return(adapter.dispatch('order_full_build_by', 'kpikit')(column)) }}
{%- endmacro %}

{% macro default__order_full_build_by(column) -%}
{%- endmacro %}

{% macro duckdb__order_full_build_by(column) -%}
    {%- if not is_incremental() %}
order by {{ column }}
    {%- endif %}
{%- endmacro %}
