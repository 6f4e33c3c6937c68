{#- Text holding an ISO 8601 date or timestamp as a UTC timestamp (an offset such as Z or
    +02:00 after the time converted; none, and a date alone, read as UTC), or null when the text
    is anything else. -#}
{% macro parse_timestamp_text(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp_text', 'kpikit')(expression)) }}
{%- endmacro %}

{#- The ISO 8601 forms read (the whole text must match, in upper case): a date, or a date and a
    time, with an offset only after a time. -#}
{% macro iso_timestamp_pattern() -%}
    {{ return('^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?'
        ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$') }}
{%- endmacro %}

{#- The offset at the end of a text the pattern above accepts (only ever after a time). -#}
{% macro iso_offset_pattern() -%}
    {{ return('[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') }}
{%- endmacro %}

{% macro default__parse_timestamp_text(expression) -%}
    case
        when regexp_matches(upper({{ expression }}), '{{ kpikit.iso_timestamp_pattern() }}')
            then
                case
                    when regexp_matches(upper({{ expression }}), '{{ kpikit.iso_offset_pattern() }}')
                        then {{ kpikit.timestamptz_to_utc(
                            'try_cast(upper(' ~ expression ~ ') as timestamptz)'
                        ) }}
                    else try_cast({{ expression }} as timestamp)
                end
    end
{%- endmacro %}

{#- PostgreSQL: a function (create_warehouse_functions), as a cast error cannot be caught in SQL. -#}
{% macro postgres__parse_timestamp_text(expression) -%}
    {{ adapter.quote(target.schema) }}.kpikit_parse_timestamp_text({{ expression }})
{%- endmacro %}
