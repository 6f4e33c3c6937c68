{#- One row per KPI per goal of the KPI registry: see _registry__models.yml. -#}
{%- set registry = kpikit.registry_relation() %}

with

kpi_registry as (
    {% if registry is none -%}
        {#- kpikit installed as a package without var kpikit_registry: no entry. -#}
        select
            null as goal,
            null as kpi_id,
            null as dimension,
            null as dimension_value,
            null as level,
            null as owner,
            null as indicator_type,
            null as direction,
            null as unit,
            null as baseline_value,
            null as baseline_period_start,
            null as target_value,
            null as target_date,
            null as review_cadence,
            null as guardrail_for
        where 1 = 0
    {%- else -%}
        select * from {{ registry }}
    {%- endif %}
),

registry_entries as (
    select
        cast(goal as {{ dbt.type_string() }}) as goal,
        cast(kpi_id as {{ dbt.type_string() }}) as kpi_id,
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(dimension_value as {{ dbt.type_string() }}) as dimension_value,
        cast(level as {{ dbt.type_string() }}) as level,  -- noqa: RF04
        cast(owner as {{ dbt.type_string() }}) as owner,  -- noqa: RF04
        cast(indicator_type as {{ dbt.type_string() }}) as indicator_type,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(baseline_value as {{ kpikit.type_double() }}) as baseline_value,
        cast(baseline_period_start as date) as baseline_period_start,
        cast(target_value as {{ kpikit.type_double() }}) as target_value,
        cast(target_date as date) as target_date,
        cast(review_cadence as {{ dbt.type_string() }}) as review_cadence,
        cast(guardrail_for as {{ dbt.type_string() }}) as guardrail_for
    from kpi_registry
)

select * from registry_entries
