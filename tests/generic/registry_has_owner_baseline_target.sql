{#- KPI registry rule has_owner_baseline_target (SMART: measurable, assigned, time-bound): every
    row names an owner (not blank), a baseline value and the period it was measured in, a target
    value and a target date. Fails with one row per incomplete entry, listing what is missing. -#}
{% test registry_has_owner_baseline_target(model) %}
    {%- set missing_fields -%}
        trim({{ dbt.concat([
            "case when owner is null or trim(owner) = '' then ' owner' else '' end",
            "case when baseline_value is null then ' baseline_value' else '' end",
            "case when baseline_period_start is null then ' baseline_period_start' else '' end",
            "case when target_value is null then ' target_value' else '' end",
            "case when target_date is null then ' target_date' else '' end",
        ]) }})
    {%- endset -%}
    {%- set violations -%}
        select
            goal,
            kpi_id,
            dimension,
            dimension_value,
            'has_owner_baseline_target' as rule,
            {{ kpikit.registry_failure_message(
                'has_owner_baseline_target',
                dbt.concat(["'missing '", missing_fields, "' (every KPI needs an owner, a baseline, a target and a target date)'"]),
            ) }} as failure_message
        from {{ model }}
        where {{ missing_fields }} != ''
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model]) }}
{% endtest %}
