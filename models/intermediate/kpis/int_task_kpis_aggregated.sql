with

task_attempts as (
    select * from {{ ref('fct_task_attempts') }}
),

as_of_date as (
    select * from {{ ref('int_as_of_date') }}
),

attempts_by_dimension as (
    select
        'all' as dimension,
        'all' as dimension_value,
        start_month,
        outcome,
        error_count,
        duration_seconds
    from task_attempts
    where is_counted
    union all
    select
        'task_id' as dimension,
        task_id as dimension_value,
        start_month,
        outcome,
        error_count,
        duration_seconds
    from task_attempts
    where is_counted and task_id is not null
),

monthly_task_stats as (
    select
        dimension,
        dimension_value,
        start_month,
        count(*) as counted_attempts,
        sum(case when outcome = 'completed' then 1 else 0 end) as completed_attempts,
        sum(error_count) as task_errors,
        sum(
            case when outcome = 'completed' and duration_seconds > 0 then 1 else 0 end
        ) as timed_attempts,
        {{ kpikit.geometric_mean(
            "case when outcome = 'completed' and duration_seconds > 0 then duration_seconds end"
        ) }} as geometric_mean_seconds
    from attempts_by_dimension
    group by dimension, dimension_value, start_month
),

stats_with_completeness as (
    select
        monthly_task_stats.*,
        {{ kpikit.month_end('monthly_task_stats.start_month') }} <= as_of_date.as_of_date
            as is_complete
    from monthly_task_stats
    cross join as_of_date
),

task_kpi_values as (
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='task_success_rate',
            grain='month',
            period_start='start_month',
            dimension='dimension',
            dimension_value='dimension_value',
            value=kpikit.safe_ratio('completed_attempts', 'counted_attempts'),
            numerator='completed_attempts',
            denominator='counted_attempts',
            sample_size='counted_attempts',
            ci_low=kpikit.adjusted_wald_bound('completed_attempts', 'counted_attempts', 'lower'),
            ci_high=kpikit.adjusted_wald_bound('completed_attempts', 'counted_attempts', 'upper'),
            is_complete='is_complete'
        ) }}
    from stats_with_completeness
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='task_error_rate',
            grain='month',
            period_start='start_month',
            dimension='dimension',
            dimension_value='dimension_value',
            value=kpikit.safe_ratio('task_errors', 'counted_attempts'),
            numerator='task_errors',
            denominator='counted_attempts',
            sample_size='counted_attempts',
            is_complete='is_complete'
        ) }}
    from stats_with_completeness
    union all
    select
        {{ kpikit.kpi_value_columns(
            kpi_id='time_on_task_seconds',
            grain='month',
            period_start='start_month',
            dimension='dimension',
            dimension_value='dimension_value',
            value='geometric_mean_seconds',
            sample_size='timed_attempts',
            is_complete='is_complete'
        ) }}
    from stats_with_completeness
    where timed_attempts > 0
)

select * from task_kpi_values
