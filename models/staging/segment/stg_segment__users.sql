{#- Segment's (and RudderStack's) identify calls as kpikit's raw users input: see
    _segment__models.yml. -#}
{{ config(enabled=var('kpikit_tracker') in ('segment', 'rudderstack')) }}

{%- set identifies = source('segment', 'identifies') -%}
{%- set traits = var('segment_user_traits') -%}

with

users_input as (
    select
        {{ kpikit.raw_input_columns('Segment identifies', identifies, [
            ['user_id', 'varchar'],
            [traits['created_at'], 'timestamp', 'created_at', 'segment_user_traits'],
            ['timestamp', 'timestamp', 'updated_at'],
            [traits['email'], 'varchar', 'email', 'segment_user_traits'],
            [traits['country'], 'varchar', 'country', 'segment_user_traits'],
            [traits['plan'], 'varchar', 'plan', 'segment_user_traits'],
            [traits['acquisition_channel'], 'varchar', 'acquisition_channel',
                'segment_user_traits'],
        ], 'segment_schema') | indent(8) }}
    from {{ identifies }}
)

select * from users_input
