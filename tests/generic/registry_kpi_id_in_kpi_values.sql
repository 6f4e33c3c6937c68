{#- KPI registry rule kpi_id_in_kpi_values: the kpi_id is a KPI kpi_values publishes at month
    grain, the grain the scorecard reads (kpikit.kpi_ids(), your own KPIs of var
    kpikit_custom_kpis included; not wau, which is day grain only), and, when the row filters on
    a dimension, one it is published by (task_id for the task KPIs, feature for
    feature_adoption_rate; for your own KPIs, any dimension their rows have). Known KPIs are
    checked against the catalog, not the data: a KPI, task or feature with no data yet is
    allowed, and its scorecard status is no_data. `kpi_values` (a relation, e.g.
    ref('kpi_values')) gives the dimensions of your own KPIs. -#}
{% test registry_kpi_id_in_kpi_values(model, kpi_values) %}
    {%- set builtin_ids = kpikit.kpi_ids(include_custom=false) -%}
    {%- set custom_ids = kpikit.kpi_ids() | reject('in', builtin_ids) | list -%}
    {%- set violations -%}
        with known_dimensions as (
            {%- for kpi_id in builtin_ids if kpi_id != 'wau' %}
                {%- for dimension in kpikit.kpi_dimensions(kpi_id) %}
                    select
                        '{{ kpi_id }}' as kpi_id,
                        '{{ dimension }}' as dimension
                    {{ 'union all' if not loop.last }}
                {%- endfor %}
                {{ 'union all' if not loop.last }}
            {%- endfor %}
            {%- if custom_ids %}
                union all
                select distinct
                    kpi_id,
                    dimension
                from {{ kpi_values }}
                where kpi_id in ('{{ custom_ids | join("', '") }}')
            {%- endif %}
        )

        select
            registry.goal,
            registry.kpi_id,
            registry.dimension,
            registry.dimension_value,
            'kpi_id_in_kpi_values' as rule,
            {{ kpikit.registry_failure_message(
                'kpi_id_in_kpi_values',
                "case when registry.kpi_id = 'wau'"
                ~ " then 'wau is published at day grain only; the scorecard reads months (use mau or dau)'"
                ~ " when registry.kpi_id not in ('" ~ kpikit.kpi_ids() | join("', '") ~ "')"
                ~ " then 'unknown kpi_id: not a KPI kpi_values publishes (a typo?)'"
                ~ " else 'kpi_values never publishes this kpi_id by dimension ''' || coalesce(registry.dimension, 'all') || '''' end",
                alias='registry',
            ) }} as failure_message
        from {{ model }} as registry
        left join known_dimensions
            on
                registry.kpi_id = known_dimensions.kpi_id
                and coalesce(registry.dimension, 'all') = known_dimensions.dimension
        where
            known_dimensions.kpi_id is null
            {%- if custom_ids %}
                {#- Your own KPI with no row yet: nothing to check its dimension against. #}
                and not (
                    registry.kpi_id in ('{{ custom_ids | join("', '") }}')
                    and not exists (
                        select 1 from {{ kpi_values }} as published
                        where published.kpi_id = registry.kpi_id
                    )
                )
            {%- endif %}
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model, kpi_values]) }}
{% endtest %}
