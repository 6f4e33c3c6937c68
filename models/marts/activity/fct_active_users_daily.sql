{#-
    Incremental without bookkeeping columns (macros/incremental/mart_load_marks.sql): a run
    rewrites the rows from the first day it must (active_users_recompute_from: the first day
    with a user-day loaded since the mart's load mark, the day after its last row, or the day
    after the as-of date), after the pre-hook deleted them. Those rows are computed from the
    user-days of the trailing window before that day on, so a daily run reads a few weeks of
    user-days, not all of them. A day before it keeps its row: its dau and windows depend only
    on user-days up to that day, and a day's user-days are rewritten together, with a new load
    mark, whenever one of its events changes (a day never loses all its users: a user is only
    ever resolved, never unresolved). The load mark is kept per value of var mau_window_days,
    so a run with another value finds no mark and rewrites every row.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpikit.delete_active_users_daily_rewritten() }}",
    post_hook="{{ kpikit.record_mart_load(kpikit.active_users_daily_settings()) }}",
) }}

{#- Referenced outside the incremental branch, so dbt always knows the dependency. -#}
{%- set load_marks = ref('int_mart_load_marks') %}
{%- set user_days_relation = ref('fct_user_days') %}
{%- set as_of_date_relation = ref('int_as_of_date') %}
{%- set window_days = [7, var('mau_window_days') | int] | max %}
{%- if is_incremental() %}
    {%- set recompute_from = kpikit.active_users_recompute_from(
        user_days_relation, as_of_date_relation, load_marks
    ) %}
    {#- The trailing windows of the rewritten days reach this far back. #}
    {%- set read_from -%}
        cast({{ dbt.dateadd('day', -1 * window_days, recompute_from) }} as date)
    {%- endset %}
{%- endif %}

with

user_days as (
    select * from {{ user_days_relation }}
    {% if is_incremental() -%}
        where activity_day >= {{ read_from }}
    {%- endif %}
),

as_of_date as (
    select * from {{ as_of_date_relation }}
),

series_days as (
    {% if is_incremental() -%}
        {#- From the first day of all user-days (none: no row, as in a full build), or from the
            first day read, whichever is later, so the days without activity are there too. #}
        {{ kpikit.date_spine(
            '(select case when min(activity_day) is not null then greatest(min(activity_day), '
            ~ read_from ~ ') end from ' ~ user_days_relation ~ ')',
            '(select as_of_date from as_of_date)'
        ) | indent(8) }}
    {%- else -%}
        {{ kpikit.date_spine(
            '(select min(activity_day) from user_days)',
            '(select as_of_date from as_of_date)'
        ) | indent(8) }}
    {%- endif %}
),

daily_active_users as (
    select
        activity_day,
        count(*) as dau
    from user_days
    group by activity_day
),

weekly_active_users as (
    {{ kpikit.trailing_distinct_count('user_days', 'user_id', 'activity_day', 'series_days', 7) }}
),

monthly_active_users as (
    {{ kpikit.trailing_distinct_count(
        'user_days', 'user_id', 'activity_day', 'series_days', var('mau_window_days')
    ) }}
),

final as (
    select
        series_days.date_day,
        {{ kpikit.month_start('series_days.date_day') }} as date_month,
        coalesce(daily_active_users.dau, 0) as dau,
        weekly_active_users.distinct_count as wau,
        monthly_active_users.distinct_count as mau,
        {{ kpikit.safe_ratio(
            'coalesce(daily_active_users.dau, 0)', 'monthly_active_users.distinct_count'
        ) }} as stickiness
    from series_days
    left join daily_active_users on series_days.date_day = daily_active_users.activity_day
    left join weekly_active_users on series_days.date_day = weekly_active_users.date_day
    left join monthly_active_users on series_days.date_day = monthly_active_users.date_day
    {% if is_incremental() -%}
        where series_days.date_day >= cast({{ recompute_from }} as date)
    {%- endif %}
)

select * from final
