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

retention_targets as (
    {% for day_number in var('retention_days') %}
        select
            user_id,
            {{ day_number }} as day_number,
            signup_day,
            signup_month,
            cast({{ dbt.dateadd('day', day_number, 'signup_day') }} as date) as target_day
        from users
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        retention_targets.user_id,
        retention_targets.day_number,
        retention_targets.target_day <= as_of_date.as_of_date as is_eligible,
        user_days.user_id is not null as is_retained,
        retention_targets.signup_day,
        retention_targets.signup_month,
        retention_targets.target_day
    from retention_targets
    cross join as_of_date
    left join user_days
        on
            retention_targets.user_id = user_days.user_id
            and retention_targets.target_day = user_days.activity_day
)

select * from final
