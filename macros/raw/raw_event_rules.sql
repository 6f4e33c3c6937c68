{#-
    The columns of a raw events row that staging keeps, in staging's order: the select list of
    every step of stg_raw__events that carries a whole copy.
-#}
{% macro raw_event_columns() -%}
    {{ return(['event_id', 'user_id', 'anonymous_id', 'session_id', 'event_name', 'properties',
        'occurred_at', 'received_at']) }}
{%- endmacro %}

{#-
    The typed columns of a raw events row (raw_event_columns), in staging's names; shared by every
    model that reads the raw events, so they all type them alike.
-#}
{% macro raw_event_typed_columns() -%}
    {%- set timestamp_columns = ['occurred_at', 'received_at'] -%}
    {%- for column in kpikit.raw_event_columns() -%}
        {{- ',\n    ' if not loop.first -}}
        cast({{ column }} as {{ dbt.type_timestamp() if column in timestamp_columns
            else dbt.type_string() }}) as {{ column }}
    {%- endfor %},
    unreadable_column
{%- endmacro %}

{#-
    Why a typed raw events row is quarantined, or null when it is valid. The first rule that
    applies names the reason (docs/definitions.md, "What counts as input"): a missing or
    unreadable id, name or time; received after the build time (kpikit.build_time) plus
    `max_clock_skew_hours`; happened more than `max_clock_skew_hours` after it was received, or
    more than `max_event_delay_days` before; properties that are not a JSON object.
-#}
{% macro raw_event_quarantine_reason() -%}
    case
        when event_id is null then 'null_event_id'
        when event_name is null then 'null_event_name'
        when unreadable_column = 'occurred_at' then 'unreadable_occurred_at'
        when occurred_at is null then 'null_occurred_at'
        when unreadable_column = 'received_at' then 'unreadable_received_at'
        when received_at is null then 'null_received_at'
        when user_id is null and anonymous_id is null then 'null_user_and_anonymous_id'
        when {{ kpikit.is_in_future('received_at') }} then 'received_in_future'
        when
            occurred_at > {{ dbt.dateadd('hour', var('max_clock_skew_hours'), 'received_at') }}
            then 'clock_skew'
        when
            occurred_at < {{ dbt.dateadd('day', -1 * var('max_event_delay_days'), 'received_at') }}
            then 'too_late'
        when
            properties is not null and not {{ kpikit.json_is_object('properties') }}
            then 'properties_not_json_object'
    end
{%- endmacro %}

{#- The quarantine reasons of raw_event_quarantine_reason, in its order. -#}
{% macro raw_event_quarantine_reasons() -%}
    {{ return([
        'null_event_id', 'null_event_name', 'unreadable_occurred_at', 'null_occurred_at',
        'unreadable_received_at', 'null_received_at', 'null_user_and_anonymous_id',
        'received_in_future', 'clock_skew', 'too_late', 'properties_not_json_object',
    ]) }}
{%- endmacro %}

{#-
    The columns in which valid copies of one event_id compete, in order: the copy received first
    wins, and the remaining columns break ties so the winner never depends on the scan order.
    Two copies equal in all of them are the same delivery.
-#}
{% macro raw_event_delivery_columns() -%}
    {{ return(['received_at', 'occurred_at', 'event_name', 'user_id', 'anonymous_id',
        'session_id', 'properties']) }}
{%- endmacro %}

{#- The order by list of raw_event_delivery_columns. -#}
{% macro raw_event_delivery_order() -%}
    {{ kpikit.raw_event_delivery_columns() | join(', ') }}
{%- endmacro %}

{#- Null-safe equality of two expressions (true when both are null), in portable SQL. -#}
{% macro equal_or_both_null(left, right) -%}
    ({{ left }} = {{ right }} or ({{ left }} is null and {{ right }} is null))
{%- endmacro %}
