with

survey_items as (
    select * from {{ ref('stg_raw__survey_responses') }}
),

responses as (
    select
        survey,
        response_id,
        min(user_id) as user_id,
        count(*) as item_count,
        max(case when survey in ('nps', 'csat') then score end) as score,
        case
            when survey = 'sus' and count(*) = 10
                then 2.5 * sum(case when mod(item, 2) = 1 then score - 1 else 5 - score end)
        end as sus_score,
        max(responded_at) as responded_at
    from survey_items
    group by survey, response_id
),

final as (
    select
        survey,
        response_id,
        user_id,
        item_count,
        score,
        cast(sus_score as {{ kpikit.type_double() }}) as sus_score,
        case
            when survey = 'nps' and score >= 9 then 'promoter'
            when survey = 'nps' and score >= 7 then 'passive'
            when survey = 'nps' then 'detractor'
        end as nps_category,
        survey = 'csat' and score >= 4 as is_csat_satisfied,
        survey != 'sus' or item_count = 10 as is_complete,
        {{ kpikit.month_start(kpikit.to_local_timestamp('responded_at')) }} as response_month,
        responded_at
    from responses
)

select * from final
