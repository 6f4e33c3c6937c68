with

users_classified as (
    select * from {{ ref('stg_raw__users_classified') }}
),

users_quarantined as (
    select
        user_id,
        country,
        plan,
        acquisition_channel,
        has_email,
        quarantine_reason as reason,
        created_at,
        updated_at
    from users_classified
    where row_status = 'quarantined'
)

select * from users_quarantined
