{#-
    The schema each kpikit model lands in. Run on its own (kpikit is the root project), models
    land in the schema their folder names (staging, intermediate, marts) as it is, so BI tools
    find `marts.kpi_values` on every target. Installed as a package in another project, they
    follow that project's target as dbt's default does: `<target schema>_marts`, so two
    developers or environments never overwrite each other. Var `kpikit_schema_prefix` sets the
    prefix in both cases ('' for the bare names). A model without a custom schema lands in the
    target's schema. (A generate_schema_name of the root project does not apply to a package's
    models: dbt uses the package's own.)
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = var('kpikit_schema_prefix', none) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif prefix is not none -%}
        {{ prefix ~ custom_schema_name | trim }}
    {%- elif project_name == 'kpikit' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
