{#-
    Bookkeeping of the incremental marts (macros/incremental/mart_load_marks.sql): one row per
    mart maintained incrementally, written only by that mart's post-hook. The model itself
    selects no row: a build creates the table empty, an incremental run adds nothing. A
    --full-refresh of it empties it, so every such mart rebuilds all its rows on its next run.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as {{ dbt.type_timestamp() }}) as batch_loaded_at
where 1 = 0
