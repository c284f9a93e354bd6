"""Changing a suitability rule (one cell of the matrix, edited in Django admin): the row and
an audit entry of who permitted or refused what."""

from __future__ import annotations

from django.db import transaction

from crm.services import audit_record
from products.models import SuitabilityRule


@transaction.atomic
def suitability_rule_set(
    *, rule: SuitabilityRule, permitted: bool, actor, request=None
) -> SuitabilityRule:
    """Permit or refuse products of the rule's risk level to its category; audited when it
    changes anything."""
    before = (
        SuitabilityRule.objects.select_for_update()
        .filter(pk=rule.pk)
        .values_list("permitted", flat=True)
        .first()
    )
    rule.permitted = permitted
    rule.save()
    details = {"category": rule.category, "product_risk": rule.product_risk}
    if before != permitted:
        audit_record(
            actor=actor,
            action="suitability_rule.permit" if permitted else "suitability_rule.refuse",
            target=rule,
            request=request,
            details=details,
        )
    return rule
