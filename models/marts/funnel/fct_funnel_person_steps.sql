{%- set steps = var('conversion_steps') -%}
{%- set window_days = var('conversion_window_days') -%}
{%- if steps is string or steps | length == 0 -%}
    {{ exceptions.raise_compiler_error("kpikit: var 'conversion_steps' must be a non-empty list of event names") }}
{%- endif -%}

with

events_identified as (
    select * from {{ ref('int_events_identified') }}
),

step_events as (
    select
        person_type,
        person_id,
        event_name,
        occurred_at
    from events_identified
    where {{ kpikit.is_in_list('event_name', steps, 'conversion_steps') }}
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
        steps_reached.reached_at
    from steps_reached
    inner join step_1_reached
        on
            steps_reached.person_type = step_1_reached.person_type
            and steps_reached.person_id = step_1_reached.person_id
)

select * from final
