"""How PostgreSQL should plan a compiled rule's query: the settings the segment evaluation
and the live preview both apply inside their transaction (SET LOCAL, gone at its end)."""

from __future__ import annotations

# - No nested loops: a rule's query reads every customer, which hash joins fit. A misestimated
#   custom field or JSON range must not turn a grouped subquery into a nested loop that reads
#   it again for every customer (the bench saw minutes instead of seconds; a preview's
#   ORDER BY … LIMIT invites the same plan).
# - No parallel workers: a rule's grouped subqueries become hashed subplans, which every
#   parallel worker builds again on its own: three processes doing the same work on two
#   cores (1.2 s instead of 0.8 s for the bench's rule).
RULE_PLAN_SETTINGS = (
    ("enable_nestloop", "off"),
    ("max_parallel_workers_per_gather", "0"),
)


def rule_plan_apply(cursor) -> None:
    """Apply the rule settings for the rest of the transaction (PostgreSQL only)."""
    for name, value in RULE_PLAN_SETTINGS:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
