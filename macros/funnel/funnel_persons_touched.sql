{#-
    The persons whose funnel steps an incremental run of int_funnel_person_steps recomputes: a
    select of (person_type, person_id), over the upstream rows written since `last_loaded_at`.
    - persons of a step event resolved since then (new, late, or re-stitched to this person);
    - the anonymous person of every anonymous_id (re-)stitched since then: its events now belong
      to a user, so it may have no steps left;
    - the user a changed stitch replaced (replaced_user_id): it lost that anonymous_id's events.
    `events_identified` and `anonymous_ids_stitched` are relations or CTE names.
-#}
{% macro funnel_persons_touched(events_identified, anonymous_ids_stitched, last_loaded_at) -%}
    select
        events_identified.person_type,
        events_identified.person_id
    from {{ events_identified }} as events_identified
    where
        events_identified.batch_loaded_at > {{ last_loaded_at }}
        and {{ kpikit.is_in_list(
            'events_identified.event_name', var('conversion_steps'), 'conversion_steps'
        ) }}
    union
    select
        'anonymous' as person_type,
        anonymous_ids_stitched.anonymous_id as person_id
    from {{ anonymous_ids_stitched }} as anonymous_ids_stitched
    where anonymous_ids_stitched.batch_loaded_at > {{ last_loaded_at }}
    union
    select
        'user' as person_type,
        anonymous_ids_stitched.replaced_user_id as person_id
    from {{ anonymous_ids_stitched }} as anonymous_ids_stitched
    where
        anonymous_ids_stitched.batch_loaded_at > {{ last_loaded_at }}
        and anonymous_ids_stitched.replaced_user_id is not null
{%- endmacro %}

{#-
    Pre-hook of int_funnel_person_steps on an incremental run: deletes the stored steps of every
    person the run recomputes (funnel_persons_touched), in the model's transaction, before the
    run appends their new steps. A person left with no step (an anonymous visitor now stitched to
    a user) is thereby removed, which delete+insert on the new rows alone would not do. Nothing
    on a full build.
-#}
{% macro delete_funnel_persons_touched() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as stored_steps
        where exists (
            select 1
            from (
                {{ kpikit.funnel_persons_touched(
                    ref('int_events_identified'),
                    ref('int_anonymous_ids_stitched'),
                    kpikit.last_batch_loaded_at()
                ) | indent(16) }}
            ) as persons_touched
            where
                persons_touched.person_type = stored_steps.person_type
                and persons_touched.person_id = stored_steps.person_id
        )
    {%- endif -%}
{%- endmacro %}
