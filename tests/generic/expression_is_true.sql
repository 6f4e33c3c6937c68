{#- Fails on every row where the boolean SQL expression is not true (false or null). Narrow the
    rows it applies to with the test's `where` config. -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
