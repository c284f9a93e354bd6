"""Reads behind the customer list besides its rows (customers.py customers_for_user): the
business day its holdings filters compare with, the branches and managers its filters
offer, and the saved views a user may open. Functions that take a `user` scope through
crm.scoping; the filters themselves live in customers/filters/lists.py.
"""

import datetime

from django.db.models import Max, Q, QuerySet

from crm.models import Branch, Staff
from crm.scoping import reach_of, scope_for_user
from crm.selectors import staff_for_user
from customers.models import Customer, CustomerFigures, SavedView


def latest_business_day() -> datetime.date | None:
    """The business day of the current figures (None before the first import).

    Holdings filters compare positions with that one day. It is looked up first (one
    index probe) and handed to their statement as a constant rather than as a subquery:
    where the fact tables are partitioned by day, a constant lets the planner prune to
    the day's partition and estimate from its statistics, while a subquery leaves it
    guessing over every partition (the list then took three times as long)."""
    return CustomerFigures.objects.aggregate(day=Max("as_of"))["day"]


def branches_for_user(user) -> QuerySet[Branch]:
    """The branches whose customers the user may see (what the branch filter offers)."""
    reach = reach_of(user)
    if reach.everything:
        return Branch.objects.all()
    if reach.branch_id:
        return Branch.objects.filter(pk=reach.branch_id)
    visible = scope_for_user(user, Customer.objects.order_by()).values("branch_id")
    return Branch.objects.filter(pk__in=visible)


def managers_for_user(user) -> QuerySet[Staff]:
    """The staff of the branches the user may see (what the manager filter offers)."""
    reach = reach_of(user)
    if reach.everything:
        return Staff.objects.filter(branch__isnull=False).order_by("staff_code")
    return Staff.objects.filter(branch__in=branches_for_user(user)).order_by("staff_code")


def saved_views_for_user(user) -> QuerySet[SavedView]:
    """The user's own saved views and those their teammates share with the team."""
    if not getattr(user, "is_authenticated", False):
        return SavedView.objects.none()
    visible = Q(owner=user)
    staff = staff_for_user(user)
    if staff is not None and staff.team_id:
        visible |= Q(shared_with_team=True, owner__staff__team_id=staff.team_id)
    return SavedView.objects.filter(visible).select_related("owner__staff").order_by("name", "pk")
