{#- The vars fct_funnel_entries' own rows depend on beyond its upstream's: its load mark is kept
    per their values (mart_load_mark_key), so a run with another kpi_timezone finds no mark and
    rebuilds every row. conversion_window_days is not one of them: every run brings is_eligible
    up to date (update_funnel_entries_eligibility), and int_funnel_person_steps stops the run
    when the window changes without --full-refresh. -#}
{% macro funnel_entries_settings() -%}
    {{ return(['kpi_timezone']) }}
{%- endmacro %}

{#-
    Pre-hook of fct_funnel_entries, after the delete of the entrants recomputed upstream: sets
    is_eligible of the stored entrants whose window has elapsed since the last run (or, should
    the as-of date move back, no longer has), the only column that moves with the as-of date
    alone. It reads two columns of every stored row and writes only those rows: usually the
    entrants of one day. Nothing on a full build, nor under --empty (the as-of date reads as
    empty).
-#}
{% macro update_funnel_entries_eligibility() -%}
    {%- if is_incremental() and not flags.EMPTY -%}
        {%- set is_eligible = kpikit.is_window_elapsed(
            'entries.entry_day', var('conversion_window_days'), 'as_of_date.as_of_date'
        ) -%}
        update {{ this }} as entries
        set is_eligible = {{ is_eligible }}
        from {{ ref('int_as_of_date') }} as as_of_date
        where entries.is_eligible is distinct from {{ is_eligible }}
    {%- endif -%}
{%- endmacro %}
