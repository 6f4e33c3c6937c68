{#-
    Where every raw row went, and the data-quality findings of the KPI layer, as row counts.
    Events are counted per received day by an incremental model, so a daily run does not classify
    the whole history again; the events tests of stg_raw__events_outcomes_daily compare its totals
    with the row-by-row classification.
-#}
with

users_classified as (
    select * from {{ ref('stg_raw__users_classified') }}
),

events_outcomes_daily as (
    select * from {{ ref('stg_raw__events_outcomes_daily') }}
),

survey_responses_classified as (
    select * from {{ ref('stg_raw__survey_responses_classified') }}
),

task_orphan_events as (
    select * from {{ ref('int_task_orphan_events') }}
),

survey_responses as (
    select * from {{ ref('fct_survey_responses') }}
),

row_outcomes as (
    select
        'users' as source_name,
        row_status as outcome,
        coalesce(quarantine_reason, 'none') as reason
    from users_classified
    union all
    select
        'survey_responses' as source_name,
        row_status as outcome,
        coalesce(quarantine_reason, 'none') as reason
    from survey_responses_classified
),

row_outcome_counts as (
    select
        source_name,
        outcome,
        reason,
        count(*) as row_count
    from row_outcomes
    group by source_name, outcome, reason
    union all
    select
        'events' as source_name,
        outcome,
        reason,
        sum(row_count) as row_count
    from events_outcomes_daily
    group by outcome, reason
    having sum(row_count) > 0
),

findings as (
    select
        'events' as source_name,
        'orphan_task_event' as outcome,
        'none' as reason,
        count(*) as row_count
    from task_orphan_events
    union all
    select
        'survey_responses' as source_name,
        'incomplete_sus_response' as outcome,
        'none' as reason,
        count(*) as row_count
    from survey_responses
    where not is_complete
),

final as (
    select
        cast(source_name as {{ dbt.type_string() }}) as source_name,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        outcome in ('used', 'duplicate', 'quarantined') as is_raw_row_outcome
    from row_outcome_counts
    union all
    select
        cast(source_name as {{ dbt.type_string() }}) as source_name,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        false as is_raw_row_outcome
    from findings
)

select * from final
