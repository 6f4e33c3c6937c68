{{ config(post_hook="{{ kpikit.require_valid_rows('survey_responses') }}") }}

-- depends_on: {{ ref('stg_raw__survey_responses_quarantine') }}

with

survey_responses_classified as (
    select * from {{ ref('stg_raw__survey_responses_classified') }}
),

survey_responses_used as (
    select
        response_id,
        survey,
        user_id,
        item,
        score,
        responded_at
    from survey_responses_classified
    where row_status = 'used'
)

select * from survey_responses_used
