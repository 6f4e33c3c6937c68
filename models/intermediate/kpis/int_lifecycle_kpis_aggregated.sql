{%- set activation_window_days = var('activation_window_days') -%}

with

users as (
    select * from {{ ref('dim_users') }}
),

user_retention as (
    select * from {{ ref('fct_user_retention') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

activation_by_month as (
    select
        users.signup_month,
        count(*) as eligible_users,
        sum(case when users.is_activated then 1 else 0 end) as activated_users,
        {{ kpikit.median('case when users.is_activated then users.hours_to_activation end') }}
            as median_hours_to_activation,
        {{ kpikit.is_window_elapsed(
            kpikit.month_end('users.signup_month'), activation_window_days, 'as_of_date.as_of_date'
        ) }} as is_complete
    from users
    cross join as_of_date
    where users.is_activation_eligible
    group by users.signup_month, as_of_date.as_of_date
),

retention_by_month as (
    select
        user_retention.day_number,
        user_retention.signup_month,
        count(*) as eligible_users,
        sum(case when user_retention.is_retained then 1 else 0 end) as retained_users,
        cast({{ dbt.dateadd(
            'day', 'user_retention.day_number', kpikit.month_end('user_retention.signup_month')
        ) }} as date) <= as_of_date.as_of_date as is_complete
    from user_retention
    cross join as_of_date
    where user_retention.is_eligible
    group by user_retention.day_number, user_retention.signup_month, as_of_date.as_of_date
),

lifecycle_kpi_values as (
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='activation_rate',
            grain='month',
            period_start='signup_month',
            value=kpikit.safe_ratio('activated_users', 'eligible_users'),
            numerator='activated_users',
            denominator='eligible_users',
            sample_size='eligible_users',
            is_complete='is_complete'
        ) }}
    from activation_by_month
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='time_to_activation_hours',
            grain='month',
            period_start='signup_month',
            value='median_hours_to_activation',
            sample_size='activated_users',
            is_complete='is_complete'
        ) }}
    from activation_by_month
    where activated_users > 0
    {% for day_number in var('retention_days') %}
        union all
        select
            {{ kpikit.kpi_value_columns(
                kpi_id='retention_d' ~ day_number,
                grain='month',
                period_start='signup_month',
                value=kpikit.safe_ratio('retained_users', 'eligible_users'),
                numerator='retained_users',
                denominator='eligible_users',
                sample_size='eligible_users',
                is_complete='is_complete'
            ) }}
        from retention_by_month
        where day_number = {{ day_number }}
    {% endfor %}
)

select * from lifecycle_kpi_values
