-- A KPI of the team's own, published in kpikit's kpi_values (var kpikit_custom_kpis): the share
-- of each month's sign-ups on a paid plan, from kpikit's public dim_users mart.
with

users as (
    select * from {{ ref('dim_users') }}
),

monthly as (
    select
        signup_month,
        count(*) as signups,
        sum(case when plan in ('pro', 'team', 'enterprise') then 1 else 0 end) as paid_signups
    from users
    group by signup_month
)

select
    'paid_signup_share' as kpi_id,
    'month' as grain,
    signup_month as period_start,
    'all' as dimension,
    'all' as dimension_value,
    1.0 * paid_signups / signups as value,
    paid_signups as numerator,
    signups as denominator,
    signups as sample_size,
    null as ci_low,
    null as ci_high,
    true as is_complete
from monthly
