-- Every KPI, overall, month by month, with the previous month's value and the change:
-- the trend a dashboard starts from. Incomplete months are flagged, not hidden.
with

kpi_values as (
    select * from {{ ref('kpi_values') }}
),

monthly_values as (
    select
        kpi_id,
        period_start,
        value,
        sample_size,
        ci_low,
        ci_high,
        is_complete,
        lag(value) over (partition by kpi_id order by period_start) as previous_value
    from kpi_values
    where grain = 'month' and dimension = 'all'
),

final as (
    select
        kpi_id,
        period_start,
        value,
        previous_value,
        value - previous_value as change_from_previous,
        sample_size,
        ci_low,
        ci_high,
        is_complete
    from monthly_values
)

select * from final
order by kpi_id, period_start
