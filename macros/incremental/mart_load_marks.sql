{#-
    Incremental marts without bookkeeping columns. A public mart's contract has no room for a
    load mark, so a mart maintained incrementally keeps its mark in int_mart_load_marks (one row
    per mart: the start of the run that last built it), written by the mart's post-hook in its
    own transaction. The next run reads the upstream rows loaded since that mark
    (last_mart_load), after its pre-hook deleted the stored rows whose upstream row changed or
    disappeared since (delete_mart_rows_changed_upstream). A mart without a mark (first build,
    marks lost, an upgrade from a table) starts from 1900-01-01: every row is rebuilt.
-#}

{#- The mark's key: the model's unique_id (a new version of a mart is another table; in a
    unit test, that of the model under test), followed by the vars `settings` the mart's own
    rows depend on, with their values: a run with other values finds no mark, and rebuilds
    every row instead of mixing two definitions. -#}
{% macro mart_load_mark_key(settings=[]) -%}
    {%- set key = model.tested_node_unique_id or model.unique_id -%}
    {%- if settings -%}
        {%- set key = key ~ ' (' ~ kpikit.settings_fingerprint(settings) ~ ')' -%}
    {%- endif -%}
    '{{ key | replace("'", "''") }}'
{%- endmacro %}

{#-
    This mart's load mark, as a timestamp literal read when the model runs (1900-01-01 when it
    has none). A mart with no row has no mark either, whatever int_mart_load_marks holds: a
    build under --empty (--full-refresh of the mart alone, or after its table was dropped)
    writes no mark and leaves the old one, which the next run must not trust. Rebuilding an
    empty mart costs nothing when its upstream is empty too, the only time it should be.
    `load_marks` is ref('int_mart_load_marks'); in a unit test it is the fixture's name and the
    mark stays a scalar subquery over it. Only for `{% if is_incremental() %}`.
-#}
{% macro last_mart_load(load_marks, settings=[]) -%}
    {{ return(kpikit.scalar_timestamp_of(
        load_marks,
        'max(batch_loaded_at)',
        'model_name = ' ~ kpikit.mart_load_mark_key(settings)
        ~ ' and exists (select 1 from ' ~ this ~ ')'
    )) }}
{%- endmacro %}

{#-
    Pre-hook of an incremental mart whose rows are built from their upstream's rows of the same
    `key_columns` (one for one, or one per key: the upstream then rewrites all the rows of a key
    together): deletes the stored rows whose upstream rows were loaded after the mart's mark
    (changed) or are gone (removed upstream), in the mart's transaction, before the run appends
    the rows built from the upstream rows loaded since the mark. Nothing on a full build, nor
    under --empty (every upstream then reads as empty, which would delete every stored row).
    `settings` as for mart_load_mark_key.
-#}
{% macro delete_mart_rows_changed_upstream(upstream, key_columns, settings=[]) -%}
    {%- if is_incremental() and not flags.EMPTY -%}
        delete from {{ this }} as stored_rows
        where not exists (
            select 1
            from {{ upstream }} as upstream_rows
            where
                {%- for column in key_columns %}
                upstream_rows.{{ column }} = stored_rows.{{ column }} and
                {%- endfor %}
                upstream_rows.batch_loaded_at
                <= {{ kpikit.last_mart_load(ref('int_mart_load_marks'), settings) }}
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of an incremental mart: its new load mark, in its own transaction, replacing
    every earlier mark of the mart. Nothing under --empty, which copies no row (and renders
    ref() as an empty query, not a table). -#}
{% macro record_mart_load(settings=[]) -%}
    {%- if not flags.EMPTY -%}
        {%- set load_marks = ref('int_mart_load_marks') -%}
        {%- set model_id = model.unique_id -%}
        {#- Every mark of the mart goes, whatever settings it was kept for: a mark left for
            other values would be found again, and trusted, if those values came back. Not
            `like`, whose `_` matches any character. -#}
        delete from {{ load_marks }}
        where
            model_name = '{{ model_id }}'
            or substr(model_name, 1, {{ model_id | length + 2 }}) = '{{ model_id }} (';
        insert into {{ load_marks }} (model_name, batch_loaded_at)
        values ({{ kpikit.mart_load_mark_key(settings) }}, {{ kpikit.batch_loaded_at() }})
    {%- endif -%}
{%- endmacro %}
