"""The one road from a user to the customers they may see.

Every list, page, export, chart, count and task that shows customer data passes its queryset
through `scope_for_user`. The rules are those of the design: brokers and customer managers
see their own customers, team leads their team's, branch managers their branch's, head
office and administrators everyone's; anybody else (no staff record, staff who left) nothing.
The same tables read backwards give `staff_who_see`, the staff whose scope holds a customer.
"""

import functools
import operator
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

from .models import Role, Staff
from .roles import COMPANY_WIDE_ROLES
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


# The rules, for both directions: the Reach a member of staff gets by role, each of its fields
# taken from one of their own (every role not named sees its own customers; the company-wide
# roles see everything), and which of the customer's fields each Reach field is compared with.
REACH_BY_ROLE: dict[str, dict[str, str]] = {  # keyed by Role, a str as staff.role is
    Role.BRANCH_MANAGER: {"branch_id": "branch_id"},
    Role.TEAM_LEAD: {"team_id": "team_id", "staff_id": "id"},
}
OWN_CUSTOMERS = {"staff_id": "id"}
CUSTOMER_FIELDS = {
    "branch_id": "branch_id",
    "team_id": "manager__team_id",
    "staff_id": "manager_id",
}


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
    fields = REACH_BY_ROLE.get(staff.role, OWN_CUSTOMERS)
    return Reach(**{field: getattr(staff, own) for field, own in fields.items()})


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
    # Any of the reach's fields that is set: a team lead sees the team's customers and their own.
    matches = [
        Q(**{f"{prefix}{CUSTOMER_FIELDS[field]}": value})
        for field in CUSTOMER_FIELDS
        if (value := getattr(reach, field))
    ]
    return queryset.filter(functools.reduce(operator.or_, matches))


def staff_who_see(customer) -> QuerySet:
    """The staff whose scope (scope_for_user of their login) holds `customer`: scope_for_user
    read backwards, from the same rules, so that the two cannot disagree. Only staff who can
    log in: an active record with an active user. The customer's `manager` is read if it did
    not come with it (one query)."""
    values = {field: _customer_value(customer, path) for field, path in CUSTOMER_FIELDS.items()}

    def holding(fields: dict[str, str]) -> Q:
        # Staff whose own field equals the customer's, for any of `fields`; none if none is set.
        matches = [Q(**{own: values[field]}) for field, own in fields.items() if values[field]]
        return functools.reduce(operator.or_, matches, Q(pk__in=[]))

    by_role = [Q(role=role) & holding(fields) for role, fields in REACH_BY_ROLE.items()]
    others = ~Q(role__in=[*COMPANY_WIDE_ROLES, *REACH_BY_ROLE]) & holding(OWN_CUSTOMERS)
    sees = functools.reduce(operator.or_, by_role, Q(role__in=COMPANY_WIDE_ROLES) | others)
    return Staff.objects.filter(
        Q(user__is_superuser=True) | (Q(is_active=True) & sees), user__is_active=True
    )


def _customer_value(customer, path: str):
    """The value at `path` ("manager__team_id") of a customer; None past an empty relation."""
    value = customer
    for name in path.split("__"):
        value = getattr(value, name, None) if value is not None else None
    return value


def _declared_path(model) -> str:
    try:
        return model.CUSTOMER_PATH
    except AttributeError:
        raise ImproperlyConfigured(
            f"{model.__name__} declares no CUSTOMER_PATH; pass customer_path to scope_for_user."
        ) from None
