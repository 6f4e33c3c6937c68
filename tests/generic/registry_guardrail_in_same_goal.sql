{#- KPI registry rule guardrail_in_same_goal: a row with guardrail_for protects a KPI registered
    under the same goal, and not itself: guardrail_for names the kpi_id of another row of that
    goal. -#}
{% test registry_guardrail_in_same_goal(model) %}
    {%- set violations -%}
        select
            guardrails.goal,
            guardrails.kpi_id,
            guardrails.dimension,
            guardrails.dimension_value,
            'guardrail_in_same_goal' as rule,
            {{ kpikit.registry_failure_message(
                'guardrail_in_same_goal',
                dbt.concat([
                    "'guardrail_for '''",
                    "guardrails.guardrail_for",
                    "case when guardrails.guardrail_for = guardrails.kpi_id"
                    ~ " then ''' is the row''s own kpi_id (a KPI cannot guard itself)'"
                    ~ " else ''' is not a KPI registered under goal ''' || guardrails.goal || '''' end",
                ]),
                alias='guardrails',
            ) }} as failure_message
        from {{ model }} as guardrails
        where
            guardrails.guardrail_for is not null
            and (
                guardrails.guardrail_for = guardrails.kpi_id
                or not exists (
                    select 1
                    from {{ model }} as protected
                    where
                        protected.goal = guardrails.goal
                        and protected.kpi_id = guardrails.guardrail_for
                )
            )
    {%- endset -%}
    {{ kpikit.report_registry_violations(violations, [model]) }}
{% endtest %}
