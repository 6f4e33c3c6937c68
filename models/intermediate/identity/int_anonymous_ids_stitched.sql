with

events as (
    select * from {{ ref('stg_raw__events') }}
),

identified_sightings as (
    select
        anonymous_id,
        user_id,
        occurred_at,
        row_number() over (
            partition by anonymous_id
            order by occurred_at, user_id
        ) as sighting_rank
    from events
    where anonymous_id is not null and user_id is not null
),

anonymous_ids_stitched as (
    select
        anonymous_id,
        user_id,
        occurred_at as first_identified_at
    from identified_sightings
    where sighting_rank = 1
)

select * from anonymous_ids_stitched
