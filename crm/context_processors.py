"""Template context shared by every page: the navigation the signed-in user's role may use."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Role
from .roles import Access, has_access
from .scoping import reach_of
from .selectors import role_of, staff_for_user

# (url name, label, the page's Access in crm/roles.py; None = every signed-in member of staff)
NAVIGATION = (
    ("customers:workbench", _("Workbench"), None),
    ("customers:list", _("Customers"), None),
    ("customers:tasks", _("My tasks"), None),  # a team lead's: TEAM_TASKS
    ("customers:service-requests", _("Service requests"), None),
    ("marketing:segment-list", _("Segments"), None),  # members shown are the user's scope
    # Campaigns (营销活动): their recipients and progress are the user's scope; the list links
    # to the user's own call list.
    ("marketing:campaign-list", _("Campaigns"), None),
    # The product library (产品库); the sales figures its pages show are the user's scope. Its
    # compliance and investor-class pages are linked from it.
    ("products:list", pgettext_lazy("navigation", "Products"), None),
    ("analytics:dashboard", _("Dashboards"), Access.DASHBOARDS),
    ("customers:imports", _("Imports"), Access.IMPORTS),
    ("admin:index", _("Administration"), Access.ADMINISTRATION),
)

# The task list of a team lead holds the team's tasks (customers' task_team_for_user).
TEAM_TASKS = _("Team tasks")


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    team_tasks = reach_of(user).team_id is not None
    items = [
        {
            "url_name": url_name,
            "label": TEAM_TASKS if url_name == "customers:tasks" and team_tasks else label,
        }
        for url_name, label, access in NAVIGATION
        if role is not None and (access is None or has_access(user, access))
    ]
    return {
        "nav_items": items,
        "current_staff": staff_for_user(user),
        "current_role_label": Role(role).label if role else _("No role assigned"),
    }
