with

events as (
    select * from {{ ref('stg_raw__events') }}
),

as_of_date as (
    select max({{ kpikit.to_local_date('occurred_at') }}) as as_of_date
    from events
)

select * from as_of_date
