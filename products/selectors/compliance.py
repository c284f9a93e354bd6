"""Reads behind the compliance page (合规): the customers the nightly suitability step flags
(products/services/compliance.py), with their reason, counted per branch (营业部), and the
step's latest run. Everything about customers goes through crm.scoping: head office sees
every branch, a branch manager their own. Who may open the page at all is crm.roles'
Access.COMPLIANCE (`may_open_compliance`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from crm.roles import Access, has_access
from crm.scoping import scope_for_user
from products.models import ComplianceFlag, ComplianceRun, FlagKind
from products.suitability import assessment_expires_on


def may_open_compliance(user) -> bool:
    """Head office and branch managers (crm.roles.Access.COMPLIANCE)."""
    return has_access(user, Access.COMPLIANCE)


def compliance_flags_for_user(user, *, kind: str = "") -> QuerySet[ComplianceFlag]:
    """The flags of the customers in the user's scope (of one FlagKind if `kind` names one),
    by branch and customer number, each with its customer, branch and manager."""
    flags = ComplianceFlag.objects.select_related("customer__branch", "customer__manager").order_by(
        "customer__branch__code", "customer__cust_no", "kind"
    )
    if kind in FlagKind.values:
        flags = flags.filter(kind=kind)
    return scope_for_user(user, flags)


@dataclass(frozen=True)
class BranchCount:
    code: str
    name: str
    over_risk: int
    assessment: int


def compliance_counts_by_branch(user) -> list[BranchCount]:
    """Flagged customers per branch and reason, in the user's scope (one grouped query)."""
    rows = (
        scope_for_user(user, ComplianceFlag.objects.order_by())
        .values("customer__branch__code", "customer__branch__name")
        .annotate(
            over_risk=Count("pk", filter=Q(kind=FlagKind.OVER_RISK)),
            assessment=Count("pk", filter=Q(kind=FlagKind.ASSESSMENT)),
        )
        .order_by("customer__branch__code")
    )
    return [
        BranchCount(
            code=row["customer__branch__code"],
            name=row["customer__branch__name"],
            over_risk=row["over_risk"],
            assessment=row["assessment"],
        )
        for row in rows
    ]


def compliance_latest_run() -> ComplianceRun | None:
    """When the step last ran and how it ended (its counts are company-wide: the page shows
    them to company-wide users only)."""
    return ComplianceRun.objects.order_by("-started_at", "-id").first()


def flag_reason(flag: ComplianceFlag, *, today: datetime.date) -> str:
    """What the flag is about, in words: over-risk holdings, or the assessment's state on
    `today` (expired, expires on a day, missing)."""
    if flag.kind == FlagKind.OVER_RISK:
        return _("Holds products above the customer's risk level (%(level)s)") % {
            "level": flag.customer.risk_level or _("no risk level")
        }
    expires_on = assessment_expires_on(flag.customer.risk_assessed_on)
    if expires_on is None or (not flag.customer.risk_level and not flag.customer.lowest_category):
        return _("No risk assessment on record")
    if expires_on < today:
        return _("Risk assessment expired on %(day)s") % {"day": expires_on.isoformat()}
    return _("Risk assessment expires on %(day)s") % {"day": expires_on.isoformat()}
