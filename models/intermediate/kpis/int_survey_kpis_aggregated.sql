with

survey_responses as (
    select * from {{ ref('fct_survey_responses') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

monthly_survey_stats as (
    select
        survey_responses.survey,
        survey_responses.response_month,
        count(*) as responses,
        sum(case when survey_responses.nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when survey_responses.nps_category = 'detractor' then 1 else 0 end) as detractors,
        sum(case when survey_responses.is_csat_satisfied then 1 else 0 end) as satisfied,
        avg(survey_responses.sus_score) as mean_sus_score,
        {{ kpikit.mean_interval_bound('survey_responses.sus_score', 'lower') }} as sus_ci_low,
        {{ kpikit.mean_interval_bound('survey_responses.sus_score', 'upper') }} as sus_ci_high,
        {{ kpikit.month_end('survey_responses.response_month') }} <= as_of_date.as_of_date
            as is_complete
    from survey_responses
    cross join as_of_date
    where survey_responses.is_complete
    group by survey_responses.survey, survey_responses.response_month, as_of_date.as_of_date
),

survey_kpi_values as (
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='nps',
            grain='month',
            period_start='response_month',
            value='100.0 * (promoters - detractors) / responses',
            sample_size='responses',
            ci_low=kpikit.nps_interval_bound('promoters', 'detractors', 'responses', 'lower'),
            ci_high=kpikit.nps_interval_bound('promoters', 'detractors', 'responses', 'upper'),
            is_complete='is_complete'
        ) }}
    from monthly_survey_stats
    where survey = 'nps'
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='csat',
            grain='month',
            period_start='response_month',
            value='100.0 * ' ~ kpikit.safe_ratio('satisfied', 'responses'),
            numerator='satisfied',
            denominator='responses',
            sample_size='responses',
            is_complete='is_complete'
        ) }}
    from monthly_survey_stats
    where survey = 'csat'
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='sus',
            grain='month',
            period_start='response_month',
            value='mean_sus_score',
            sample_size='responses',
            ci_low='sus_ci_low',
            ci_high='sus_ci_high',
            is_complete='is_complete'
        ) }}
    from monthly_survey_stats
    where survey = 'sus'
)

select * from survey_kpi_values
