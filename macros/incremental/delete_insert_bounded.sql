{#-
    Incremental strategy `delete_insert_bounded`: dbt's delete+insert, whose delete only looks at
    the stored rows whose `delete_bound_column` (model config) is at or after the smallest value
    of that column among the new rows. The warehouse can then skip the older data: DuckDB prunes
    its row groups by the bound, read from the new rows when the delete runs; PostgreSQL filters
    by it. Exact only when a stored row a new row replaces never has an earlier value than its
    replacement: the model's description must say why that holds. With no new rows the bound is
    later than every row and nothing is deleted, as with plain delete+insert.
    The column must be a date or timestamp.
-#}
{% macro get_incremental_delete_insert_bounded_sql(arg_dict) -%}
    {%- set bound_column = config.get('delete_bound_column') -%}
    {%- set bound_types = arg_dict['dest_columns']
        | selectattr('name', 'equalto', bound_column) | map(attribute='data_type') | list -%}
    {%- if bound_types | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ ": incremental_strategy 'delete_insert_bounded' needs the"
            ~ " config 'delete_bound_column', a date or timestamp column of the model that every"
            ~ " replaced row is at or after; got " ~ (bound_column or 'none') ~ "."
        ) }}
    {%- endif -%}
    {#- With no new rows, a bound later than every row: a null would cost DuckDB a full scan. -#}
    {%- set bound -%}
        {{ bound_column }} >= (
            select coalesce(min({{ bound_column }}), cast('9999-12-31' as {{ bound_types[0] }}))
            from {{ arg_dict['temp_relation'] }}
        )
    {%- endset -%}
    {%- set predicates = arg_dict['incremental_predicates'] or [] -%}
    {%- set predicates = ([predicates] if predicates is string else predicates) + [bound] -%}
    {%- do arg_dict.update({'incremental_predicates': predicates}) -%}
    {{ return(get_incremental_delete_insert_sql(arg_dict)) }}
{%- endmacro %}
