"""Creates one demo login per role and prints the credentials (used by `make demo`).

Each login is linked to a member of staff from the imported data where one fits the role,
so that the demo broker sees a real book of customers and the branch manager a real branch.
"""

from django.db.models import Count
from django.utils.translation import gettext

from crm.commands import CrmCommand
from crm.models import Branch, Role, Staff
from crm.roles import COMPANY_WIDE_ROLES
from crm.services import staff_login_create

DEMO_PASSWORD = "crm-demo-2026"  # noqa: S105 -- demo logins, printed on purpose
DEMO_LOGINS = (
    ("demo-broker", Role.BROKER),
    ("demo-manager", Role.CUSTOMER_MANAGER),
    ("demo-lead", Role.TEAM_LEAD),
    ("demo-branch", Role.BRANCH_MANAGER),
    ("demo-head", Role.HEAD_OFFICE),
    ("demo-admin", Role.ADMIN),
)
# The names of the demo staff the imported data has no one for (head office and the
# administrator always; the others before any import), as a brokerage's staff are named.
DEMO_NAMES = {
    "demo-broker": "林晓东",
    "demo-manager": "王丽娟",
    "demo-lead": "张建国",
    "demo-branch": "刘志强",
    "demo-head": "周文华",
    "demo-admin": "陈静怡",
}


class Command(CrmCommand):
    help = "Create one demo login per role, linked to imported staff, and print them."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, password, **options):
        busiest = Branch.objects.annotate(n=Count("customers")).order_by("-n", "code").first()
        if busiest is None:
            # Before any import there is no branch; the demo still needs one to log in to.
            busiest, _ = Branch.objects.get_or_create(code="0000", defaults={"name": "Demo"})
        rows = []
        used: set[int] = set()
        for username, role in DEMO_LOGINS:
            staff = self._staff_for(role, busiest, username, used)
            if staff is not None:
                used.add(staff.pk)
            staff = staff_login_create(
                username=username,
                password=password,
                role=role,
                staff_code=staff.staff_code if staff else username.upper(),
                name=staff.name if staff else DEMO_NAMES[username],
                branch=(staff.branch if staff else busiest)
                if role not in COMPANY_WIDE_ROLES
                else None,
                team=staff.team if staff else None,
            )
            rows.append((username, str(role.label), staff.staff_code))
        self.stdout.write(
            gettext("Demo logins (password for all: %(password)s)") % {"password": password}
        )
        for username, label, staff_code in rows:
            staff = gettext("staff %(code)s") % {"code": staff_code}
            self.stdout.write(f"  {username:<14} {staff:<20} {label}")

    def _staff_for(self, role, branch, username, used) -> Staff | None:
        """The imported member of staff this demo login speaks for, if the data has one."""
        if role in COMPANY_WIDE_ROLES:
            return None
        linked = Staff.objects.filter(user__username=username, branch=branch).first()
        if linked is not None:
            return linked  # stable across re-runs of `make demo`
        candidates = Staff.objects.filter(branch=branch, is_active=True, user__isnull=True).exclude(
            pk__in=used
        )
        if role == Role.BRANCH_MANAGER:
            return candidates.filter(role=Role.BRANCH_MANAGER).order_by("staff_code").first()
        if role == Role.TEAM_LEAD:
            candidates = candidates.filter(team__isnull=False)
        else:
            candidates = candidates.filter(role=role)
        return candidates.annotate(n=Count("customers")).order_by("-n", "staff_code").first()
