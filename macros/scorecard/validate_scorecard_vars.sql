{#-
    Stops compilation with a clear message when a scorecard var would give a wrong status:
    scorecard_at_risk_margin and scorecard_off_track_margin must be numbers with
    0 <= at_risk <= off_track; min_sample_size and guardrail_tolerance numbers >= 0;
    max_kpis_per_goal a whole number >= 1. Renders nothing.
-#}
{% macro validate_scorecard_vars() -%}
    {%- set errors = [] -%}
    {%- set at_risk = var('scorecard_at_risk_margin') -%}
    {%- set off_track = var('scorecard_off_track_margin') -%}
    {%- for name in ['scorecard_at_risk_margin', 'scorecard_off_track_margin', 'min_sample_size', 'guardrail_tolerance'] -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value is boolean or value < 0 -%}
            {%- do errors.append(name ~ " must be a number >= 0, got '" ~ value ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not errors and at_risk > off_track -%}
        {%- do errors.append(
            "scorecard_at_risk_margin (" ~ at_risk ~ ") must not exceed scorecard_off_track_margin ("
            ~ off_track ~ ")"
        ) -%}
    {%- endif -%}
    {%- set max_kpis = var('max_kpis_per_goal') -%}
    {%- if max_kpis is not number or max_kpis is boolean or max_kpis != max_kpis | int or max_kpis < 1 -%}
        {%- do errors.append("max_kpis_per_goal must be a whole number >= 1, got '" ~ max_kpis ~ "'") -%}
    {%- endif -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error("kpikit: invalid scorecard configuration:\n  - " ~ errors | join("\n  - ")) }}
    {%- endif -%}
{%- endmacro %}
