{#- One bound of the 95% interval of NPS from promoter and detractor counts out of n responses:
    p, d the shares, se = sqrt((p + d − (p − d)²) / n), nps ± 100·z·se, clipped to [−100, 100]. -#}
{% macro nps_interval_bound(promoters, detractors, responses, bound, z=1.96) -%}
    {%- if bound not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("nps_interval_bound: bound must be 'lower' or 'upper', got '" ~ bound ~ "'") }}
    {%- endif -%}
    {%- set promoter_share = 'cast(' ~ promoters ~ ' as ' ~ kpikit.type_double() ~ ') / (' ~ responses ~ ')' -%}
    {%- set detractor_share = 'cast(' ~ detractors ~ ' as ' ~ kpikit.type_double() ~ ') / (' ~ responses ~ ')' -%}
    {%- set nps -%}
        (100.0 * ({{ promoter_share }} - {{ detractor_share }}))
    {%- endset -%}
    {%- set half_width -%}
        (100.0 * {{ z }} * sqrt(
            ({{ promoter_share }} + {{ detractor_share }}
            - ({{ promoter_share }} - {{ detractor_share }}) * ({{ promoter_share }} - {{ detractor_share }}))
            / ({{ responses }})
        ))
    {%- endset -%}
    {%- if bound == 'lower' -%}
        greatest(-100.0, {{ nps }} - {{ half_width }})
    {%- else -%}
        least(100.0, {{ nps }} + {{ half_width }})
    {%- endif -%}
{%- endmacro %}
