{#-
    Incremental strategy `delete_insert_bounded`: dbt's delete+insert on a single-column
    unique_key, whose delete only looks at the stored rows whose bound column (model config
    `meta: {delete_bound_column: ...}`, a date or timestamp) is at or after the smallest value of
    that column among the new rows. Exact only when a stored row a new row replaces never has an
    earlier value than its replacement: the model's description must say why that holds. Worth
    it when the bound is not the key (DuckDB already skips row groups by the keys it deletes)
    and the table is stored in (or close to) the bound's order, as int_events_identified is by
    event_day for received_at: DuckDB then skips the older row groups, with the bound read from
    the new rows when the delete runs. Elsewhere it is only one more filter. With no new rows
    the bound is later than every row and nothing is deleted, as with plain delete+insert.
-#}
{% macro get_incremental_delete_insert_bounded_sql(arg_dict) -%}
    {%- set bound_column = config.meta_get('delete_bound_column') -%}
    {%- set bound_types = arg_dict['dest_columns']
        | selectattr('name', 'equalto', bound_column) | map(attribute='data_type')
        | map('lower') | list -%}
    {%- if bound_types | length != 1
        or not (bound_types[0].startswith('date') or bound_types[0].startswith('timestamp')) -%}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ ": incremental_strategy 'delete_insert_bounded' needs"
            ~ " `meta: {delete_bound_column: ...}`, a date or timestamp column of the model that"
            ~ " every replaced row is at or after; got " ~ (bound_column or 'none')
            ~ (' of type ' ~ bound_types[0] if bound_types | length == 1 else '') ~ "."
        ) }}
    {%- endif -%}
    {%- if arg_dict['unique_key'] is not string -%}
        {#- dbt-duckdb's delete for several key columns joins the new rows in with `using`:
            the bound column's name would then be ambiguous. -#}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ ": incremental_strategy 'delete_insert_bounded' needs a"
            ~ " unique_key of one column."
        ) }}
    {%- endif -%}
    {#- With no new rows, a bound later than every row: a null would cost DuckDB a full scan. -#}
    {%- set bound -%}
        {{ bound_column }} >= (
            select coalesce(min({{ bound_column }}), cast('infinity' as {{ bound_types[0] }}))
            from {{ arg_dict['temp_relation'] }}
        )
    {%- endset -%}
    {%- set predicates = arg_dict['incremental_predicates'] or [] -%}
    {%- set predicates = ([predicates] if predicates is string else predicates) + [bound] -%}
    {%- do arg_dict.update({'incremental_predicates': predicates}) -%}
    {{ return(get_incremental_delete_insert_sql(arg_dict)) }}
{%- endmacro %}
