{#-
    The next review of a KPI after a date, from its review cadence, as a date: `weekly` the next
    Monday, `monthly` the first day of the next month, `quarterly` the first day of the next
    calendar quarter, always strictly after `as_of_date` (reviews look at complete data, so a
    review falls the day after the data it reads at the earliest). Another cadence gives null.
    Both arguments are SQL expressions (a text column and a date).
-#}
{% macro next_review_date(cadence, as_of_date) -%}
    {%- set monday = "cast('1970-01-05' as date)" -%}
    {%- set days_since_monday = 'mod(' ~ dbt.datediff(monday, as_of_date, 'day') ~ ', 7)' -%}
    (case {{ cadence }}
        when 'weekly'
            then cast({{ dbt.dateadd('day', '7 - ' ~ days_since_monday, as_of_date) }} as date)
        when 'monthly'
            then cast({{ dbt.dateadd('month', 1, kpikit.month_start(as_of_date)) }} as date)
        when 'quarterly'
            then cast({{ dbt.dateadd('month', 3, dbt.date_trunc('quarter', as_of_date)) }} as date)
    end)
{%- endmacro %}
