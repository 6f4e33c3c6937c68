{{ kpikit.validate_scorecard_vars() }}

with

kpi_registry as (
    select * from {{ ref('stg_registry__kpi_entries') }}
),

kpi_values as (
    select * from {{ ref('kpi_values') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_date') }}
),

registry_entries as (
    select
        goal,
        kpi_id,
        coalesce(dimension, 'all') as dimension,
        coalesce(dimension_value, 'all') as dimension_value,
        level,
        owner,
        indicator_type,
        direction,
        unit,
        review_cadence,
        guardrail_for,
        baseline_value,
        target_value,
        guardrail_for is not null as is_guardrail,
        baseline_period_start,
        target_date
    from kpi_registry
),

as_of as (
    -- one row even when there is no data at all
    select max(as_of_date) as as_of_date
    from as_of_dates
),

complete_monthly_values as (
    select
        kpi_id,
        dimension,
        dimension_value,
        period_start,
        value,
        sample_size
    from kpi_values
    where grain = 'month' and is_complete
),

latest_periods as (
    select
        kpi_id,
        dimension,
        dimension_value,
        max(period_start) as latest_period_start
    from complete_monthly_values
    group by kpi_id, dimension, dimension_value
),

latest_and_previous_values as (
    select
        latest_periods.kpi_id,
        latest_periods.dimension,
        latest_periods.dimension_value,
        latest_values.value as latest_value,
        previous_values.value as previous_value,
        latest_values.sample_size as latest_sample_size,
        latest_periods.latest_period_start,
        previous_values.period_start as previous_period_start
    from latest_periods
    inner join complete_monthly_values as latest_values
        on
            latest_periods.kpi_id = latest_values.kpi_id
            and latest_periods.dimension = latest_values.dimension
            and latest_periods.dimension_value = latest_values.dimension_value
            and latest_periods.latest_period_start = latest_values.period_start
    left join complete_monthly_values as previous_values
        on
            latest_periods.kpi_id = previous_values.kpi_id
            and latest_periods.dimension = previous_values.dimension
            and latest_periods.dimension_value = previous_values.dimension_value
            and previous_values.period_start = cast(
                {{ dbt.dateadd('month', -1, 'latest_periods.latest_period_start') }} as date
            )
),

entries_measured as (
    select
        registry_entries.*,
        latest_and_previous_values.latest_value,
        latest_and_previous_values.previous_value,
        latest_and_previous_values.latest_sample_size,
        latest_and_previous_values.latest_period_start,
        latest_and_previous_values.previous_period_start,
        as_of.as_of_date,
        {{ kpikit.safe_ratio(
            'latest_and_previous_values.latest_value - registry_entries.baseline_value',
            'registry_entries.target_value - registry_entries.baseline_value',
        ) }} as progress,
        {{ kpikit.safe_ratio(
            dbt.datediff('registry_entries.baseline_period_start', 'as_of.as_of_date', 'day'),
            dbt.datediff('registry_entries.baseline_period_start', 'registry_entries.target_date', 'day'),
        ) }} as elapsed_share
    from registry_entries
    cross join as_of
    left join latest_and_previous_values
        on
            registry_entries.kpi_id = latest_and_previous_values.kpi_id
            and registry_entries.dimension = latest_and_previous_values.dimension
            and registry_entries.dimension_value = latest_and_previous_values.dimension_value
),

entries_assessed as (
    select
        *,
        case
            when elapsed_share < 0 then 0.0
            when elapsed_share > 1 then 1.0
            else elapsed_share
        end as expected_progress,
        case
            when latest_value is null then null
            when direction = 'higher_is_better' then latest_value >= target_value
            else latest_value <= target_value
        end as is_target_met,
        as_of_date > target_date as is_target_date_passed,
        case
            when not is_guardrail or latest_value is null then null
            else
                (case
                    when direction = 'higher_is_better' then baseline_value - latest_value
                    else latest_value - baseline_value
                end) > {{ var('guardrail_tolerance') }} * abs(baseline_value)
        end as guardrail_breached,
        case
            when latest_sample_size is null then null
            else latest_sample_size < {{ var('min_sample_size') }}
        end as is_low_sample
    from entries_measured
),

entries_with_status as (
    select
        *,
        case
            when latest_value is null then 'no_data'
            when is_target_met then 'achieved'
            when is_target_date_passed then 'off_track'
            when
                progress
                < expected_progress - {{ var('scorecard_off_track_margin') }}
                then 'off_track'
            when
                progress
                < expected_progress - {{ var('scorecard_at_risk_margin') }}
                then 'at_risk'
            else 'on_track'
        end as status
    from entries_assessed
),

final as (
    select
        cast(goal as {{ dbt.type_string() }}) as goal,
        cast(kpi_id as {{ dbt.type_string() }}) as kpi_id,
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(dimension_value as {{ dbt.type_string() }}) as dimension_value,
        cast(level as {{ dbt.type_string() }}) as level,  -- noqa: RF04
        cast(owner as {{ dbt.type_string() }}) as owner,  -- noqa: RF04
        cast(indicator_type as {{ dbt.type_string() }}) as indicator_type,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(review_cadence as {{ dbt.type_string() }}) as review_cadence,
        cast(guardrail_for as {{ dbt.type_string() }}) as guardrail_for,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(latest_value as {{ kpikit.type_double() }}) as latest_value,
        cast(previous_value as {{ kpikit.type_double() }}) as previous_value,
        cast(latest_value - previous_value as {{ kpikit.type_double() }}) as value_change,
        cast(baseline_value as {{ kpikit.type_double() }}) as baseline_value,
        cast(target_value as {{ kpikit.type_double() }}) as target_value,
        cast(progress as {{ kpikit.type_double() }}) as progress,
        cast(expected_progress as {{ kpikit.type_double() }}) as expected_progress,
        cast(latest_sample_size as {{ dbt.type_bigint() }}) as latest_sample_size,
        cast(is_guardrail as {{ dbt.type_boolean() }}) as is_guardrail,
        cast(is_target_met as {{ dbt.type_boolean() }}) as is_target_met,
        cast(is_target_date_passed as {{ dbt.type_boolean() }}) as is_target_date_passed,
        cast(guardrail_breached as {{ dbt.type_boolean() }}) as guardrail_breached,
        cast(is_low_sample as {{ dbt.type_boolean() }}) as is_low_sample,
        cast(latest_period_start as date) as latest_period_start,
        cast(previous_period_start as date) as previous_period_start,
        cast(baseline_period_start as date) as baseline_period_start,
        cast(target_date as date) as target_date,
        cast(as_of_date as date) as as_of_date,
        {{ kpikit.next_review_date('review_cadence', 'as_of_date') }} as next_review_date
    from entries_with_status
)

select * from final
