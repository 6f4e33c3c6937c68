{#-
    The relation one raw input of kpikit is read from: `events`, `users` or `survey_responses`.
    With var `kpikit_tracker` set to a tracker, the tables that tracker writes are read through
    its adapter model (stg_segment__*, stg_snowplow__*); otherwise, and for the inputs a tracker
    does not provide, the relation named by var `kpikit_<input>` (default: the `raw` source).
-#}
{% macro raw_input(input) -%}
    {%- set adapter_model = kpikit.tracker_adapter(input) -%}
    {%- if adapter_model -%}
        {{ return(ref(adapter_model)) }}
    {%- endif -%}
    {{ return(var('kpikit_' ~ input)) }}
{%- endmacro %}

{#- The tracker adapter model that provides one raw input under var `kpikit_tracker`, or none. -#}
{% macro tracker_adapter(input) -%}
    {%- set adapters = {
        'segment': {'events': 'stg_segment__events', 'users': 'stg_segment__users'},
        'rudderstack': {'events': 'stg_segment__events', 'users': 'stg_segment__users'},
        'snowplow': {'events': 'stg_snowplow__events'},
    } -%}
    {{ return(adapters.get(var('kpikit_tracker'), {}).get(input)) }}
{%- endmacro %}

{#-
    A relation from what a var or a ref gives: a Relation as it is, or the text of a rendered one
    ("db"."schema"."table", schema.table or table; quotes and backticks dropped, so a name must
    not itself hold a dot). Text with fewer parts takes the target's database and schema.
-#}
{% macro as_relation(relation) -%}
    {%- if relation is not string -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set parts = relation | trim | replace('"', '') | replace('`', '') -%}
    {%- set parts = parts.split('.') -%}
    {%- set identifier = parts[-1] -%}
    {%- set schema = parts[-2] if parts | length > 1 else target.schema -%}
    {%- set database = parts[-3] if parts | length > 2 else target.database -%}
    {{ return(api.Relation.create(database=database, schema=schema, identifier=identifier)) }}
{%- endmacro %}

{#-
    The select list that reads `columns` from one raw input, each a list [name, expected type],
    optionally followed by an alias and the var that names the column (for the error message). Checked when the model runs: a relation that does not exist,
    or a missing column, stops the run with one error naming the input, the column, the type
    expected and the var to set. Columns are matched case-insensitively; others are ignored. A
    timestamp with time zone is converted to the UTC timestamp the contract expects, whatever the
    session's time zone (kpikit.timestamptz_to_utc); every other column is read as delivered.
-#}
{% macro raw_input_columns(input, relation, columns, var_name) -%}
    {%- set column_types = {} -%}
    {%- if execute -%}
        {%- for column in kpikit.raw_input_found_columns(input, relation, var_name) -%}
            {%- do column_types.update({
                column.name | lower: [column.name, column.data_type | lower]
            }) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for column in columns -%}
        {%- set name, expected_type = column[0], column[1] -%}
        {%- set alias = column[2] if column | length > 2 else name -%}
        {%- set column_var = column[3] if column | length > 3 else var_name -%}
        {%- set found = column_types.get(name | lower, [name, none]) -%}
        {%- if column_types and found[1] is none -%}
            {{ exceptions.raise_compiler_error(
                "kpikit: the " ~ input ~ " input " ~ relation ~ " has no column " ~ name
                ~ " (expected " ~ expected_type ~ "). Add or rename the column, or set var `"
                ~ column_var ~ "` (see docs/package.md)."
            ) }}
        {%- endif -%}
        {{- ',\n' if not loop.first -}}
        {%- if found[1] and ('with time zone' in found[1] or 'timestamptz' in found[1]) -%}
            {{ kpikit.timestamptz_to_utc(adapter.quote(found[0])) }} as {{ alias }}
        {%- else -%}
            {{ adapter.quote(found[0]) }} as {{ alias }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#-
    The columns of one raw input's relation, read from the warehouse; a relation that does not
    exist stops the run with one error naming the input and the var to set.
-#}
{% macro raw_input_found_columns(input, relation, var_name) -%}
    {%- set wanted = kpikit.as_relation(relation) -%}
    {%- set found = adapter.get_relation(
        database=wanted.database, schema=wanted.schema, identifier=wanted.identifier
    ) -%}
    {%- if found is none -%}
        {{ exceptions.raise_compiler_error(
            "kpikit: the " ~ input ~ " input " ~ wanted ~ " does not exist. Point kpikit at"
            ~ " your " ~ input ~ " table with var `" ~ var_name ~ "` (see docs/package.md),"
            ~ " or load it there."
        ) }}
    {%- endif -%}
    {{ return(adapter.get_columns_in_relation(found)) }}
{%- endmacro %}

{#- The columns of each raw input (users, events, survey_responses), with the type each must hold. -#}
{% macro raw_input_contract(input) -%}
    {%- set contracts = {
        'events': [
            ['event_id', 'varchar'], ['user_id', 'varchar'], ['anonymous_id', 'varchar'],
            ['session_id', 'varchar'], ['event_name', 'varchar'], ['occurred_at', 'timestamp'],
            ['received_at', 'timestamp'], ['properties', 'varchar (a JSON object as text)'],
        ],
        'users': [
            ['user_id', 'varchar'], ['created_at', 'timestamp'], ['updated_at', 'timestamp'],
            ['email', 'varchar'], ['country', 'varchar'], ['plan', 'varchar'],
            ['acquisition_channel', 'varchar'],
        ],
        'survey_responses': [
            ['response_id', 'varchar'], ['survey', 'varchar'], ['item', 'integer'],
            ['score', 'integer'], ['user_id', 'varchar'], ['responded_at', 'timestamp'],
        ],
    } -%}
    {{ return(contracts[input]) }}
{%- endmacro %}

{#-
    `select <the contract's columns> from <the input>` for one raw input (raw_input,
    raw_input_columns): what the stg_input__* models are.
-#}
{% macro select_raw_input(input) -%}
    {%- set relation = kpikit.raw_input(input) -%}
    {%- set columns = kpikit.raw_input_contract(input) -%}
select
    {% if kpikit.tracker_adapter(input) -%}
        {#- The adapter checked and converted its own columns. -#}
        {%- for column in columns -%}
            {{ column[0] }}{{ ',\n    ' if not loop.last }}
        {%- endfor %}
    {%- else -%}
        {{ kpikit.raw_input_columns(input, relation, columns, 'kpikit_' ~ input) | indent(4) }}
    {%- endif %}
from {{ relation }}
{%- endmacro %}
