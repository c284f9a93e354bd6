"""The one road from a user to the customers they may see.

Every list, page, export, chart, count and task that shows customer data passes its queryset
through `scope_for_user`. The rules are those of the design: brokers and customer managers
see their own customers, team leads their team's, branch managers their branch's, head
office and administrators everyone's; anybody else (no staff record, staff who left) nothing.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from .models import COMPANY_WIDE_ROLES, Role
from .selectors import staff_for_user


@dataclass(frozen=True)
class Reach:
    """How far a user's view of customers extends. Exactly one kind applies."""

    everything: bool = False
    branch_id: int | None = None
    team_id: int | None = None
    staff_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.branch_id or self.team_id or self.staff_id)


def reach_of(user) -> Reach:
    """The reach of a user, read from their staff record (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Reach()
    cached = getattr(user, "_crm_reach", None)
    if cached is not None:
        return cached
    reach = _reach_from_staff(user)
    user._crm_reach = reach
    return reach


def _reach_from_staff(user) -> Reach:
    if user.is_superuser:
        return Reach(everything=True)
    staff = staff_for_user(user)
    if staff is None or not staff.is_active:
        return Reach()
    if staff.role in COMPANY_WIDE_ROLES:
        return Reach(everything=True)
    if staff.role == Role.BRANCH_MANAGER:
        return Reach(branch_id=staff.branch_id)
    if staff.role == Role.TEAM_LEAD and staff.team_id:
        return Reach(team_id=staff.team_id, staff_id=staff.id)
    return Reach(staff_id=staff.id)


def scope_for_user(user, queryset: QuerySet, *, customer_path: str | None = None) -> QuerySet:
    """Narrow `queryset` to the rows whose customer `user` may see.

    `queryset` is of customers or of anything that belongs to one; `customer_path` is the
    lookup from its model to the customer ("" for customers themselves). When omitted it is
    read from the model's `CUSTOMER_PATH`, so each model states once how it reaches its owner.
    Customers must carry `branch` and `manager` (a Staff) relations.
    """
    path = customer_path if customer_path is not None else _declared_path(queryset.model)
    prefix = f"{path}__" if path else ""
    reach = reach_of(user)
    if reach.everything:
        return queryset
    if reach.nothing:
        return queryset.none()
    if reach.branch_id:
        return queryset.filter(**{f"{prefix}branch_id": reach.branch_id})
    if reach.team_id:
        return queryset.filter(
            Q(**{f"{prefix}manager__team_id": reach.team_id})
            | Q(**{f"{prefix}manager_id": reach.staff_id})
        )
    return queryset.filter(**{f"{prefix}manager_id": reach.staff_id})


def _declared_path(model) -> str:
    try:
        return model.CUSTOMER_PATH
    except AttributeError:
        raise ImproperlyConfigured(
            f"{model.__name__} declares no CUSTOMER_PATH; pass customer_path to scope_for_user."
        ) from None
