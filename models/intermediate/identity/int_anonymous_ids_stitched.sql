{#-
    Incremental (delete+insert on anonymous_id). An anonymous_id's stitch is its earliest sighting
    with a user_id, and sightings are only ever added, so a run lets the sightings in the events
    staged since its last run compete with the stored stitch (same order as a full build) and
    writes only the anonymous_ids whose stitch is new or changed (int_events_identified then
    re-resolves their events; replaced_user_id names the user a changed stitch took them from,
    and replaced_batch_loaded_at the run that had stored it, so int_funnel_person_steps can tell
    when it missed a change).
-#}
{{ config(
    materialized='incremental',
    unique_key='anonymous_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

with

events as (
    select * from {{ ref('stg_raw__events') }}
),

{% if is_incremental() -%}
    new_sightings as (
        select
            anonymous_id,
            user_id,
            occurred_at
        from events
        where
            anonymous_id is not null
            and user_id is not null
            and batch_loaded_at > {{ kpikit.last_batch_loaded_at() }}
    ),

{% endif -%}

identified_sightings as (
    {% if is_incremental() -%}
        select
            anonymous_id,
            user_id,
            occurred_at,
            cast(null as {{ dbt.type_timestamp() }}) as stored_batch_loaded_at,
            false as is_stored
        from new_sightings
        union all
        select
            stored_stitches.anonymous_id,
            stored_stitches.user_id,
            stored_stitches.first_identified_at as occurred_at,
            stored_stitches.batch_loaded_at as stored_batch_loaded_at,
            true as is_stored
        from {{ this }} as stored_stitches
        where
            stored_stitches.anonymous_id in (
                select new_sightings.anonymous_id from new_sightings
            )
    {%- else -%}
        select
            anonymous_id,
            user_id,
            occurred_at,
            cast(null as {{ dbt.type_timestamp() }}) as stored_batch_loaded_at,
            false as is_stored
        from events
        where anonymous_id is not null and user_id is not null
    {%- endif %}
),

sightings_ranked as (
    select
        *,
        max(case when is_stored then user_id end) over (partition by anonymous_id)
            as stored_user_id,
        max(stored_batch_loaded_at) over (partition by anonymous_id) as stored_stitch_loaded_at,
        row_number() over (
            partition by anonymous_id
            {#- An identical stored stitch wins, so nothing is rewritten. #}
            order by occurred_at asc, user_id asc, is_stored desc
        ) as sighting_rank
    from identified_sightings
),

anonymous_ids_stitched as (
    select
        anonymous_id,
        user_id,
        occurred_at as first_identified_at,
        {#- Bookkeeping for the funnel: the user whose stitch this run replaced, whose steps
            must be recomputed without this anonymous_id's events (null on a full build). #}
        case when stored_user_id <> user_id then stored_user_id end as replaced_user_id,
        {#- ... and the run that had stored that stitch: when it is later than the funnel's last
            run, the funnel missed a change (and the user it replaced). #}
        case
            when stored_user_id <> user_id then stored_stitch_loaded_at
        end as replaced_batch_loaded_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at
    from sightings_ranked
    where sighting_rank = 1 and not is_stored
)

select * from anonymous_ids_stitched
