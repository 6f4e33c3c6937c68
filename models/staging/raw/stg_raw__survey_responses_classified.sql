{#-
    One row per raw survey_responses row (answered item), typed, with its fate: used, duplicate
    or quarantined. Validation comes first; a valid row repeated with the same response_id,
    survey and item counts once (the earliest responded_at copy).
-#}
with

survey_responses_source as (
    select * from {{ ref('stg_input__survey_responses') }}
),

survey_responses_typed as (
    select
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        {#- The survey's name in kpikit's terms (var survey_names); any other name stays as
            delivered, and is quarantined as unknown_survey. -#}
        case cast(survey as {{ dbt.type_string() }})
            {%- for kpi_name, delivered_name in var('survey_names').items() %}
                when '{{ delivered_name | replace("'", "''") }}' then '{{ kpi_name }}'
            {%- endfor %}
            when 'nps' then 'nps (not a survey_names value)'
            when 'csat' then 'csat (not a survey_names value)'
            when 'sus' then 'sus (not a survey_names value)'
            else cast(survey as {{ dbt.type_string() }})
        end as survey,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        {#- Read as delivered (doubles): a whole number becomes the integer item or score, and
            anything else (4.5, NaN, inf, out of any range) is quarantined below, never
            rounded. -#}
        cast(item as {{ kpikit.type_double() }}) as item_number,
        cast(score as {{ kpikit.type_double() }}) as score_number,
        case
            when {{ kpikit.is_whole_number('item') }} and abs(item) < 1000000
                then cast(item as {{ dbt.type_int() }})
        end as item,
        case
            when {{ kpikit.is_whole_number('score') }} and abs(score) < 1000000
                then cast(score as {{ dbt.type_int() }})
        end as score,
        cast(responded_at as {{ dbt.type_timestamp() }}) as responded_at,
        unreadable_column
    from survey_responses_source
),

survey_responses_validated as (
    select
        *,
        case
            when response_id is null then 'null_response_id'
            when unreadable_column = 'responded_at' then 'unreadable_responded_at'
            when responded_at is null then 'null_responded_at'
            when {{ kpikit.is_in_future('responded_at') }} then 'responded_in_future'
            when survey is null or survey not in ('nps', 'csat', 'sus') then 'unknown_survey'
            when unreadable_column = 'item' then 'unreadable_item'
            when
                item_number is not null and not {{ kpikit.is_whole_number('item_number') }}
                then 'item_not_whole_number'
            when
                item is null
                or (survey in ('nps', 'csat') and item != 1)
                or (survey = 'sus' and (item < 1 or item > 10))
                then 'item_out_of_range'
            when unreadable_column = 'score' then 'unreadable_score'
            when score_number is null then 'null_score'
            when not {{ kpikit.is_whole_number('score_number') }} then 'score_not_whole_number'
            when score is null then 'score_out_of_range'
            when
                (survey = 'nps' and (score < 0 or score > 10))
                or (survey in ('csat', 'sus') and (score < 1 or score > 5))
                then 'score_out_of_range'
        end as quarantine_reason
    from survey_responses_typed
),

survey_responses_ranked as (
    select
        *,
        row_number() over (
            partition by response_id, survey, item, quarantine_reason
            order by responded_at, score, user_id
        ) as copy_rank
    from survey_responses_validated
),

survey_responses_classified as (
    select
        response_id,
        survey,
        user_id,
        item,
        score,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when copy_rank = 1 then 'used'
            else 'duplicate'
        end as row_status,
        responded_at
    from survey_responses_ranked
)

select * from survey_responses_classified
