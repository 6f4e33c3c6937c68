{#-
    A select of (date_day, distinct_count): for each day of `spine` (a relation or CTE with a
    `date_day` column), the number of distinct entities active on at least one day of the
    `window_days` days ending that day.

    Cost is O(entity-days), not O(days × window × entities): each active day covers the days from
    itself up to (not including) the entity's next active day or the end of its window, whichever
    comes first. These spans never overlap for one entity, so a running sum of +1 at each span's
    start and −1 at its end counts distinct entities. `activity` must hold one row per entity and
    day, and the spine must start on or before the first active day.
-#}
{% macro trailing_distinct_count(activity, entity_column, day_column, spine, window_days) -%}
    {%- if window_days | int < 1 -%}
        {{ exceptions.raise_compiler_error("trailing_distinct_count: window_days must be a positive integer, got " ~ window_days) }}
    {%- endif -%}
    with activity_with_next_day as (
        select
            {{ day_column }} as span_start,
            cast({{ dbt.dateadd('day', window_days | int, day_column) }} as date) as window_end,
            lead({{ day_column }}) over (
                partition by {{ entity_column }} order by {{ day_column }}
            ) as next_active_day
        from {{ activity }}
    ),

    coverage_marks as (
        select span_start as mark_day, 1 as delta
        from activity_with_next_day
        union all
        select
            case
                when next_active_day is not null and next_active_day < window_end
                    then next_active_day
                else window_end
            end as mark_day,
            -1 as delta
        from activity_with_next_day
    ),

    daily_deltas as (
        select mark_day, sum(delta) as delta
        from coverage_marks
        group by mark_day
    )

    select
        spine_days.date_day,
        cast(sum(coalesce(daily_deltas.delta, 0)) over (
            order by spine_days.date_day rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as distinct_count
    from {{ spine }} as spine_days
    left join daily_deltas on spine_days.date_day = daily_deltas.mark_day
{%- endmacro %}
