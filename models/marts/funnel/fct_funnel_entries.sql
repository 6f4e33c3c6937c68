{#-
    Incremental without bookkeeping columns (macros/incremental/mart_load_marks.sql): a run
    rebuilds the entrants whose steps int_funnel_person_steps recomputed since this mart's load
    mark (it rewrites all the steps of a person together), after the pre-hooks deleted their
    stored rows and those of persons gone upstream, and brought is_eligible of the other stored
    rows up to date with the as-of date (update_funnel_entries_eligibility). Every other column
    depends only on the person's own steps and kpi_timezone, for which the mark is kept.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ kpikit.delete_mart_rows_changed_upstream(ref('int_funnel_person_steps'), ['person_type', 'person_id'], kpikit.funnel_entries_settings()) }}",
        "{{ kpikit.update_funnel_entries_eligibility() }}",
    ],
    post_hook="{{ kpikit.record_mart_load(kpikit.funnel_entries_settings()) }}",
) }}

{%- set window_days = var('conversion_window_days') -%}
{#- Referenced outside the incremental branch, so dbt always knows the dependency. -#}
{%- set load_marks = ref('int_mart_load_marks') %}

with

person_steps as (
    select * from {{ ref('int_funnel_person_steps') }}
    {% if is_incremental() -%}
        where batch_loaded_at > {{ kpikit.last_mart_load(
            load_marks, kpikit.funnel_entries_settings()
        ) }}
    {%- endif %}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

entries as (
    select
        person_type,
        person_id,
        max(case when step_number = 1 then reached_at end) as entered_at,
        max(case when is_last_step and is_within_window then reached_at end) as converted_at,
        max(case when is_within_window then step_number else 0 end) as last_step_reached
    from person_steps
    group by person_type, person_id
),

entries_with_days as (
    select
        *,
        {{ kpikit.to_local_date('entered_at') }} as entry_day
    from entries
),

final as (
    select
        entries_with_days.person_type,
        entries_with_days.person_id,
        entries_with_days.last_step_reached,
        entries_with_days.converted_at is not null as is_converted,
        {{ kpikit.is_window_elapsed(
            'entries_with_days.entry_day', window_days, 'as_of_date.as_of_date'
        ) }} as is_eligible,
        entries_with_days.entry_day,
        {{ kpikit.month_start('entries_with_days.entry_day') }} as entry_month,
        entries_with_days.entered_at,
        entries_with_days.converted_at
    from entries_with_days
    cross join as_of_date
)

select * from final
