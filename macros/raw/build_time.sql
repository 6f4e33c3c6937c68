{#- The build time raw times are judged against (a timestamp literal, UTC): var
    `kpikit_build_time` when set (reproducible backfills, unit tests), else the dbt invocation's
    start (run_started_at). -#}
{% macro build_time() -%}
    {%- set pinned = var('kpikit_build_time', none) -%}
    {%- if pinned -%}
        {{ kpikit.timestamp_literal(pinned | string | replace('T', ' ')) }}
    {%- else -%}
        {{ kpikit.timestamp_literal(run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f")) }}
    {%- endif -%}
{%- endmacro %}

{#- True when a UTC timestamp is later than the build time plus var `max_clock_skew_hours`: a
    time stamped in the future of the build. -#}
{% macro is_in_future(timestamp_expression) -%}
    {{ timestamp_expression }} > {{ dbt.dateadd(
        'hour', var('max_clock_skew_hours'), kpikit.build_time()
    ) }}
{%- endmacro %}
