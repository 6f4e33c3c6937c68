{#- KPI registry rule unique_entry, its primary key: no two rows share (goal, kpi_id, dimension,
    dimension_value), an empty dimension counting as all = all. Fails with one row per repeated
    entry. -#}
{% test registry_unique_entry(model) %}
    {%- set violations -%}
        with entries as (
            select
                goal,
                kpi_id,
                coalesce(dimension, 'all') as dimension,
                coalesce(dimension_value, 'all') as dimension_value
            from {{ model }}
        ),

        repeated_entries as (
            select
                goal,
                kpi_id,
                dimension,
                dimension_value,
                count(*) as occurrences
            from entries
            group by goal, kpi_id, dimension, dimension_value
            having count(*) > 1
        )

        select
            goal,
            kpi_id,
            dimension,
            dimension_value,
            occurrences,
            'unique_entry' as rule,
            {{ kpikit.registry_failure_message(
                'unique_entry',
                dbt.concat([
                    "'registered '",
                    "cast(occurrences as " ~ dbt.type_string() ~ ")",
                    "' times (one row per goal, kpi_id and dimension filter)'",
                ]),
            ) }} as failure_message
        from repeated_entries
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model]) }}
{% endtest %}
