{#-
    Models land in the schema their folder names (staging, intermediate, marts) as is, not
    prefixed with the target schema, so BI tools find `marts.kpi_values` on every target.
    Without a custom schema a model lands in the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
