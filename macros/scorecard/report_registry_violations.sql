{#-
    The body of a KPI registry rule test. `violations` is a select of the rows that break the
    rule, with a `failure_message` column (see registry_failure_message). Returns that select, so
    the test fails with one row per violation; and, when the test runs (execute) and every
    relation in `relations` already exists, it first runs the select and logs each message, so
    `dbt build` / `dbt test` print which row breaks which rule, not only a count of failures.
-#}
{% macro report_registry_violations(violations, relations) -%}
    {%- if execute -%}
        {%- set missing = [] -%}
        {%- for relation in relations -%}
            {%- if adapter.get_relation(
                database=relation.database,
                schema=relation.schema,
                identifier=relation.identifier,
            ) is none -%}
                {%- do missing.append(relation) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not missing -%}
            {%- set found = run_query(
                'select failure_message from (' ~ violations ~ ') as violations'
            ) -%}
            {%- for message in found.columns[0].values() -%}
                {%- do log('kpikit: ' ~ message, info=true) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(violations) }}
{%- endmacro %}
