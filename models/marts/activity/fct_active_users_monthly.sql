with

active_users_daily as (
    select * from {{ ref('fct_active_users_daily') }}
),

user_days as (
    select * from {{ ref('fct_user_days') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

user_months as (
    select distinct
        user_id,
        activity_month
    from user_days
),

series_months as (
    select
        date_month,
        avg(cast(dau as {{ kpikit.type_double() }})) as average_dau,
        count(*) as series_day_count
    from active_users_daily
    group by date_month
),

monthly_active_users as (
    select
        activity_month,
        count(*) as mau
    from user_months
    group by activity_month
),

previous_month_users as (
    select
        previous_month.activity_month as previous_month,
        count(*) as previous_month_active_users,
        cast(
            sum(case when this_month.user_id is null then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as churned_users
    from user_months as previous_month
    left join user_months as this_month
        on
            previous_month.user_id = this_month.user_id
            and this_month.activity_month
            = cast({{ dbt.dateadd('month', 1, 'previous_month.activity_month') }} as date)
    group by previous_month.activity_month
),

final as (
    select
        series_months.date_month,
        coalesce(monthly_active_users.mau, 0) as mau,
        series_months.average_dau,
        {{ kpikit.safe_ratio('series_months.average_dau', 'monthly_active_users.mau') }}
            as stickiness,
        previous_month_users.previous_month_active_users,
        previous_month_users.churned_users,
        {{ kpikit.safe_ratio(
            'previous_month_users.churned_users',
            'previous_month_users.previous_month_active_users'
        ) }} as churn_rate,
        series_months.series_day_count,
        {{ kpikit.month_end('series_months.date_month') }} <= as_of_date.as_of_date
            as is_complete
    from series_months
    cross join as_of_date
    left join monthly_active_users
        on series_months.date_month = monthly_active_users.activity_month
    left join previous_month_users
        on
            series_months.date_month
            = cast({{ dbt.dateadd('month', 1, 'previous_month_users.previous_month') }} as date)
)

select * from final
