{#-
    Rebuilt every run, from int_feature_user_months (kept incrementally by month), not from a
    scan of every event.
-#}
with

feature_user_months as (
    select * from {{ ref('int_feature_user_months') }}
),

user_days as (
    select * from {{ ref('fct_user_days') }}
),

active_users_monthly as (
    select * from {{ ref('fct_active_users_monthly') }}
),

user_months as (
    select distinct
        user_id,
        activity_month
    from user_days
),

feature_adopters as (
    select
        feature_user_months.activity_month,
        feature_user_months.feature,
        count(*) as adopting_users
    from feature_user_months
    inner join user_months
        on
            feature_user_months.user_id = user_months.user_id
            and feature_user_months.activity_month = user_months.activity_month
    group by feature_user_months.activity_month, feature_user_months.feature
),

final as (
    select
        feature_adopters.activity_month,
        feature_adopters.feature,
        feature_adopters.adopting_users,
        active_users_monthly.mau,
        {{ kpikit.safe_ratio('feature_adopters.adopting_users', 'active_users_monthly.mau') }}
            as adoption_rate,
        active_users_monthly.is_complete
    from feature_adopters
    inner join active_users_monthly
        on feature_adopters.activity_month = active_users_monthly.date_month
)

select * from final
