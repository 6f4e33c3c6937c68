{#-
    Incremental without bookkeeping columns (macros/incremental/mart_load_marks.sql): a run
    copies the attempts int_task_attempts_resolved loaded since this mart's load mark, after
    the pre-hook deleted their stored rows (and any attempt gone upstream).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpikit.delete_mart_rows_changed_upstream(ref('int_task_attempts_resolved'), ['attempt_id']) }}",
    post_hook="{{ kpikit.record_mart_load() }}",
) }}

{#- Referenced outside the incremental branch, so dbt always knows the dependency. -#}
{%- set load_marks = ref('int_mart_load_marks') %}

with

task_attempts as (
    select * from {{ ref('int_task_attempts_resolved') }}
    {% if is_incremental() -%}
        where batch_loaded_at > {{ kpikit.last_mart_load(load_marks) }}
    {%- endif %}
),

final as (
    select
        attempt_id,
        task_id,
        person_id,
        person_type,
        resolved_user_id as user_id,
        outcome,
        error_count,
        duration_seconds,
        outcome != 'in_progress' as is_counted,
        is_timed_out,
        start_day,
        start_month,
        started_at,
        ended_at
    from task_attempts
)

select * from final
