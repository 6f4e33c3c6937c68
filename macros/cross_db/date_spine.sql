{#- A select of one row per date from start_date to end_date inclusive, in a column `date_day`.
    Both arguments are SQL expressions evaluated once (scalar subqueries are fine). -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'kpikit')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    {#- Portable: day offsets 0 .. 99 999 from cross-joined digits, cut at end_date. -#}
    with digits as (
        select 0 as digit union all select 1 union all select 2 union all select 3
        union all select 4 union all select 5 union all select 6 union all select 7
        union all select 8 union all select 9
    ),

    day_offsets as (
        select
            ones.digit
            + 10 * tens.digit
            + 100 * hundreds.digit
            + 1000 * thousands.digit
            + 10000 * ten_thousands.digit as day_offset
        from digits as ones
        cross join digits as tens
        cross join digits as hundreds
        cross join digits as thousands
        cross join digits as ten_thousands
    )

    select cast({{ dbt.dateadd('day', 'day_offset', start_date) }} as date) as date_day
    from day_offsets
    where day_offset <= {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro duckdb__date_spine(start_date, end_date) -%}
    select cast(generated.date_day as date) as date_day
    from generate_series(
        cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day
    ) as generated (date_day)
{%- endmacro %}

{% macro postgres__date_spine(start_date, end_date) -%}
    {#- Timestamps without time zone: a series of dates would step through timestamptz, in the
        session's time zone. -#}
    select cast(generated.date_day as date) as date_day
    from generate_series(
        cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 day'
    ) as generated (date_day)
{%- endmacro %}
