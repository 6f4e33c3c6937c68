{#-
    Post-hook of the staging models of used rows (stg_raw__events, stg_raw__users,
    stg_raw__survey_responses): a feed with no valid row at all stops the run here, with one
    error naming the input and counting its raw rows by fate and quarantine reason (read from
    the input's *_classified view, beside `this`), instead of failing later in a KPI model or a
    test. Nothing under --empty.
-#}
{% macro require_valid_rows(input) -%}
    {%- if not execute or flags.EMPTY -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set used = run_query('select count(*) from ' ~ this).columns[0].values()[0] -%}
    {%- if used > 0 -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set classified = this.incorporate(path={'identifier': 'stg_raw__' ~ input ~ '_classified'}) -%}
    {%- set outcomes = run_query(
        'select coalesce(quarantine_reason, row_status) as outcome, count(*) as row_count from '
        ~ classified ~ ' group by coalesce(quarantine_reason, row_status)'
        ~ ' order by count(*) desc, coalesce(quarantine_reason, row_status)'
    ) -%}
    {%- set parts = [] -%}
    {%- set total = namespace(rows=0) -%}
    {%- for row in outcomes.rows -%}
        {%- set total.rows = total.rows + row[1] -%}
        {%- do parts.append(row[1] ~ ' ' ~ row[0]) -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "kpikit: the " ~ input ~ " input has no valid row ("
        ~ (total.rows ~ " rows: " ~ parts | join(', ') if total.rows else "it is empty")
        ~ "). Fix the feed, or point var `kpikit_" ~ input ~ "` (or `kpikit_tracker`) at the"
        ~ " table holding your " ~ input | replace('_', ' ') ~ " (docs/package.md)."
    ) }}
{%- endmacro %}
