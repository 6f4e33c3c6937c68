{#- KPI registry rule target_improves_on_baseline: the target is strictly better than the baseline
    in the row's direction (above it when higher_is_better, below it when lower_is_better); a
    target equal to the baseline is no goal, and progress toward it is undefined. Rows missing
    either value are left to registry_has_owner_baseline_target. -#}
{% test registry_target_improves_on_baseline(model) %}
    {%- set violations -%}
        select
            goal,
            kpi_id,
            dimension,
            dimension_value,
            'target_improves_on_baseline' as rule,
            {{ kpikit.registry_failure_message(
                'target_improves_on_baseline',
                dbt.concat([
                    "'target_value '",
                    "cast(target_value as " ~ dbt.type_string() ~ ")",
                    "' does not improve on baseline_value '",
                    "cast(baseline_value as " ~ dbt.type_string() ~ ")",
                    "' in direction '",
                    "coalesce(direction, '(null)')",
                ]),
            ) }} as failure_message
        from {{ model }}
        where
            target_value is not null
            and baseline_value is not null
            and not coalesce(
                (direction = 'higher_is_better' and target_value > baseline_value)
                or (direction = 'lower_is_better' and target_value < baseline_value),
                false
            )
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model]) }}
{% endtest %}
