{#- Text holding an ISO 8601 date or timestamp as a UTC timestamp (an offset such as Z or
    +02:00 converted, none read as UTC), or null when the text is anything else. -#}
{% macro parse_timestamp_text(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp_text', 'kpikit')(expression)) }}
{%- endmacro %}

{#- The ISO 8601 forms read (the whole text must match), and the offset at their end. -#}
{% macro iso_timestamp_pattern() -%}
    {{ return('^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?)?'
        ~ '([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)?$') }}
{%- endmacro %}

{% macro default__parse_timestamp_text(expression) -%}
    case
        when regexp_matches({{ expression }}, '{{ kpikit.iso_timestamp_pattern() }}')
            then
                case
                    when regexp_matches({{ expression }}, '([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
                        then {{ kpikit.timestamptz_to_utc(
                            'try_cast(' ~ expression ~ ' as timestamptz)'
                        ) }}
                    else try_cast({{ expression }} as timestamp)
                end
    end
{%- endmacro %}

{#- PostgreSQL: a function (create_warehouse_functions), as a cast error cannot be caught in SQL. -#}
{% macro postgres__parse_timestamp_text(expression) -%}
    {{ adapter.quote(target.schema) }}.kpikit_parse_timestamp_text({{ expression }})
{%- endmacro %}
