{#- The raw users input as kpikit reads it: see _input__models.yml. -#}
with

users_input as (
    {{ kpikit.select_raw_input('users') | indent(4) }}
)

select * from users_input
