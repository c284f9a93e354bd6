"""Template context shared by every page: the navigation the signed-in user's role may use."""

from django.utils.translation import gettext_lazy as _

from .models import DASHBOARD_ROLES, Role
from .selectors import role_of, staff_for_user

# (url name, label, roles that see it; None = every signed-in member of staff)
NAVIGATION = (
    ("home", _("Workbench"), None),
    ("customers:list", _("Customers"), None),
    ("customers:tasks", _("My tasks"), None),
    ("customers:service-requests", _("Service requests"), None),
    ("analytics:dashboard", _("Dashboards"), DASHBOARD_ROLES),
    ("customers:imports", _("Imports"), (Role.HEAD_OFFICE, Role.ADMIN)),
    ("admin:index", _("Administration"), (Role.ADMIN,)),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    items = [
        {"url_name": url_name, "label": label}
        for url_name, label, roles in NAVIGATION
        if role is not None and (roles is None or role in roles)
    ]
    return {
        "nav_items": items,
        "current_staff": staff_for_user(user),
        "current_role_label": Role(role).label if role else _("No role assigned"),
    }
