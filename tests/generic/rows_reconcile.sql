{#-
    Nothing lost silently: the rows of a raw input must equal the rows the staging layer used,
    plus those it counted as duplicates, plus those it quarantined. `model` is the staging model
    of used rows; `source_relation`, `classified` and `quarantine` name (as text, in the model's
    schema) the input view, the view of every raw row with its row_status and the quarantine
    view. They are names, not refs, so the test has one parent: under `dbt build` a failure skips
    everything downstream of the model, and no mart is rebuilt without the missing rows (the
    model declares `-- depends_on:` the quarantine view, so all three exist when it runs). Fails
    with one row giving the four counts, and logs them with the way out; with
    `incremental_hint`, the lookback that would have read the oldest missed row.
-#}
{% test rows_reconcile(model, source_relation, classified, quarantine, incremental_hint=false) %}
    {%- set input_relation = model.incorporate(path={'identifier': source_relation}) -%}
    {%- set classified_relation = model.incorporate(path={'identifier': classified}) -%}
    {%- set quarantine_relation = model.incorporate(path={'identifier': quarantine}) -%}
    {%- set mismatch -%}
        with counts as (
            select
                (select count(*) from {{ input_relation }}) as raw_rows,
                (select count(*) from {{ model }}) as used_rows,
                (
                    select count(*) from {{ classified_relation }}
                    where row_status = 'duplicate'
                ) as duplicate_rows,
                (select count(*) from {{ quarantine_relation }}) as quarantined_rows
        )

        select *
        from counts
        where raw_rows != used_rows + duplicate_rows + quarantined_rows
    {%- endset -%}
    {%- if execute and adapter.get_relation(
        database=model.database, schema=model.schema, identifier=model.identifier
    ) is not none -%}
        {%- set found = run_query(mismatch) -%}
        {%- for row in found.rows -%}
            {%- set way_out = "rebuild with `dbt build --full-refresh`" -%}
            {%- if incremental_hint -%}
                {%- set missed = run_query(
                    "select cast(" ~ dbt.datediff(
                        "(select min(received_at) from " ~ classified_relation
                        ~ " as classified where row_status = 'used' and not exists (select 1 from "
                        ~ model ~ " as stored where stored.event_id = classified.event_id))",
                        "(select max(received_at) from " ~ input_relation ~ " where not ("
                        ~ kpikit.is_in_future('received_at') ~ "))", 'day'
                    ) ~ " as " ~ dbt.type_int() ~ ") + 1"
                ).columns[0].values()[0] -%}
                {%- if missed is not none -%}
                    {%- set way_out = "run once with --vars '{incremental_lookback_days: "
                        ~ missed ~ "}' (rows loaded that late), or " ~ way_out -%}
                {%- endif -%}
            {%- endif -%}
            {%- do log(
                "kpikit: " ~ model.identifier ~ " accounts for "
                ~ (row[1] + row[2] + row[3]) ~ " of " ~ row[0] ~ " raw rows (used " ~ row[1]
                ~ ", duplicates " ~ row[2] ~ ", quarantined " ~ row[3] ~ "): nothing downstream"
                ~ " is rebuilt. To recover, " ~ way_out ~ ".",
                info=true
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ mismatch }}
{% endtest %}
