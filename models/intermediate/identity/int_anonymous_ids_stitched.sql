{#-
    Incremental (delete+insert on anonymous_id): a run recomputes the stitch of every anonymous_id
    seen with a user_id in the events staged since this model's last run, from all of its
    sightings, so a late event that identifies it earlier replaces the stitch.
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
    anonymous_ids_touched as (
        select distinct anonymous_id
        from events
        where
            batch_loaded_at > {{ kpikit.last_batch_loaded_at() }}
            and anonymous_id is not null
            and user_id is not null
    ),

{% endif -%}

identified_sightings as (
    select
        anonymous_id,
        user_id,
        occurred_at,
        row_number() over (
            partition by anonymous_id
            order by occurred_at, user_id
        ) as sighting_rank
    from events
    where
        anonymous_id is not null
        and user_id is not null
        {% if is_incremental() -%}
            and anonymous_id in (
                select anonymous_ids_touched.anonymous_id from anonymous_ids_touched
            )
        {%- endif %}
),

anonymous_ids_stitched as (
    select
        anonymous_id,
        user_id,
        occurred_at as first_identified_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at
    from identified_sightings
    where sighting_rank = 1
)

select * from anonymous_ids_stitched
