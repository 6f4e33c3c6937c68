{#- A boolean SQL expression: `expression` equals one of `values` (a list var, or a single
    string), compared as quoted string literals. An empty list is an error unless allow_empty,
    in which case the expression is simply false. -#}
{% macro is_in_list(expression, values, name='list', allow_empty=false) -%}
    {%- set items = [values] if values is string else (values or []) -%}
    {%- if items | length == 0 -%}
        {%- if not allow_empty -%}
            {{ exceptions.raise_compiler_error("kpikit: var '" ~ name ~ "' must not be empty") }}
        {%- endif -%}
        (1 = 0)
    {%- else -%}
        ({{ expression }} in (
        {%- for item in items -%}
            '{{ item | string | replace("'", "''") }}'{{ ", " if not loop.last }}
        {%- endfor -%}
        ))
    {%- endif -%}
{%- endmacro %}
