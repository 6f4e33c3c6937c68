{#-
    The column `built_with_settings` of an incremental model: the vars its stored rows depend on,
    as text ("kpi_timezone=UTC; passive_events=[...]"). In an incremental run it first checks
    the stored rows: when they were built with other values, the run stops with an error that
    says to rebuild with --full-refresh, instead of mixing rows of two definitions.
-#}
{% macro settings_fingerprint_column(var_names) -%}
    {%- set fingerprint = kpikit.settings_fingerprint(var_names) -%}
    {%- if execute and is_incremental() and this is not string -%}
        {%- set stored = run_query(
            'select distinct built_with_settings from ' ~ this
        ).columns[0].values() -%}
        {%- for value in stored if value != fingerprint -%}
            {{ exceptions.raise_compiler_error(
                "kpikit: " ~ this ~ " holds rows built with " ~ value ~ ", but this run uses "
                ~ fingerprint ~ ". An incremental run would mix the two definitions: rebuild it"
                ~ " with `dbt build --full-refresh` (or run with the vars it was built with)."
            ) }}
        {%- endfor -%}
    {%- endif -%}
    cast('{{ fingerprint | replace("'", "''") }}' as {{ dbt.type_string() }})
{%- endmacro %}

{#- The vars `var_names` with their values, as text: "kpi_timezone=\"UTC\"; mau_window_days=28". -#}
{% macro settings_fingerprint(var_names) -%}
    {%- set parts = [] -%}
    {%- for name in var_names -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name))) -%}
    {%- endfor -%}
    {{ return(parts | join('; ')) }}
{%- endmacro %}
