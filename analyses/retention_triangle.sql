-- The retention triangle: one row per sign-up week, one column per week since sign-up (0 to 8),
-- each the share of the cohort active in that week. Blank where the week has not been reached.
with

cohorts as (
    select * from {{ ref('fct_retention_cohorts_weekly') }}
),

final as (
    select
        signup_week,
        {%- for week in range(9) %}
            max(case when weeks_since_signup = {{ week }} then retention_rate end)
                as week_{{ week }},
        {%- endfor %}
        max(cohort_users) as cohort_users
    from cohorts
    group by signup_week
)

select * from final
order by signup_week
