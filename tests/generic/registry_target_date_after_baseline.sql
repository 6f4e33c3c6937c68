{#- KPI registry rule target_date_after_baseline: the target date falls after the last day of the
    baseline period (a deadline inside or before the month the baseline was measured in leaves no
    time to improve, and no straight line to measure expected progress on). Rows missing either
    date are left to registry_has_owner_baseline_target. -#}
{% test registry_target_date_after_baseline(model) %}
    {%- set violations -%}
        select
            goal,
            kpi_id,
            dimension,
            dimension_value,
            'target_date_after_baseline' as rule,
            {{ kpikit.registry_failure_message(
                'target_date_after_baseline',
                dbt.concat([
                    "'target_date '",
                    "cast(target_date as " ~ dbt.type_string() ~ ")",
                    "' is not after the baseline period starting '",
                    "cast(baseline_period_start as " ~ dbt.type_string() ~ ")",
                ]),
            ) }} as failure_message
        from {{ model }}
        where target_date <= {{ kpikit.month_end('baseline_period_start') }}
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model]) }}
{% endtest %}
