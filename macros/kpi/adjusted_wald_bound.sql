{#- One bound of the adjusted-Wald (Agresti-Coull) interval for x successes out of n trials:
    p' = (x + z²/2) / (n + z²), p' ± z·sqrt(p'(1 − p') / (n + z²)), clipped to [0, 1].
    bound is 'lower' or 'upper'; z defaults to 1.96 (95%). -#}
{% macro adjusted_wald_bound(successes, trials, bound, z=1.96) -%}
    {%- if bound not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("adjusted_wald_bound: bound must be 'lower' or 'upper', got '" ~ bound ~ "'") }}
    {%- endif -%}
    {%- set z_squared = z * z -%}
    {%- set adjusted_p -%}
        ((cast({{ successes }} as {{ kpikit.type_double() }}) + {{ z_squared / 2 }}) / ({{ trials }} + {{ z_squared }}))
    {%- endset -%}
    {%- set half_width -%}
        ({{ z }} * sqrt({{ adjusted_p }} * (1 - {{ adjusted_p }}) / ({{ trials }} + {{ z_squared }})))
    {%- endset -%}
    {%- if bound == 'lower' -%}
        greatest(0.0, {{ adjusted_p }} - {{ half_width }})
    {%- else -%}
        least(1.0, {{ adjusted_p }} + {{ half_width }})
    {%- endif -%}
{%- endmacro %}
