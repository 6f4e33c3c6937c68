{#-
    Incremental (delete+insert on activity_day): a run recomputes, from all their events, the
    whole days that hold an event resolved since this model's last run (new, late or re-stitched
    events), so a day's rows are always those of a full rebuild. On DuckDB a full build is
    sorted by activity_day, so the delete of the touched days skips the row groups of the others.
-#}
{{ config(
    materialized='incremental',
    unique_key='activity_day',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- set events_identified_relation = ref('int_events_identified') %}

with

events_identified as (
    select * from {{ events_identified_relation }}
),

{% if is_incremental() -%}
    {#- From the relation, not the CTE: a CTE read twice would be materialized whole. #}
    days_touched as (
        select distinct event_day
        from {{ events_identified_relation }}
        where batch_loaded_at > {{ kpikit.last_batch_loaded_at() }}
    ),

{% endif -%}

user_days as (
    select
        resolved_user_id as user_id,
        event_day as activity_day,
        count(*) as active_event_count,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from events_identified
    where
        resolved_user_id is not null
        and not is_passive
        {% if is_incremental() -%}
            and event_day in (select days_touched.event_day from days_touched)
        {%- endif %}
    group by resolved_user_id, event_day
),

final as (
    select
        user_id,
        activity_day,
        {{ kpikit.month_start('activity_day') }} as activity_month,
        active_event_count,
        first_event_at,
        last_event_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(
            ['max_clock_skew_hours', 'kpi_timezone', 'passive_events']
        ) }}
            as built_with_settings
    from user_days
)

select * from final
{{- kpikit.order_full_build_by('activity_day') }}
