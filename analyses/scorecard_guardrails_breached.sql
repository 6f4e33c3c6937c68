-- Guardrails breached in the latest complete month: counter-metrics that moved the wrong way
-- since their baseline by more than var `guardrail_tolerance`, beside the KPI they protect, so
-- a gain on that KPI is read together with what it cost.
with

kpi_scorecard as (
    select * from {{ ref('kpi_scorecard') }}
),

guardrails as (
    select * from kpi_scorecard
    where is_guardrail and guardrail_breached
),

protected_kpis as (
    select * from kpi_scorecard
    where not is_guardrail
),

breaches as (
    select
        guardrails.goal,
        guardrails.kpi_id as guardrail_kpi_id,
        guardrails.owner as guardrail_owner,
        guardrails.baseline_value as guardrail_baseline,
        guardrails.latest_value as guardrail_latest_value,
        guardrails.latest_value - guardrails.baseline_value as guardrail_change,
        guardrails.latest_period_start,
        protected_kpis.kpi_id as protected_kpi_id,
        protected_kpis.owner as protected_owner,
        protected_kpis.status as protected_status,
        protected_kpis.latest_value as protected_latest_value
    from guardrails
    left join protected_kpis
        on
            guardrails.goal = protected_kpis.goal
            and guardrails.guardrail_for = protected_kpis.kpi_id
)

select * from breaches
order by goal, guardrail_kpi_id
