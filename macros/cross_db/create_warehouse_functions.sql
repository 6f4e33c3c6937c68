{#-
    Run on-run-start: creates the SQL functions some dispatched macros call, in the target
    schema, so models, data tests and unit tests find them. A no-op (`select 1`) on warehouses
    that need none (DuckDB has them built in).
-#}
{% macro create_warehouse_functions() -%}
    {{ return(adapter.dispatch('create_warehouse_functions', 'kpikit')()) }}
{%- endmacro %}

{% macro default__create_warehouse_functions() -%}
    select 1
{%- endmacro %}

{#- DuckDB needs no functions; it takes its worker thread count from env DUCKDB_WORKER_THREADS
    (a global setting; unset: one per core). -#}
{% macro duckdb__create_warehouse_functions() -%}
    {%- set worker_threads = env_var('DUCKDB_WORKER_THREADS', '') | trim -%}
    {%- if not worker_threads -%}
        select 1
    {%- elif worker_threads is not number and not worker_threads.isdigit()
        or worker_threads | int < 1 -%}
        {{ exceptions.raise_compiler_error(
            "kpikit: DUCKDB_WORKER_THREADS must be a positive whole number, got '"
            ~ worker_threads ~ "'"
        ) }}
    {%- else -%}
        set threads = {{ worker_threads | int }}
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL: kpikit_json_is_object(text), the body of postgres__json_is_object, and
    kpikit_parse_timestamp_text / kpikit_parse_number_text, those of parse_timestamp_text and
    parse_number_text. PostgreSQL 15 has no error-free JSON test or cast (`is json` and
    pg_input_is_valid are 16+), so plpgsql functions catch the errors. -#}
{% macro postgres__create_warehouse_functions() -%}
    create schema if not exists {{ adapter.quote(target.schema) }};
    create or replace function {{ adapter.quote(target.schema) }}.kpikit_json_is_object(
        candidate text
    )
    returns boolean
    language plpgsql
    immutable
    -- unsafe: the exception block opens a subtransaction, which no process of a parallel
    -- query may (so a query calling it runs without parallel workers)
    parallel unsafe
    as $function$
    begin
        if candidate is null then
            return null;
        end if;
        return json_typeof(cast(candidate as json)) = 'object';
    exception
        when invalid_text_representation or untranslatable_character then
            return false;
    end;
    $function$;
    create or replace function {{ adapter.quote(target.schema) }}.kpikit_parse_timestamp_text(
        candidate text
    )
    returns timestamp
    language plpgsql
    immutable
    parallel unsafe
    as $function$
    begin
        if candidate is null or upper(candidate) !~ '{{ kpikit.iso_timestamp_pattern() }}' then
            return null;
        end if;
        if upper(candidate) ~ '{{ kpikit.iso_offset_pattern() }}' then
            return cast(upper(candidate) as timestamptz) at time zone 'UTC';
        end if;
        return cast(candidate as timestamp);
    exception
        when others then
            return null;
    end;
    $function$;
    create or replace function {{ adapter.quote(target.schema) }}.kpikit_parse_number_text(
        candidate text
    )
    returns double precision
    language plpgsql
    immutable
    parallel unsafe
    as $function$
    begin
        if candidate is null or trim(candidate) !~ '{{ kpikit.number_pattern() }}' then
            return null;
        end if;
        return cast(trim(candidate) as double precision);
    exception
        when others then
            return null;
    end;
    $function$
{%- endmacro %}
