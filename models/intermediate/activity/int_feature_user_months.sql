{#-
    Incremental (delete+insert on activity_month): a run recomputes, from all their events, the
    whole months that hold a feature event of a user resolved since this model's last run (new,
    late or re-stitched), so a month's rows are always those of a full rebuild. A re-stitched
    event keeps its feature and gets a user, so its month is recomputed and has rows; an event's
    user is only ever resolved, never unresolved. On DuckDB int_events_identified is sorted by
    event_day, so the re-read of a month skips the row groups of earlier months.
-#}
{{ config(
    materialized='incremental',
    unique_key='activity_month',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- set events_identified_relation = ref('int_events_identified') %}

with

events_identified as (
    select * from {{ events_identified_relation }}
),

{% if is_incremental() -%}
    {%- set touched = 'batch_loaded_at > ' ~ kpikit.last_batch_loaded_at()
        ~ ' and resolved_user_id is not null and feature is not null' %}
    {#- The first day of the first month touched, a constant read when the model runs (the
        warehouse skips the row groups before it; 9999-12-31 when none is touched). #}
    {%- set first_day_touched = kpikit.scalar_timestamp_of(
        events_identified_relation,
        'coalesce(min(event_day), ' ~ kpikit.timestamp_literal('9999-12-31 00:00:00') ~ ')',
        touched,
    ) %}
    {#- From the relation, not the CTE: a CTE read twice would be materialized whole. #}
    months_touched as (
        select distinct {{ kpikit.month_start('event_day') }} as activity_month
        from {{ events_identified_relation }}
        where {{ touched }}
    ),

{% endif -%}

feature_user_months as (
    select distinct
        resolved_user_id as user_id,
        feature,
        {{ kpikit.month_start('event_day') }} as activity_month
    from events_identified
    where
        resolved_user_id is not null
        and feature is not null
        {% if is_incremental() -%}
            and event_day >= {{ kpikit.month_start(first_day_touched) }}
            and {{ kpikit.month_start('event_day') }} in (
                select months_touched.activity_month from months_touched
            )
        {%- endif %}
),

final as (
    select
        user_id,
        feature,
        activity_month,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(['max_clock_skew_hours', 'kpi_timezone']) }}
            as built_with_settings
    from feature_user_months
)

select * from final
