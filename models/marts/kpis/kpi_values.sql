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
