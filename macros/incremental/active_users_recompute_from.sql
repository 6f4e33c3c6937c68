{#- The vars fct_active_users_daily's own rows depend on: its load mark is kept per their
    values (read by active_users_recompute_from, written by the mart's post-hook). -#}
{% macro active_users_daily_settings() -%}
    {{ return(['mau_window_days']) }}
{%- endmacro %}

{#-
    The first day whose row an incremental run of fct_active_users_daily rewrites, as a
    timestamp literal read when the model runs. The pre-hook's delete and the model each read
    it, both before the delete runs (dbt compiles the model, then runs its hooks), so both
    get the same day. The earliest of
    - the first day with a user-day loaded since the mart's load mark (a changed day changes
      its dau and the trailing windows of the days after it);
    - the day after the last stored row (the as-of date moved on); 1900-01-01 when the table
      is empty (every row is written);
    - the day after the as-of date (rows past it, if it ever moved back, are deleted).
    The mark is that of the mart's settings (active_users_daily_settings): with other values
    there is none, and every row is rewritten. In a unit test it stays a scalar subquery over
    the fixtures. `user_days`, `as_of_date` and `load_marks` are ref('fct_user_days'),
    ref('int_as_of_date'), ref('int_mart_load_marks').
-#}
{% macro active_users_recompute_from(user_days, as_of_date, load_marks) -%}
    {%- set day_after_as_of = dbt.dateadd('day', 1, 'bounds.as_of_date') -%}
    {%- set bounds -%}
        (
            select
                (
                    select min(changed_days.activity_day)
                    from {{ user_days }} as changed_days
                    where changed_days.batch_loaded_at
                        > {{ kpikit.last_mart_load(
                            load_marks, kpikit.active_users_daily_settings()
                        ) }}
                ) as first_day_changed,
                (select max(stored_rows.date_day) from {{ this }} as stored_rows)
                    as last_day_stored,
                (select as_of_dates.as_of_date from {{ as_of_date }} as as_of_dates)
                    as as_of_date
        ) as bounds
    {%- endset -%}
    {%- set first_day -%}
        least(
            coalesce(bounds.first_day_changed, {{ day_after_as_of }}),
            coalesce(
                {{ dbt.dateadd('day', 1, 'bounds.last_day_stored') }},
                {{ kpikit.timestamp_literal('1900-01-01 00:00:00') }}
            ),
            {{ day_after_as_of }}
        )
    {%- endset -%}
    {{ return(kpikit.scalar_timestamp_of(bounds, first_day)) }}
{%- endmacro %}

{#-
    Pre-hook of fct_active_users_daily on an incremental run: deletes its rows from the first day
    the run rewrites on (active_users_recompute_from), in the mart's transaction. Nothing on a
    full build, nor under --empty.
-#}
{% macro delete_active_users_daily_rewritten() -%}
    {%- if is_incremental() and not flags.EMPTY -%}
        delete from {{ this }}
        where date_day >= cast({{ kpikit.active_users_recompute_from(
            ref('fct_user_days'), ref('int_as_of_date'), ref('int_mart_load_marks')
        ) }} as date)
    {%- endif -%}
{%- endmacro %}
