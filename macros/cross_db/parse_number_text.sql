{#- Text holding a decimal number ("4", "-2.5", "1e3", surrounding spaces allowed) as a double,
    or null when the text is anything else ("NaN", "inf", "four", "1e999", out of range). -#}
{% macro parse_number_text(expression) -%}
    {{ return(adapter.dispatch('parse_number_text', 'kpikit')(expression)) }}
{%- endmacro %}

{#- The decimal forms read (the whole text, trimmed, must match). -#}
{% macro number_pattern() -%}
    {{ return('^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$') }}
{%- endmacro %}

{% macro default__parse_number_text(expression) -%}
    case
        when
            regexp_matches(trim({{ expression }}), '{{ kpikit.number_pattern() }}')
            and isfinite(try_cast(trim({{ expression }}) as double))
            then try_cast(trim({{ expression }}) as double)
    end
{%- endmacro %}

{#- PostgreSQL: a function (create_warehouse_functions), as an out-of-range number ("1e999")
    cannot be caught in SQL. -#}
{% macro postgres__parse_number_text(expression) -%}
    {{ adapter.quote(target.schema) }}.kpikit_parse_number_text({{ expression }})
{%- endmacro %}
