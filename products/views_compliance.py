"""The compliance page (合规): the customers the nightly suitability step flags, with their
reason and a link to their 360 page, counted per branch; for head office and branch managers
(products.selectors.compliance.may_open_compliance), each seeing their own scope."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm.pagination import PER_PAGE, BoundedCountPaginator
from crm.scoping import reach_of
from products.models import FlagKind
from products.selectors.compliance import (
    compliance_counts_by_branch,
    compliance_flags_for_user,
    compliance_latest_run,
    flag_reason,
    may_open_compliance,
)


@require_GET
def compliance(request):
    if not may_open_compliance(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    kind = request.GET.get("reason", "")
    kind = kind if kind in FlagKind.values else ""
    flags = compliance_flags_for_user(request.user, kind=kind)
    paginator = BoundedCountPaginator(flags, PER_PAGE, counted=flags)
    try:
        page = paginator.page(int(request.GET.get("page", 1)))
    except (InvalidPage, ValueError):
        page = paginator.page(1)
    rows = [(flag, flag_reason(flag, today=today)) for flag in page.object_list]
    counts = compliance_counts_by_branch(request.user)
    return render(
        request,
        "products/compliance.html",
        {
            "page": page,
            "paginator": paginator,
            "rows": rows,
            "counts": counts,
            "totals": {
                "over_risk": sum(count.over_risk for count in counts),
                "assessment": sum(count.assessment for count in counts),
            },
            "reason": kind,
            "reasons": FlagKind.choices,
            "run": compliance_latest_run(),
            "company_wide": reach_of(request.user).everything,
        },
    )
