with

active_users_daily as (
    select * from {{ ref('fct_active_users_daily') }}
),

active_users_monthly as (
    select * from {{ ref('fct_active_users_monthly') }}
),

feature_adoption_monthly as (
    select * from {{ ref('fct_feature_adoption_monthly') }}
),

activity_kpi_values as (
    {% for kpi_id in ['dau', 'wau', 'mau'] %}
        select
            {{ kpikit.kpi_value_columns(
                kpi_id=kpi_id,
                grain='day',
                period_start='date_day',
                value=kpi_id,
                sample_size=kpi_id,
                is_complete='true'
            ) }}
        from active_users_daily
        union all
    {% endfor %}
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='stickiness',
            grain='day',
            period_start='date_day',
            value='stickiness',
            numerator='dau',
            denominator='mau',
            sample_size='mau',
            is_complete='true'
        ) }}
    from active_users_daily
    where mau > 0
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='mau',
            grain='month',
            period_start='date_month',
            value='mau',
            sample_size='mau',
            is_complete='is_complete'
        ) }}
    from active_users_monthly
    where mau > 0
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='dau',
            grain='month',
            period_start='date_month',
            value='average_dau',
            sample_size='mau',
            is_complete='is_complete'
        ) }}
    from active_users_monthly
    where mau > 0
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='stickiness',
            grain='month',
            period_start='date_month',
            value='stickiness',
            numerator='average_dau',
            denominator='mau',
            sample_size='mau',
            is_complete='is_complete'
        ) }}
    from active_users_monthly
    where mau > 0
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='churn_rate',
            grain='month',
            period_start='date_month',
            value='churn_rate',
            numerator='churned_users',
            denominator='previous_month_active_users',
            sample_size='previous_month_active_users',
            is_complete='is_complete'
        ) }}
    from active_users_monthly
    where is_complete and previous_month_active_users > 0
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='feature_adoption_rate',
            grain='month',
            period_start='activity_month',
            dimension="'feature'",
            dimension_value='feature',
            value='adoption_rate',
            numerator='adopting_users',
            denominator='mau',
            sample_size='mau',
            is_complete='is_complete'
        ) }}
    from feature_adoption_monthly
)

select * from activity_kpi_values
