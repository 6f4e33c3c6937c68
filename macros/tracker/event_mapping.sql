{#- The event name (a quoted SQL literal) that var `task_events` gives one kind of task event:
    started, completed, failed, abandoned or error. -#}
{% macro task_event(kind) -%}
    '{{ var('task_events')[kind] | replace("'", "''") }}'
{%- endmacro %}

{#- The key of the events' properties JSON object that var `event_property_keys` gives one of
    the properties kpikit reads: feature, task_id or attempt_id. -#}
{% macro property_key(name) -%}
    {{ return(var('event_property_keys')[name]) }}
{%- endmacro %}
