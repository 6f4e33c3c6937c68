{#- The primary-key test of a model whose key spans several columns: fails on every combination
    of values that occurs more than once, or that has a null in a key column. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    with keyed_rows as (
        select {{ combination_of_columns | join(', ') }}
        from {{ model }}
    ),

    duplicated_keys as (
        select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
        from keyed_rows
        group by {{ combination_of_columns | join(', ') }}
        having count(*) > 1
    ),

    null_keys as (
        select {{ combination_of_columns | join(', ') }}, 1 as occurrences
        from keyed_rows
        where {% for column in combination_of_columns -%}
            {{ column }} is null{{ " or " if not loop.last }}
        {%- endfor %}
    )

    select * from duplicated_keys
    union all
    select * from null_keys
{% endtest %}
