{#-
    When var `raw_path` names a folder, (re)create the three raw tables (users, events,
    survey_responses) as views over `<raw_path>/<table>.parquet` in the raw schema, so the
    sources, their freshness checks and the unit tests of the staging models all see one ordinary
    relation per raw table. Runs on-run-start; does nothing without `raw_path`. A missing file
    stops the run with a clear error.
-#}
{% macro create_raw_parquet_views() -%}
    {%- set raw_path = var('raw_path', none) -%}
    {%- if not raw_path or not execute -%}
        {{ return('select 1') }}
    {%- endif -%}
    {{ return(adapter.dispatch('create_raw_parquet_views', 'kpikit')(raw_path | string)) }}
{%- endmacro %}

{% macro default__create_raw_parquet_views(raw_path) -%}
    {{ exceptions.raise_compiler_error(
        "kpikit: raw_path (reading Parquet files directly) works on DuckDB only; on "
        ~ target.type ~ " load the files into the raw schema with `kpikit load` instead"
    ) }}
{%- endmacro %}

{% macro duckdb__create_raw_parquet_views(raw_path) -%}
    {%- set folder = raw_path.rstrip('/') -%}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- set statements = ['create schema if not exists ' ~ adapter.quote(schema)] -%}
    {%- for table in ['users', 'events', 'survey_responses'] -%}
        {%- set file = folder ~ '/' ~ table ~ '.parquet' -%}
        {%- set found = run_query(
            "select count(*) from glob('" ~ file | replace("'", "''") ~ "')"
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "kpikit: raw_path '" ~ raw_path ~ "' has no " ~ table ~ ".parquet (expected "
                ~ file ~ "; the folder must hold users.parquet, events.parquet and"
                ~ " survey_responses.parquet)"
            ) }}
        {%- endif -%}
        {%- do statements.append(
            'create or replace view ' ~ adapter.quote(schema) ~ '.' ~ adapter.quote(table)
            ~ " as select * from read_parquet('" ~ file | replace("'", "''") ~ "')"
        ) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
