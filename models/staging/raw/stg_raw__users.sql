{{ config(post_hook="{{ kpikit.require_valid_rows('users') }}") }}

-- depends_on: {{ ref('stg_raw__users_quarantine') }}

with

users_classified as (
    select * from {{ ref('stg_raw__users_classified') }}
),

users_used as (
    select
        user_id,
        country,
        plan,
        acquisition_channel,
        has_email,
        created_at,
        updated_at
    from users_classified
    where row_status = 'used'
)

select * from users_used
