"""kpikit: tooling for the kpikit dbt project."""
