{#-
    Nothing lost silently: the rows of a raw source must equal the rows the staging layer used,
    plus those it counted as duplicates, plus those it quarantined. `model` is the staging model of
    used rows; `classified` holds every raw row with a row_status; `quarantine` the quarantine
    model. Fails with one row giving the four counts when they do not add up.
-#}
{% test rows_reconcile(model, source_relation, classified, quarantine) %}
    with counts as (
        select
            (select count(*) from {{ source_relation }}) as raw_rows,
            (select count(*) from {{ model }}) as used_rows,
            (select count(*) from {{ classified }} where row_status = 'duplicate') as duplicate_rows,
            (select count(*) from {{ quarantine }}) as quarantined_rows
    )

    select *
    from counts
    where raw_rows != used_rows + duplicate_rows + quarantined_rows
{% endtest %}
