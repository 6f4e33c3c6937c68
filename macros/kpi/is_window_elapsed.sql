{#- True when day + window_days is on or before the as-of date: a cohort of that day has had
    its whole window observed. All three are SQL expressions; window_days may be a var's value. -#}
{% macro is_window_elapsed(day, window_days, as_of_date) -%}
    (cast({{ dbt.dateadd('day', window_days, day) }} as date) <= {{ as_of_date }})
{%- endmacro %}
