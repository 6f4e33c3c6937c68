{#-
    The select list of one kpi_values row, every column cast to its contract type and in the
    contract's order. Arguments are SQL expressions; kpi_id and grain are plain strings (quoted
    here). Pass 'null' for a part the KPI does not have.
-#}
{% macro kpi_value_columns(
    kpi_id,
    grain,
    period_start,
    value,
    sample_size,
    is_complete,
    numerator='null',
    denominator='null',
    ci_low='null',
    ci_high='null',
    dimension="'all'",
    dimension_value="'all'"
) -%}
    cast('{{ kpi_id }}' as {{ dbt.type_string() }}) as kpi_id,
    cast('{{ grain }}' as {{ dbt.type_string() }}) as grain,
    cast({{ period_start }} as date) as period_start,
    cast({{ dimension }} as {{ dbt.type_string() }}) as dimension,
    cast({{ dimension_value }} as {{ dbt.type_string() }}) as dimension_value,
    cast({{ value }} as {{ kpikit.type_double() }}) as value,
    cast({{ numerator }} as {{ kpikit.type_double() }}) as numerator,
    cast({{ denominator }} as {{ kpikit.type_double() }}) as denominator,
    cast({{ sample_size }} as {{ dbt.type_bigint() }}) as sample_size,
    cast({{ ci_low }} as {{ kpikit.type_double() }}) as ci_low,
    cast({{ ci_high }} as {{ kpikit.type_double() }}) as ci_high,
    cast({{ is_complete }} as {{ dbt.type_boolean() }}) as is_complete
{%- endmacro %}
