{%- set window_days = var('conversion_window_days') -%}

with

funnel_entries as (
    select * from {{ ref('fct_funnel_entries') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

conversion_by_month as (
    select
        funnel_entries.entry_month,
        count(*) as eligible_entrants,
        sum(case when funnel_entries.is_converted then 1 else 0 end) as converted_entrants,
        {{ kpikit.is_window_elapsed(
            kpikit.month_end('funnel_entries.entry_month'), window_days, 'as_of_date.as_of_date'
        ) }} as is_complete
    from funnel_entries
    cross join as_of_date
    where funnel_entries.is_eligible
    group by funnel_entries.entry_month, as_of_date.as_of_date
),

conversion_kpi_values as (
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='conversion_rate',
            grain='month',
            period_start='entry_month',
            value=kpikit.safe_ratio('converted_entrants', 'eligible_entrants'),
            numerator='converted_entrants',
            denominator='eligible_entrants',
            sample_size='eligible_entrants',
            is_complete='is_complete'
        ) }}
    from conversion_by_month
)

select * from conversion_kpi_values
