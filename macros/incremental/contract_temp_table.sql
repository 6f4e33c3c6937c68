{#-
    PostgreSQL (overrides dbt-postgres' macro of the same name): in an incremental run of a
    model with an enforced contract, the temporary table of the new rows gets the contract's
    column types, as the model's table did when it was built. dbt-postgres creates it from the
    model's SQL alone, so a column whose SQL type differs from its contract type in name only
    (text, as dbt.type_string() renders, for a contract's varchar) reads as a changed column
    type, and on_schema_change='fail' stops every incremental run. The contract is checked
    against the model's SQL as before; constraints stay on the model's table only, as in
    dbt-postgres. Every other table is dbt-postgres' own.
-#}
{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {%- if temporary and config.get('contract').enforced -%}
        {%- set sql_header = config.get('sql_header', none) -%}
        {{ sql_header if sql_header is not none }}
        create temporary table {{ relation }}
        {{ get_assert_columns_equivalent(sql) }}
        (
            {%- for column in model['columns'].values() %}
                {{ adapter.quote(column['name']) if column.get('quote') else column['name'] }}
                {{ column['data_type'] }}{{ ',' if not loop.last }}
            {%- endfor %}
        );
        insert into {{ relation }} ({{ adapter.dispatch('get_column_names', 'dbt')() }})
        {{ get_select_subquery(sql) }};
    {%- else -%}
        {{ dbt.postgres__create_table_as(temporary, relation, sql) }}
    {%- endif -%}
{%- endmacro %}
