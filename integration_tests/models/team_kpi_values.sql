-- A KPI of the team's own, published in kpikit's kpi_values (var kpikit_custom_kpis): the share
-- of each month's sign-ups on a paid plan, from kpikit's public dim_users mart, overall and by
-- acquisition channel (a custom KPI chooses its own dimensions).
with

users as (
    select * from {{ ref('dim_users') }}
),

users_by_dimension as (
    select
        signup_month,
        'all' as dimension,
        'all' as dimension_value,
        plan
    from users
    union all
    select
        signup_month,
        'acquisition_channel' as dimension,
        coalesce(acquisition_channel, 'unknown') as dimension_value,
        plan
    from users
),

monthly as (
    select
        signup_month,
        dimension,
        dimension_value,
        count(*) as signups,
        sum(case when plan in ('pro', 'team', 'enterprise') then 1 else 0 end) as paid_signups
    from users_by_dimension
    group by signup_month, dimension, dimension_value
)

select
    'paid_signup_share' as kpi_id,
    'month' as grain,
    signup_month as period_start,
    dimension,
    dimension_value,
    1.0 * paid_signups / signups as value,
    paid_signups as numerator,
    signups as denominator,
    signups as sample_size,
    null as ci_low,
    null as ci_high,
    true as is_complete
from monthly
