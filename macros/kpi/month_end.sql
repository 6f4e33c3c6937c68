{#- The last day of the calendar month of a date or timestamp, as a date. -#}
{% macro month_end(expression) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, kpikit.month_start(expression))) }} as date)
{%- endmacro %}
