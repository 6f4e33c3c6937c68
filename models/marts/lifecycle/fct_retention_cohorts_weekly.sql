with

users as (
    select * from {{ ref('dim_users') }}
),

user_days as (
    select * from {{ ref('fct_user_days') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

cohort_sizes as (
    select
        signup_week,
        count(*) as cohort_users
    from users
    group by signup_week
),

user_days_since_signup as (
    select
        users.signup_week,
        users.user_id,
        {{ dbt.datediff(
            'users.signup_day', 'user_days.activity_day', 'day'
        ) }} as days_since_signup
    from users
    inner join user_days
        on
            users.user_id = user_days.user_id
            and users.signup_day <= user_days.activity_day
),

user_weeks_active as (
    select distinct
        signup_week,
        user_id,
        cast(floor(days_since_signup / 7) as {{ dbt.type_int() }}) as weeks_since_signup
    from user_days_since_signup
),

week_numbers as (
    select distinct weeks_since_signup
    from user_weeks_active
),

cohort_weeks as (
    select
        cohort_sizes.signup_week,
        cohort_sizes.cohort_users,
        week_numbers.weeks_since_signup,
        {#- The cohort's earliest and latest member reach this week on these days. -#}
        cast({{ dbt.dateadd(
            'day', '7 * week_numbers.weeks_since_signup', 'cohort_sizes.signup_week'
        ) }} as date) as first_member_week_start,
        cast({{ dbt.dateadd(
            'day', '7 * week_numbers.weeks_since_signup + 12', 'cohort_sizes.signup_week'
        ) }} as date) as last_member_week_end
    from cohort_sizes
    cross join week_numbers
),

active_counts as (
    select
        signup_week,
        weeks_since_signup,
        count(*) as active_users
    from user_weeks_active
    group by signup_week, weeks_since_signup
),

final as (
    select
        cohort_weeks.signup_week,
        cohort_weeks.weeks_since_signup,
        cohort_weeks.cohort_users,
        coalesce(active_counts.active_users, 0) as active_users,
        {{ kpikit.safe_ratio(
            'coalesce(active_counts.active_users, 0)', 'cohort_weeks.cohort_users'
        ) }} as retention_rate,
        cohort_weeks.last_member_week_end <= as_of_date.as_of_date as is_complete
    from cohort_weeks
    cross join as_of_date
    left join active_counts
        on
            cohort_weeks.signup_week = active_counts.signup_week
            and cohort_weeks.weeks_since_signup = active_counts.weeks_since_signup
    where cohort_weeks.first_member_week_start <= as_of_date.as_of_date
)

select * from final
