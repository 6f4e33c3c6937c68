{%- set window_days = var('activation_window_days') -%}

with

users as (
    select * from {{ ref('stg_raw__users') }}
),

activation_events as (
    select * from {{ ref('int_activation_events') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

first_activations as (
    select
        users.user_id,
        min(activation_events.occurred_at) as activated_at
    from users
    inner join activation_events
        on
            users.user_id = activation_events.resolved_user_id
            and users.created_at <= activation_events.occurred_at
            and activation_events.occurred_at
            < {{ dbt.dateadd('day', window_days, 'users.created_at') }}
    group by users.user_id
),

users_with_activation as (
    select
        users.user_id,
        users.country,
        users.plan,
        users.acquisition_channel,
        {{ kpikit.to_local_date('users.created_at') }} as signup_day,
        first_activations.activated_at is not null as is_activated,
        {{ kpikit.seconds_between('users.created_at', 'first_activations.activated_at') }}
        / 3600.0 as hours_to_activation,
        users.has_email,
        users.created_at,
        first_activations.activated_at
    from users
    left join first_activations on users.user_id = first_activations.user_id
),

final as (
    select
        users_with_activation.user_id,
        users_with_activation.country,
        users_with_activation.plan,
        users_with_activation.acquisition_channel,
        users_with_activation.hours_to_activation,
        users_with_activation.is_activated,
        {{ kpikit.is_window_elapsed(
            'users_with_activation.signup_day', window_days, 'as_of_date.as_of_date'
        ) }} as is_activation_eligible,
        users_with_activation.has_email,
        users_with_activation.signup_day,
        {{ kpikit.month_start('users_with_activation.signup_day') }} as signup_month,
        cast({{ dbt.date_trunc('week', 'users_with_activation.signup_day') }} as date)
            as signup_week,
        users_with_activation.created_at,
        users_with_activation.activated_at
    from users_with_activation
    cross join as_of_date
)

select * from final
