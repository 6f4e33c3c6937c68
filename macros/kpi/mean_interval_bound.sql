{#- One bound of the normal interval of a mean, as aggregates over the rows of a group:
    avg ± z·stddev_samp/sqrt(n); null when n < 2 (no sample standard deviation). The aggregates
    read the values in sorted order: a parallel standard deviation combines partial results in
    scan order and differs in the last bits from run to run. -#}
{% macro mean_interval_bound(expression, bound, z=1.96) -%}
    {%- if bound not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("mean_interval_bound: bound must be 'lower' or 'upper', got '" ~ bound ~ "'") }}
    {%- endif -%}
    (case
        when count({{ expression }}) >= 2
            then avg({{ expression }} order by {{ expression }})
                {{ '-' if bound == 'lower' else '+' }} {{ z }}
                * stddev_samp({{ expression }} order by {{ expression }})
                / sqrt(count({{ expression }}))
    end)
{%- endmacro %}
