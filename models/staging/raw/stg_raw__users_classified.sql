{#-
    One row per raw users row (account export), typed, with its fate: used, duplicate or
    quarantined. Validation comes first; among valid rows of a user_id the latest updated_at wins.
    The email is reduced to has_email here: personal data goes no further.
-#}
with

users_source as (
    select * from {{ ref('stg_input__users') }}
),

users_typed as (
    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(plan as {{ dbt.type_string() }}) as plan,
        cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        email is not null as has_email,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        unreadable_column
    from users_source
),

users_validated as (
    select
        *,
        case
            when user_id is null then 'null_user_id'
            when unreadable_column = 'created_at' then 'unreadable_created_at'
            when created_at is null then 'null_created_at'
            when unreadable_column = 'updated_at' then 'unreadable_updated_at'
            when {{ kpikit.is_in_future('created_at') }} then 'created_in_future'
            when {{ kpikit.is_in_future('updated_at') }} then 'updated_in_future'
        end as quarantine_reason
    from users_typed
),

users_ranked as (
    select
        *,
        row_number() over (
            partition by user_id, quarantine_reason
            order by
                case when updated_at is null then 1 else 0 end,
                updated_at desc,
                created_at desc,
                country asc,
                plan asc,
                acquisition_channel asc
        ) as export_rank
    from users_validated
),

users_classified as (
    select
        user_id,
        country,
        plan,
        acquisition_channel,
        has_email,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when export_rank = 1 then 'used'
            else 'duplicate'
        end as row_status,
        created_at,
        updated_at
    from users_ranked
)

select * from users_classified
