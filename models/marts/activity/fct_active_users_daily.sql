with

user_days as (
    select * from {{ ref('fct_user_days') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

series_days as (
    {{ kpikit.date_spine(
        '(select min(activity_day) from user_days)',
        '(select as_of_date from as_of_date)'
    ) }}
),

daily_active_users as (
    select
        activity_day,
        count(*) as dau
    from user_days
    group by activity_day
),

weekly_active_users as (
    {{ kpikit.trailing_distinct_count('user_days', 'user_id', 'activity_day', 'series_days', 7) }}
),

monthly_active_users as (
    {{ kpikit.trailing_distinct_count(
        'user_days', 'user_id', 'activity_day', 'series_days', var('mau_window_days')
    ) }}
),

final as (
    select
        series_days.date_day,
        {{ kpikit.month_start('series_days.date_day') }} as date_month,
        coalesce(daily_active_users.dau, 0) as dau,
        weekly_active_users.distinct_count as wau,
        monthly_active_users.distinct_count as mau,
        {{ kpikit.safe_ratio(
            'coalesce(daily_active_users.dau, 0)', 'monthly_active_users.distinct_count'
        ) }} as stickiness
    from series_days
    left join daily_active_users on series_days.date_day = daily_active_users.activity_day
    left join weekly_active_users on series_days.date_day = weekly_active_users.date_day
    left join monthly_active_users on series_days.date_day = monthly_active_users.date_day
)

select * from final
