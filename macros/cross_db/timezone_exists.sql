{#- True when the warehouse knows the IANA time zone name (runs a query; call at execution). -#}
{% macro timezone_exists(timezone) -%}
    {{ return(adapter.dispatch('timezone_exists', 'kpikit')(timezone)) }}
{%- endmacro %}

{% macro default__timezone_exists(timezone) -%}
    {%- set query -%}
        select count(*) from pg_timezone_names where name = '{{ timezone | replace("'", "''") }}'
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro duckdb__timezone_exists(timezone) -%}
    {%- set query -%}
        select count(*) from pg_timezone_names() where name = '{{ timezone | replace("'", "''") }}'
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}
