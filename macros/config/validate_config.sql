{#-
    Run at the start of every dbt invocation (on-run-start): stops the run with a clear message
    when a configuration var would otherwise produce a wrong number.
-#}
{% macro validate_config() %}
    {%- set errors = [] -%}

    {%- for name in ['activation_window_days', 'conversion_window_days', 'task_timeout_minutes', 'mau_window_days'] -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value is boolean or value != value | int or value < 1 -%}
            {%- do errors.append(name ~ " must be a positive whole number, got '" ~ value ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set skew = var('max_clock_skew_hours') -%}
    {%- if skew is not number or skew is boolean or skew < 0 -%}
        {%- do errors.append("max_clock_skew_hours must be a number >= 0, got '" ~ skew ~ "'") -%}
    {%- endif -%}

    {%- set lookback = var('incremental_lookback_days') -%}
    {%- if lookback is not number or lookback is boolean or lookback != lookback | int or lookback < 0 -%}
        {%- do errors.append("incremental_lookback_days must be a whole number >= 0, got '" ~ lookback ~ "'") -%}
    {%- endif -%}

    {%- set retention_days = var('retention_days') -%}
    {%- if retention_days is string or retention_days is not iterable or retention_days | length == 0 -%}
        {%- do errors.append("retention_days must be a non-empty list of whole numbers >= 0, got '" ~ retention_days ~ "'") -%}
    {%- else -%}
        {%- for day in retention_days -%}
            {%- if day is not number or day is boolean or day != day | int or day < 0 -%}
                {%- do errors.append("retention_days must hold whole numbers >= 0, got '" ~ day ~ "'") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if retention_days | unique | list | length != retention_days | length -%}
            {%- do errors.append("retention_days must not repeat a day, got " ~ retention_days) -%}
        {%- endif -%}
    {%- endif -%}

    {%- for name, minimum in [('conversion_steps', 1), ('activation_events', 1), ('passive_events', 0)] -%}
        {%- set values = var(name) -%}
        {%- if values is string or values is not iterable or values | length < minimum -%}
            {%- do errors.append(name ~ " must be a list of event names" ~ (" (at least one)" if minimum else "") ~ ", got '" ~ values ~ "'") -%}
        {%- else -%}
            {%- for value in values if value is not string or value | trim == '' -%}
                {%- do errors.append(name ~ " must hold non-empty event names, got '" ~ value ~ "'") -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if var('raw_path', none) and target.type != 'duckdb' -%}
        {%- do errors.append("raw_path (reading Parquet files directly) works on DuckDB only; on " ~ target.type ~ " load the files into the raw schema instead") -%}
    {%- endif -%}

    {%- set timezone = var('kpi_timezone') -%}
    {%- if timezone is not string or timezone | trim == '' -%}
        {%- do errors.append("kpi_timezone must be an IANA time zone name such as 'UTC' or 'Europe/Paris', got '" ~ timezone ~ "'") -%}
    {%- elif execute and timezone | upper != 'UTC' and not kpikit.timezone_exists(timezone) -%}
        {%- do errors.append("kpi_timezone '" ~ timezone ~ "' is not a time zone this warehouse knows (use an IANA name such as 'Europe/Paris')") -%}
    {%- endif -%}

    {%- if errors -%}
        {{ exceptions.raise_compiler_error("kpikit: invalid configuration:\n  - " ~ errors | join("\n  - ")) }}
    {%- endif -%}
    select 1 {#- a harmless statement: on-run-start needs SQL to run -#}
{% endmacro %}
