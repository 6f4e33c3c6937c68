{#-
    Run at the start of every dbt invocation (on-run-start): stops the run with a clear message
    when a configuration var would otherwise produce a wrong number.
-#}
{% macro validate_config() %}
    {%- set errors = [] -%}

    {%- for name in ['activation_window_days', 'conversion_window_days', 'task_timeout_minutes', 'mau_window_days', 'max_event_delay_days'] -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value is boolean or value != value | int or value < 1 -%}
            {%- do errors.append(name ~ " must be a positive whole number, got '" ~ value ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set skew = var('max_clock_skew_hours') -%}
    {%- if skew is not number or skew is boolean or skew != skew | int or skew < 0 -%}
        {%- do errors.append("max_clock_skew_hours must be a whole number >= 0, got '" ~ skew ~ "'") -%}
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

    {%- set tracker = var('kpikit_tracker') -%}
    {%- if tracker not in ['native', 'segment', 'rudderstack', 'snowplow'] -%}
        {%- do errors.append("kpikit_tracker '" ~ tracker ~ "' is not a tracker kpikit reads: set it to native (the raw tables of vars kpikit_events, kpikit_users, kpikit_survey_responses), segment, rudderstack or snowplow") -%}
    {%- endif -%}

    {%- for name, keys in [
        ('task_events', ['started', 'completed', 'failed', 'abandoned', 'error']),
        ('event_property_keys', ['feature', 'task_id', 'attempt_id']),
        ('survey_names', ['nps', 'csat', 'sus']),
    ] -%}
        {%- set mapping = var(name) -%}
        {%- if mapping is not mapping -%}
            {%- do errors.append(name ~ " must map " ~ keys | join(', ') ~ " to names, got '" ~ mapping ~ "'") -%}
        {%- else -%}
            {%- for key in keys -%}
                {%- set value = mapping.get(key) -%}
                {%- if value is not string or value | trim == '' -%}
                    {%- do errors.append(name ~ "." ~ key ~ " must be a non-empty name, got '" ~ value ~ "'") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for key in mapping if key not in keys -%}
                {%- do errors.append(name ~ " has no key '" ~ key ~ "' (its keys are " ~ keys | join(', ') ~ ")") -%}
            {%- endfor -%}
            {%- if mapping.values() | unique | list | length != mapping.values() | list | length -%}
                {%- do errors.append(name ~ " must give each key its own name, got " ~ mapping) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}

    {#- YAML may load an unquoted value as a date or datetime: judge its text. -#}
    {%- set build_time = var('kpikit_build_time') -%}
    {%- if build_time is not none and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$', build_time | string) -%}
        {%- do errors.append("kpikit_build_time must be null or a UTC timestamp 'YYYY-MM-DD HH:MM:SS', got '" ~ build_time ~ "'") -%}
    {%- endif -%}

    {%- set custom_kpis = var('kpikit_custom_kpis') -%}
    {%- set builtin_ids = kpikit.kpi_ids(include_custom=false) -%}
    {%- set custom_ids = [] -%}
    {%- if custom_kpis is string or custom_kpis is not iterable -%}
        {%- do errors.append("kpikit_custom_kpis must be a list of {model: <your model>, kpi_ids: [<its kpi_ids>]}, got '" ~ custom_kpis ~ "'") -%}
    {%- else -%}
        {%- for custom in custom_kpis -%}
            {%- if custom is not mapping or custom.get('model') is not string or custom.get('kpi_ids') is string or custom.get('kpi_ids') is not iterable or custom.get('kpi_ids') | length == 0 -%}
                {%- do errors.append("kpikit_custom_kpis entries are {model: <your model>, kpi_ids: [<its kpi_ids>]}, got '" ~ custom ~ "'") -%}
            {%- else -%}
                {%- for kpi_id in custom['kpi_ids'] -%}
                    {%- if kpi_id in builtin_ids -%}
                        {%- do errors.append("kpikit_custom_kpis: model " ~ custom['model'] ~ " publishes kpi_id '" ~ kpi_id ~ "', which is one of kpikit's own: give your KPI another name") -%}
                    {%- elif kpi_id in custom_ids -%}
                        {%- do errors.append("kpikit_custom_kpis: kpi_id '" ~ kpi_id ~ "' is listed twice") -%}
                    {%- endif -%}
                    {%- do custom_ids.append(kpi_id) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {%- set event_tables = var('segment_event_tables') -%}
    {%- if event_tables is string or event_tables is not iterable -%}
        {%- do errors.append("segment_event_tables must be a list of event table names, got '" ~ event_tables ~ "'") -%}
    {%- endif -%}

    {%- for name in ['events_freshness_warn_days', 'events_freshness_error_days', 'users_freshness_warn_days', 'survey_responses_freshness_warn_days'] -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value is boolean or value <= 0 -%}
            {%- do errors.append(name ~ " must be a number of days > 0, got '" ~ value ~ "'") -%}
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
