{#- The public copy of int_funnel_person_steps, without its bookkeeping columns. A table, not
    a view: a DuckDB view names the warehouse's catalog, so it would not resolve in a copy
    attached under another name (kpikit publish, a BI tool). Incremental without bookkeeping
    columns (macros/incremental/mart_load_marks.sql): a run copies the steps loaded since this
    mart's load mark, after the pre-hook deleted their stored rows and those gone upstream (the
    steps of a person recomputed or removed there). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpikit.delete_mart_rows_changed_upstream(ref('int_funnel_person_steps'), ['person_type', 'person_id', 'step_number']) }}",
    post_hook="{{ kpikit.record_mart_load() }}",
) }}

{#- Referenced outside the incremental branch, so dbt always knows the dependency. -#}
{%- set load_marks = ref('int_mart_load_marks') %}

with

person_steps as (
    select * from {{ ref('int_funnel_person_steps') }}
    {% if is_incremental() -%}
        where batch_loaded_at > {{ kpikit.last_mart_load(load_marks) }}
    {%- endif %}
),

final as (
    select
        person_type,
        person_id,
        step_number,
        step_name,
        is_last_step,
        is_within_window,
        entered_at,
        reached_at
    from person_steps
)

select * from final
