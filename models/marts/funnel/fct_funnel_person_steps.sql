{#- The public copy of int_funnel_person_steps (maintained incrementally), without its
    bookkeeping columns. A table, not a view: a DuckDB view names the warehouse's catalog, so it
    would not resolve in a copy attached under another name (kpikit publish, a BI tool). -#}
with

person_steps as (
    select * from {{ ref('int_funnel_person_steps') }}
),

final as (
    select
        person_type,
        person_id,
        step_number,
        step_name,
        is_last_step,
        is_within_window,
        entered_at,
        reached_at
    from person_steps
)

select * from final
