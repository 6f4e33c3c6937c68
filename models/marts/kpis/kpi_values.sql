with

task_kpi_values as (
    select * from {{ ref('int_task_kpis_aggregated') }}
),

activity_kpi_values as (
    select * from {{ ref('int_activity_kpis_aggregated') }}
),

lifecycle_kpi_values as (
    select * from {{ ref('int_lifecycle_kpis_aggregated') }}
),

survey_kpi_values as (
    select * from {{ ref('int_survey_kpis_aggregated') }}
),

conversion_kpi_values as (
    select * from {{ ref('int_conversion_kpis_aggregated') }}
),

{#- The KPIs of the user's own models (var kpikit_custom_kpis), in the same columns. -#}
{%- for custom in var('kpikit_custom_kpis') %}

    custom_kpi_values_{{ loop.index }} as (
        select * from {{ ref(custom['model']) }}
    ),
{%- endfor %}

all_kpi_values as (
    select * from task_kpi_values
    union all
    select * from activity_kpi_values
    union all
    select * from lifecycle_kpi_values
    union all
    select * from survey_kpi_values
    union all
    select * from conversion_kpi_values
    {%- for custom in var('kpikit_custom_kpis') %}
        union all
        select
            cast(kpi_id as {{ dbt.type_string() }}) as kpi_id,
            cast(grain as {{ dbt.type_string() }}) as grain,
            cast(period_start as date) as period_start,
            cast(dimension as {{ dbt.type_string() }}) as dimension,
            cast(dimension_value as {{ dbt.type_string() }}) as dimension_value,
            cast(value as {{ kpikit.type_double() }}) as value,
            cast(numerator as {{ kpikit.type_double() }}) as numerator,
            cast(denominator as {{ kpikit.type_double() }}) as denominator,
            cast(sample_size as {{ dbt.type_bigint() }}) as sample_size,
            cast(ci_low as {{ kpikit.type_double() }}) as ci_low,
            cast(ci_high as {{ kpikit.type_double() }}) as ci_high,
            cast(is_complete as {{ dbt.type_boolean() }}) as is_complete
        from custom_kpi_values_{{ loop.index }}
    {%- endfor %}
),

final as (
    select
        kpi_id,
        grain,
        period_start,
        dimension,
        dimension_value,
        value,
        numerator,
        denominator,
        sample_size,
        ci_low,
        ci_high,
        is_complete
    from all_kpi_values
)

select * from final
