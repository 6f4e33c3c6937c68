{#-
    Each run, when var `shape_path` names a folder written by `kpikit shape`, (re)create one view
    per Parquet file of it where that layout's loader would have put the table: Segment's in
    schema `segment`, Snowplow's events in `atomic`, the rest (kpikit's native tables, survey
    exports, Snowplow's users) in `tracking`.
-#}
{% macro create_shape_views() -%}
    {%- set folder = var('shape_path') -%}
    {%- if not folder or not execute -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set files = run_query(
        "select file from glob('" ~ folder ~ "/*.parquet') order by file"
    ).columns[0].values() -%}
    {%- set statements = [] -%}
    {%- for file in files -%}
        {%- set table = file.split('/')[-1][:-8] -%}
        {%- if table in ('users', 'survey_responses') or var('shape') == 'native' -%}
            {%- set schema = 'tracking' -%}
        {%- elif var('shape') == 'snowplow' -%}
            {%- set schema = 'atomic' -%}
        {%- else -%}
            {%- set schema = 'segment' -%}
        {%- endif -%}
        {%- do statements.append('create schema if not exists ' ~ schema) -%}
        {%- do statements.append(
            'create or replace view ' ~ schema ~ '.' ~ table
            ~ " as select * from read_parquet('" ~ file ~ "')"
        ) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
