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
    The select list that reads `columns` from one raw input, each a list [name, contract type]
    (`varchar`, `timestamp` or `number`), optionally followed by an alias and the var that names
    the column (for the error message), then a column `unreadable_column`. Checked when the model
    runs: a relation that does not exist, a missing column, or a column whose type cannot hold
    the contract's values (a timestamp in a boolean, a score in a date, ...) stops the run with
    one error naming the input, the column, the type expected and the var to set. Columns are
    matched case-insensitively; others are ignored. Each column comes out in its contract type:
    text as varchar (ids delivered as numbers or UUIDs cast to text); a timestamp with time zone
    as its UTC instant, whatever the session's time zone; a date at midnight; timestamps and
    numbers delivered as text parsed (parse_timestamp_text, parse_number_text); numbers as
    doubles, read as they come (4.5 and NaN stay what they are; staging checks they are whole).
    `unreadable_column` names the first column whose delivered text could not be read (null when
    all were): staging quarantines that row.
-#}
{% macro raw_input_columns(input, relation, columns, var_name) -%}
    {%- set column_types = {} -%}
    {#- Under --empty dbt renders a relation as a subquery: read it with the contract's types. -#}
    {%- if execute and not flags.EMPTY -%}
        {%- for column in kpikit.raw_input_found_columns(input, relation, var_name) -%}
            {%- do column_types.update({
                column.name | lower: [column.name, column.data_type | lower]
            }) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set unreadable_checks = [] -%}
    {%- for column in columns -%}
        {%- set name, contract_type = column[0], column[1] -%}
        {%- set alias = column[2] if column | length > 2 else name -%}
        {%- set column_var = column[3] if column | length > 3 else var_name -%}
        {%- set found = column_types.get(name | lower, [name, none]) -%}
        {%- set quoted = adapter.quote(found[0]) -%}
        {#- Before the model runs (parsing) no type is known: read it as the contract's. -#}
        {%- set family = kpikit.type_family(found[1]) if found[1]
            else {'varchar': 'text', 'timestamp': 'timestamp', 'number': 'float'}[contract_type] -%}
        {%- set expected = {
            'varchar': 'text', 'timestamp': 'a timestamp (or ISO 8601 text)',
            'number': 'a number (or its text)',
        }[contract_type] -%}
        {%- if column_types and found[1] is none -%}
            {{ exceptions.raise_compiler_error(
                "kpikit: the " ~ input ~ " input " ~ relation ~ " has no column " ~ name
                ~ " (expected " ~ expected ~ "). Add or rename the column, or set var `"
                ~ column_var ~ "` (see docs/package.md)."
            ) }}
        {%- endif -%}
        {%- set readable_as = {
            'varchar': ['text', 'json', 'uuid', 'integer'],
            'timestamp': ['timestamp', 'timestamptz', 'date', 'text'],
            'number': ['integer', 'float', 'text'],
        }[contract_type] -%}
        {#- A column of any type that holds no value at all is fine (read as null). -#}
        {%- if family not in readable_as and (family == 'null' or run_query(
            'select count(' ~ quoted ~ ') from ' ~ relation
        ).columns[0].values()[0] == 0) -%}
            {%- set family = 'null' -%}
        {%- endif -%}
        {%- if family not in readable_as + ['null'] -%}
            {{ exceptions.raise_compiler_error(
                "kpikit: the " ~ input ~ " input " ~ relation ~ " has column " ~ found[0]
                ~ " of type " ~ found[1] ~ ", which cannot hold " ~ expected ~ ". Fix the"
                ~ " column's type, or set var `" ~ column_var ~ "` (see docs/package.md)."
            ) }}
        {%- endif -%}
        {{- ',\n' if not loop.first -}}
        {%- if family == 'null' -%}
            cast(null as {{ {'varchar': dbt.type_string(), 'timestamp': dbt.type_timestamp(),
                'number': kpikit.type_double()}[contract_type] }})
        {%- elif contract_type == 'varchar' -%}
            {{ quoted if family == 'text' else 'cast(' ~ quoted ~ ' as ' ~ dbt.type_string() ~ ')' }}
        {%- elif family == 'timestamptz' -%}
            {{ kpikit.timestamptz_to_utc(quoted) }}
        {%- elif contract_type == 'timestamp' and family == 'text' -%}
            {{ kpikit.parse_timestamp_text(quoted) }}
            {%- do unreadable_checks.append([alias, quoted, kpikit.parse_timestamp_text(quoted)]) -%}
        {%- elif contract_type == 'timestamp' -%}
            cast({{ quoted }} as {{ dbt.type_timestamp() }})
        {%- elif family == 'text' -%}
            {{ kpikit.parse_number_text(quoted) }}
            {%- do unreadable_checks.append([alias, quoted, kpikit.parse_number_text(quoted)]) -%}
        {%- else -%}
            cast({{ quoted }} as {{ kpikit.type_double() }})
        {%- endif %} as {{ alias }}
    {%- endfor %},
{% if unreadable_checks -%}
case
    {%- for alias, delivered, parsed in unreadable_checks %}
    when {{ delivered }} is not null and {{ parsed }} is null then '{{ alias }}'
    {%- endfor %}
end
{%- else -%}
cast(null as {{ dbt.type_string() }})
{%- endif %} as unreadable_column
{%- endmacro %}

{#- The family of a warehouse column type, as raw_input_columns reads it: text, json, uuid,
    integer, float, timestamp, timestamptz, date, null (DuckDB's type of a column of nulls), or
    other (booleans, intervals, nested types). -#}
{% macro type_family(data_type) -%}
    {%- set type_name = data_type | lower | trim | replace('"', '') -%}
    {%- if type_name == 'null' -%}
        {{ return('null') }}
    {%- elif '[' in type_name or type_name.startswith(('struct', 'map', 'array', 'list', 'union')) -%}
        {{ return('other') }}
    {%- elif 'with time zone' in type_name or type_name.startswith('timestamptz') -%}
        {{ return('timestamptz') }}
    {%- elif type_name.startswith(('timestamp', 'datetime')) -%}
        {{ return('timestamp') }}
    {%- elif type_name == 'date' -%}
        {{ return('date') }}
    {%- elif type_name.startswith(('varchar', 'character', 'char', 'text', 'string', 'bpchar'))
        or type_name == 'name' -%}
        {{ return('text') }}
    {%- elif type_name.startswith('json') -%}
        {{ return('json') }}
    {%- elif type_name.startswith('uuid') -%}
        {{ return('uuid') }}
    {%- elif type_name.startswith(('tinyint', 'smallint', 'integer', 'bigint', 'hugeint',
        'utinyint', 'usmallint', 'uinteger', 'ubigint', 'uhugeint', 'int2', 'int4', 'int8',
        'int ', 'long', 'short', 'byte')) or type_name in ('int', 'serial', 'bigserial') -%}
        {{ return('integer') }}
    {%- elif type_name.startswith(('double', 'float', 'real', 'decimal', 'numeric')) -%}
        {{ return('float') }}
    {%- endif -%}
    {{ return('other') }}
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
            ['received_at', 'timestamp'], ['properties', 'varchar'],
        ],
        'users': [
            ['user_id', 'varchar'], ['created_at', 'timestamp'], ['updated_at', 'timestamp'],
            ['email', 'varchar'], ['country', 'varchar'], ['plan', 'varchar'],
            ['acquisition_channel', 'varchar'],
        ],
        'survey_responses': [
            ['response_id', 'varchar'], ['survey', 'varchar'], ['user_id', 'varchar'],
            ['responded_at', 'timestamp'], ['item', 'number'], ['score', 'number'],
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
            {{ column[0] }},
    {% endfor -%}
        unreadable_column
    {%- else -%}
        {{ kpikit.raw_input_columns(input, relation, columns, 'kpikit_' ~ input) | indent(4) }}
    {%- endif %}
from {{ relation }}
{%- endmacro %}
