{%- set window_days = var('conversion_window_days') -%}

with

person_steps as (
    select * from {{ ref('fct_funnel_person_steps') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

entries as (
    select
        person_type,
        person_id,
        max(case when step_number = 1 then reached_at end) as entered_at,
        max(case when is_last_step and is_within_window then reached_at end) as converted_at,
        max(case when is_within_window then step_number else 0 end) as last_step_reached
    from person_steps
    group by person_type, person_id
),

entries_with_days as (
    select
        *,
        {{ kpikit.to_local_date('entered_at') }} as entry_day
    from entries
),

final as (
    select
        entries_with_days.person_type,
        entries_with_days.person_id,
        entries_with_days.last_step_reached,
        entries_with_days.converted_at is not null as is_converted,
        {{ kpikit.is_window_elapsed(
            'entries_with_days.entry_day', window_days, 'as_of_date.as_of_date'
        ) }} as is_eligible,
        entries_with_days.entry_day,
        {{ kpikit.month_start('entries_with_days.entry_day') }} as entry_month,
        entries_with_days.entered_at,
        entries_with_days.converted_at
    from entries_with_days
    cross join as_of_date
)

select * from final
