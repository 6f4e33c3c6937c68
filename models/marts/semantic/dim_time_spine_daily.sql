{#-
    MetricFlow's time spine: one row per calendar day from var `time_spine_start_date` to var
    `time_spine_end_date`. It holds plain dates: the semantic models' time dimensions are already
    local days and months (var `kpi_timezone`), so no time zone applies here.
-#}
with

spine_days as (
    {{ kpikit.date_spine(
        "cast('" ~ var('time_spine_start_date') ~ "' as date)",
        "cast('" ~ var('time_spine_end_date') ~ "' as date)"
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from spine_days
)

select * from final
