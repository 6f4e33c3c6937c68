{#- The raw events input as kpikit reads it: see _input__models.yml. -#}
with

events_input as (
    {{ kpikit.select_raw_input('events') | indent(4) }}
)

select * from events_input
