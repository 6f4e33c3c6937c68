-- The conversion funnel by entry month: persons (anonymous visitors included) reaching each
-- step within the window, the share of entrants, and the step-to-step conversion.
with

person_steps as (
    select * from {{ ref('fct_funnel_person_steps') }}
),

funnel_entries as (
    select * from {{ ref('fct_funnel_entries') }}
),

step_counts as (
    select
        funnel_entries.entry_month,
        person_steps.step_number,
        person_steps.step_name,
        count(*) as persons_reaching_step
    from person_steps
    inner join funnel_entries
        on
            person_steps.person_type = funnel_entries.person_type
            and person_steps.person_id = funnel_entries.person_id
    where person_steps.is_within_window and funnel_entries.is_eligible
    group by funnel_entries.entry_month, person_steps.step_number, person_steps.step_name
),

final as (
    select
        entry_month,
        step_number,
        step_name,
        persons_reaching_step,
        {{ kpikit.safe_ratio(
            'persons_reaching_step',
            'first_value(persons_reaching_step) over (partition by entry_month order by step_number)'
        ) }} as share_of_entrants,
        {{ kpikit.safe_ratio(
            'persons_reaching_step',
            'lag(persons_reaching_step) over (partition by entry_month order by step_number)'
        ) }} as step_conversion
    from step_counts
)

select * from final
order by entry_month, step_number
