{#- KPI registry rule max_kpis_per_goal: a goal carries at most `max_kpis` KPIs (default: var
    max_kpis_per_goal, 5). Guardrails (rows with guardrail_for) are counter-metrics watched beside
    the KPIs and do not count. Fails with one row per goal over the limit, listing its KPIs. -#}
{% test registry_max_kpis_per_goal(model, max_kpis=none) %}
    {%- set limit = (max_kpis if max_kpis is not none else var('max_kpis_per_goal', 5)) | int -%}
    {%- set violations -%}
        with goal_kpis as (
            select
                goal,
                count(*) as kpi_count,
                {{ dbt.listagg('kpi_id', "', '", 'order by kpi_id') }} as kpi_ids
            from {{ model }}
            where guardrail_for is null
            group by goal
        )

        select
            goal,
            kpi_count,
            'max_kpis_per_goal' as rule,
            {{ kpikit.registry_failure_message(
                'max_kpis_per_goal',
                dbt.concat([
                    "cast(kpi_count as " ~ dbt.type_string() ~ ")",
                    "' KPIs ('",
                    "kpi_ids",
                    "'), more than max_kpis_per_goal = " ~ limit ~ " (guardrails not counted)'",
                ]),
                with_row=false,
            ) }} as failure_message
        from goal_kpis
        where kpi_count > {{ limit }}
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model]) }}
{% endtest %}
