"""Who may open which pages and see what in full, by role: the role sets, the pages each
opens (`Access`), the permission that reveals personal data (in a page, an export or a
rejected import line), and the view decorator and mixin that refuse everybody else with a
403. The views and the navigation all ask here.

Which customers a user sees (and so lists and exports) is crm/scoping.py's, built on
COMPANY_WIDE_ROLES below; what a user may do to one colleague's work (move a service
request, finish a task) or one customer's contact details is customers/permissions.py's,
built on that scope (it cannot live here: the scope is built on this module).
"""

import enum
import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.views import View

from .models import Role
from .selectors import role_of

# Roles that see every customer of the company (crm/scoping.py) and watch its imports.
COMPANY_WIDE_ROLES = (Role.HEAD_OFFICE, Role.ADMIN)
# Roles that oversee others' figures: a team lead their team, up to head office the company.
DASHBOARD_ROLES = (Role.TEAM_LEAD, Role.BRANCH_MANAGER, *COMPANY_WIDE_ROLES)

# Who may see a customer's ID number, mobile, e-mail and address in full, search by part of a
# mobile and export them unmasked: holders of Customer's `reveal_pii` permission (its Meta).
REVEAL_PERMISSION = "customers.reveal_pii"


class Access(enum.Enum):
    """The pages open to some roles only."""

    DASHBOARDS = "dashboards"
    IMPORTS = "imports"  # import monitoring: history, runs, rejects, corrections
    ADMINISTRATION = "administration"  # Django admin's index in the navigation
    SEGMENT_EDITING = "segment_editing"  # defining segments' rules, uploading static lists
    COMPLIANCE = "compliance"  # the suitability step's flagged customers (适当性合规)
    CAMPAIGN_PLANNING = "campaign_planning"  # planning campaigns, templates, gifts, costs
    CAMPAIGN_APPROVAL = "campaign_approval"  # approving a campaign before anything is sent


ROLES_WITH_ACCESS: dict[Access, tuple[Role, ...]] = {
    Access.DASHBOARDS: DASHBOARD_ROLES,
    Access.IMPORTS: COMPANY_WIDE_ROLES,
    Access.ADMINISTRATION: (Role.ADMIN,),
    Access.SEGMENT_EDITING: COMPANY_WIDE_ROLES,
    # Head office watches the company's suitability, a branch manager their branch's.
    Access.COMPLIANCE: (Role.BRANCH_MANAGER, *COMPANY_WIDE_ROLES),
    # A branch manager plans their branch's campaigns; head office approves them (and
    # holders of marketing's approve_campaign permission: marketing/selectors/campaigns.py).
    Access.CAMPAIGN_PLANNING: (Role.BRANCH_MANAGER, *COMPANY_WIDE_ROLES),
    Access.CAMPAIGN_APPROVAL: COMPANY_WIDE_ROLES,
}


def has_access(user, access: Access) -> bool:
    """Whether the role the user works in (superusers without a staff record count as
    administrators) opens `access`. Reads no rows once the user's staff record is cached."""
    return role_of(user) in ROLES_WITH_ACCESS[access]


def may_open_dashboards(user) -> bool:
    return has_access(user, Access.DASHBOARDS)


def may_reveal_pii(user) -> bool:
    """Whether the user may see personal data in full; every reveal is audited by the caller
    (a customer's serving staff may see their contact details: may_reveal_contacts)."""
    return user.has_perm(REVEAL_PERMISSION)


ViewFunction = Callable[..., HttpResponseBase]


def role_required(access: Access) -> Callable[[ViewFunction], ViewFunction]:
    """A view decorator: the view for those `access` admits, a 403 for anybody else."""

    def decorate(view: ViewFunction) -> ViewFunction:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if not has_access(request.user, access):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate


class RoleRequiredMixin(View):
    """role_required for class-based views (first among the bases): set `access`; anybody it
    does not admit gets a 403 before the view does anything."""

    access: Access

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not has_access(request.user, self.access):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
