{#- The raw survey_responses input as kpikit reads it: see _input__models.yml. -#}
with

survey_responses_input as (
    {{ kpikit.select_raw_input('survey_responses') | indent(4) }}
)

select * from survey_responses_input
