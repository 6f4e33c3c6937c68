{#-
    The KPI registry the scorecard reads: the relation of var `kpikit_registry` when it is set,
    else the demo seed `kpi_registry` when kpikit is the root project, else none (kpikit is a
    package whose user has not named a registry: the registry is empty).
-#}
{% macro registry_relation() -%}
    {%- set registry = var('kpikit_registry') -%}
    {%- if registry -%}
        {{ return(registry) }}
    {%- elif project_name == 'kpikit' -%}
        {{ return(ref('kpi_registry')) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
