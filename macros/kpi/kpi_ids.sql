{#- The list of every kpi_id the package publishes (SPEC section 3), with one retention_dN per
    day of var `retention_days`. -#}
{% macro kpi_ids() -%}
    {%- set ids = [
        'task_success_rate', 'time_on_task_seconds', 'task_error_rate',
        'dau', 'wau', 'mau', 'stickiness', 'churn_rate', 'feature_adoption_rate',
        'activation_rate', 'time_to_activation_hours',
    ] -%}
    {%- for day_number in var('retention_days') -%}
        {%- do ids.append('retention_d' ~ day_number) -%}
    {%- endfor -%}
    {%- do ids.extend(['nps', 'csat', 'sus', 'conversion_rate']) -%}
    {{ return(ids) }}
{%- endmacro %}
