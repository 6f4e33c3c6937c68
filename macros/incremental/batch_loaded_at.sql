{#-
    The load mark of the rows an incremental model writes in this dbt invocation: the run's start
    time (UTC), the same in every model of one invocation. A downstream incremental model
    processes the upstream rows whose mark is later than the latest mark in its own table.
-#}
{% macro batch_loaded_at() -%}
    {{ kpikit.timestamp_literal(run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f")) }}
{%- endmacro %}

{#-
    The latest load mark already in this incremental model's table (the last run that wrote to
    it), as a timestamp literal; 1900-01-01 when the table is empty. Read once when the model
    runs, so the warehouse sees a constant it can prune with. Only for `{% if is_incremental() %}`.
-#}
{% macro last_batch_loaded_at() -%}
    {{ return(kpikit.scalar_timestamp_of(this, 'max(batch_loaded_at)')) }}
{%- endmacro %}

{#-
    The start of the re-read window of an incremental model keyed on received_at: the latest
    received_at already in this model's table minus var `incremental_lookback_days`, as a
    timestamp literal (1900-01-01 when the table is empty). Raw rows received at or after it are
    read again, so rows loaded late (received_at earlier than rows already processed) within the
    lookback are still picked up. Only for `{% if is_incremental() %}`.
-#}
{% macro received_since(received_at_column='received_at', condition=none) -%}
    {{ return(kpikit.scalar_timestamp_of(this, dbt.dateadd(
        'day', -1 * var('incremental_lookback_days'), 'max(' ~ received_at_column ~ ')'
    ), condition)) }}
{%- endmacro %}

{#-
    A timestamp aggregate over `relation` (1900-01-01 when it is null), of the rows meeting
    `condition` if given, read when the model runs and returned as a literal. In a unit test
    `this` is the test's fixture (a CTE name, not a relation), and so is every input: the
    aggregate stays a scalar subquery there.
-#}
{% macro scalar_timestamp_of(relation, aggregate, condition=none) -%}
    {%- set none_loaded = kpikit.timestamp_literal('1900-01-01 00:00:00') -%}
    {%- set where = ' where ' ~ condition if condition is not none else '' -%}
    {%- if this is string -%}
        {{ return(
            '(select coalesce(' ~ aggregate ~ ', ' ~ none_loaded ~ ') from ' ~ relation ~ where
            ~ ')'
        ) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(none_loaded) }}
    {%- endif -%}
    {%- set query -%}
        select cast({{ aggregate }} as {{ dbt.type_string() }}) from {{ relation }}{{ where }}
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{ return(none_loaded if value is none else kpikit.timestamp_literal(value)) }}
{%- endmacro %}

{% macro timestamp_literal(text) -%}
    cast('{{ text }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
