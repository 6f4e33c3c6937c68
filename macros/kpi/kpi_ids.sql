{#- The list of every kpi_id kpi_values publishes: the package's, with one retention_dN per day
    of var `retention_days`, then those of the user's own KPI models (var `kpikit_custom_kpis`). -#}
{% macro kpi_ids(include_custom=true) -%}
    {%- set ids = [
        'task_success_rate', 'time_on_task_seconds', 'task_error_rate',
        'dau', 'wau', 'mau', 'stickiness', 'churn_rate', 'feature_adoption_rate',
        'activation_rate', 'time_to_activation_hours',
    ] -%}
    {%- for day_number in var('retention_days') -%}
        {%- do ids.append('retention_d' ~ day_number) -%}
    {%- endfor -%}
    {%- do ids.extend(['nps', 'csat', 'sus', 'conversion_rate']) -%}
    {%- for custom in (var('kpikit_custom_kpis') if include_custom else []) -%}
        {%- do ids.extend(custom['kpi_ids']) -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}

{#- The dimensions kpi_values publishes a package KPI by at month grain: `all`, and `task_id` for
    the task KPIs; feature_adoption_rate is published per `feature` only. -#}
{% macro kpi_dimensions(kpi_id) -%}
    {%- if kpi_id in ('task_success_rate', 'time_on_task_seconds', 'task_error_rate') -%}
        {{ return(['all', 'task_id']) }}
    {%- elif kpi_id == 'feature_adoption_rate' -%}
        {{ return(['feature']) }}
    {%- endif -%}
    {{ return(['all']) }}
{%- endmacro %}
