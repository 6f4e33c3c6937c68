{#-
    Incremental (delete+insert on event_id, bounded by received_at): a run resolves the events
    staged since this model's last run, and again every earlier anonymous event whose
    anonymous_id was stitched (or re-stitched) in this run, so a late identification reaches the
    visitor's past events. On DuckDB a full build is sorted by event_day, as daily runs roughly
    append: the models that re-read the days a run touched (fct_user_days) then skip the row
    groups of the other days. The delete of the rows a run rewrites is bounded by received_at
    (strategy `delete_insert_bounded`), so it skips the row groups received before the new rows
    (whose received_at lies within days of their event_day): a new row of an event carries the
    received_at of the event's winning copy in stg_raw__events, which only ever moves to an
    earlier-received copy, so the stored row it replaces was received at the same time or later.
-#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    incremental_strategy='delete_insert_bounded',
    meta={'delete_bound_column': 'received_at'},
    on_schema_change='fail',
) }}

with

{% if is_incremental() -%}
    {%- set last_loaded_at = kpikit.last_batch_loaded_at() -%}
{%- endif %}

{%- set anonymous_ids_stitched_relation = ref('int_anonymous_ids_stitched') %}

anonymous_ids_stitched as (
    select * from {{ anonymous_ids_stitched_relation }}
),

events as (
    select * from {{ ref('stg_raw__events') }}
    {% if is_incremental() -%}
        {#- Two disjoint scans, not one `or`: the first skips every older row group, the second
            reads the anonymous rows only. The stitch relation, not the CTE: a CTE read twice
            would be materialized. #}
        where batch_loaded_at > {{ last_loaded_at }}
        union all
        select * from {{ ref('stg_raw__events') }}
        where
            batch_loaded_at <= {{ last_loaded_at }}
            and user_id is null
            and anonymous_id in (
                select stitched_in_run.anonymous_id
                from {{ anonymous_ids_stitched_relation }} as stitched_in_run
                where stitched_in_run.batch_loaded_at > {{ last_loaded_at }}
            )
    {%- endif %}
),

events_with_person as (
    select
        events.event_id,
        events.user_id,
        events.anonymous_id,
        events.session_id,
        events.event_name,
        events.feature,
        events.task_id,
        events.attempt_id,
        coalesce(events.user_id, anonymous_ids_stitched.user_id) as resolved_user_id,
        coalesce(
            events.user_id, anonymous_ids_stitched.user_id, events.anonymous_id
        ) as person_id,
        case
            when coalesce(events.user_id, anonymous_ids_stitched.user_id) is not null
                then 'user'
            else 'anonymous'
        end as person_type,
        {{ kpikit.is_in_list(
            'events.event_name', var('passive_events'), 'passive_events', allow_empty=true
        ) }} as is_passive,
        {{ kpikit.to_local_date('events.occurred_at') }} as event_day,
        events.occurred_at,
        {{ kpikit.to_local_timestamp('events.occurred_at') }} as occurred_at_local,
        events.received_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(
            ['max_clock_skew_hours', 'kpi_timezone', 'passive_events']
        ) }}
            as built_with_settings
    from events
    left join anonymous_ids_stitched
        on
            events.user_id is null
            and events.anonymous_id = anonymous_ids_stitched.anonymous_id
)

select * from events_with_person
{{- kpikit.order_full_build_by('event_day') }}
