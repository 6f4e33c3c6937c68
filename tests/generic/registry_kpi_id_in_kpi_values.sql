{#- KPI registry rule kpi_id_in_kpi_values: the kpi_id is published in `kpi_values` (a relation,
    e.g. ref('kpi_values')) at month grain, the grain the scorecard reads, and, when the row
    filters on a dimension, published with that dimension (e.g. task_id for the task KPIs). The
    dimension value itself is not checked: a task or feature with no data yet is allowed (its
    scorecard status is no_data). -#}
{% test registry_kpi_id_in_kpi_values(model, kpi_values) %}
    {%- set violations -%}
        with published_dimensions as (
            select distinct
                kpi_id,
                dimension
            from {{ kpi_values }}
            where grain = 'month'
        ),

        published_kpis as (
            select distinct kpi_id
            from published_dimensions
        )

        select
            registry.goal,
            registry.kpi_id,
            registry.dimension,
            registry.dimension_value,
            'kpi_id_in_kpi_values' as rule,
            {{ kpikit.registry_failure_message(
                'kpi_id_in_kpi_values',
                "case when published_kpis.kpi_id is null"
                ~ " then 'kpi_id is not in kpi_values at month grain (a typo, or a day-grain-only KPI such as wau)'"
                ~ " else 'kpi_values never publishes this kpi_id by dimension ''' || registry.dimension || '''' end",
                alias='registry',
            ) }} as failure_message
        from {{ model }} as registry
        left join published_kpis
            on registry.kpi_id = published_kpis.kpi_id
        left join published_dimensions
            on
                registry.kpi_id = published_dimensions.kpi_id
                and coalesce(registry.dimension, 'all') = published_dimensions.dimension
        where published_dimensions.kpi_id is null
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model, kpi_values]) }}
{% endtest %}
