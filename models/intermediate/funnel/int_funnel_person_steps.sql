{#-
    Incremental (append, after a pre-hook delete): a run recomputes, from all their step events,
    the persons whose steps may have changed since its last run (kpikit.funnel_persons_touched:
    a new, late or re-stitched step event, or an anonymous_id stitched away from them). The
    pre-hook first deletes those persons' stored steps, so a person with no step left is removed.
    Every other person's steps depend only on their own events and stay as they are. A run that
    finds it missed a stitch change (kpikit.funnel_stitch_change_missed) recomputes everyone.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ kpikit.delete_funnel_persons_touched() }}",
) }}

{%- set steps = var('conversion_steps') -%}
{%- set window_days = var('conversion_window_days') -%}
{%- if steps is string or steps | length == 0 -%}
    {{ exceptions.raise_compiler_error("kpikit: var 'conversion_steps' must be a non-empty list of event names") }}
{%- endif -%}
{#- Referenced outside the incremental branch, so dbt always knows the dependency. -#}
{%- set anonymous_ids_stitched_relation = ref('int_anonymous_ids_stitched') %}
{%- set events_identified_relation = ref('int_events_identified') %}

with

events_identified as (
    select * from {{ events_identified_relation }}
),

{% if is_incremental() -%}
    {%- set last_loaded_at = kpikit.last_batch_loaded_at() %}
    {#- True or false when the model runs; none in a unit test, where the SQL decides. #}
    {%- set recomputes_everyone = kpikit.funnel_recomputes_everyone(
        anonymous_ids_stitched_relation, last_loaded_at
    ) %}
    {%- if not recomputes_everyone %}
        {#- From the relation, not the CTE: a CTE read twice would be materialized whole. #}
        persons_touched as (
            {{ kpikit.funnel_persons_touched(
                events_identified_relation,
                anonymous_ids_stitched_relation,
                last_loaded_at
            ) | indent(12) }}
        ),
    {%- endif %}
    {%- if recomputes_everyone is none %}

        stitch_change_missed as (
            {{ kpikit.funnel_stitch_change_missed(
                anonymous_ids_stitched_relation, last_loaded_at
            ) | indent(12) }}
        ),
    {%- endif %}

{% endif -%}

step_events as (
    select
        events_identified.person_type,
        events_identified.person_id,
        events_identified.event_name,
        events_identified.occurred_at
    from events_identified
    {% if is_incremental() and recomputes_everyone is none -%}
        left join persons_touched
            on
                events_identified.person_type = persons_touched.person_type
                and events_identified.person_id = persons_touched.person_id
        cross join stitch_change_missed
    {% elif is_incremental() and not recomputes_everyone -%}
        {#- An inner join: with no person touched, the events are not even read. #}
        inner join persons_touched
            on
                events_identified.person_type = persons_touched.person_type
                and events_identified.person_id = persons_touched.person_id
    {% endif -%}
    where
        {% if is_incremental() and recomputes_everyone is none -%}
            (
                persons_touched.person_id is not null
                or stitch_change_missed.stitch_change_missed
            )
            and
        {% endif -%}
        {{ kpikit.is_in_list('events_identified.event_name', steps, 'conversion_steps') }}
),

{% for step in steps %}
    step_{{ loop.index }}_reached as (
        {%- if loop.first %}
            select
                person_type,
                person_id,
                min(occurred_at) as reached_at
            from step_events
            where event_name = '{{ step }}'
            group by person_type, person_id
        {%- else %}
            select
                previous_step.person_type,
                previous_step.person_id,
                min(step_events.occurred_at) as reached_at
            from step_{{ loop.index - 1 }}_reached as previous_step
            inner join step_events
                on
                    previous_step.person_type = step_events.person_type
                    and previous_step.person_id = step_events.person_id
                    and step_events.event_name = '{{ step }}'
                    and previous_step.reached_at <= step_events.occurred_at
            group by previous_step.person_type, previous_step.person_id
        {%- endif %}
    ),
{% endfor %}

steps_reached as (
    {% for step in steps %}
        select
            person_type,
            person_id,
            {{ loop.index }} as step_number,
            '{{ step }}' as step_name,
            reached_at
        from step_{{ loop.index }}_reached
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        steps_reached.person_type,
        steps_reached.person_id,
        steps_reached.step_number,
        steps_reached.step_name,
        steps_reached.step_number = {{ steps | length }} as is_last_step,
        steps_reached.reached_at
        <= {{ dbt.dateadd('day', window_days, 'step_1_reached.reached_at') }}
            as is_within_window,
        step_1_reached.reached_at as entered_at,
        steps_reached.reached_at,
        {{ kpikit.batch_loaded_at() }} as batch_loaded_at,
        {{ kpikit.settings_fingerprint_column(
            ['max_clock_skew_hours', 'conversion_steps', 'conversion_window_days']
        ) }}
            as built_with_settings
    from steps_reached
    inner join step_1_reached
        on
            steps_reached.person_type = step_1_reached.person_type
            and steps_reached.person_id = step_1_reached.person_id
)

select * from final
