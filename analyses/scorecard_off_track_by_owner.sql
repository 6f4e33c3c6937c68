-- What is off track or at risk, and who owns it: the list a weekly KPI review starts from,
-- worst first, with how far each KPI trails the progress expected by now.
with

kpi_scorecard as (
    select * from {{ ref('kpi_scorecard') }}
),

needs_attention as (
    select
        owner,
        goal,
        kpi_id,
        dimension,
        dimension_value,
        status,
        latest_value,
        baseline_value,
        target_value,
        progress,
        expected_progress,
        expected_progress - progress as progress_shortfall,
        is_low_sample,
        target_date,
        next_review_date
    from kpi_scorecard
    where status in ('off_track', 'at_risk') and not is_guardrail
)

select * from needs_attention
order by
    case status when 'off_track' then 1 else 2 end,
    progress_shortfall desc,
    owner asc
