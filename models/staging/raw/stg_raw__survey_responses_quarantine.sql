with

survey_responses_classified as (
    select * from {{ ref('stg_raw__survey_responses_classified') }}
),

survey_responses_quarantined as (
    select
        response_id,
        survey,
        user_id,
        item,
        score,
        quarantine_reason as reason,
        responded_at
    from survey_responses_classified
    where row_status = 'quarantined'
)

select * from survey_responses_quarantined
