"""crm.scoping.staff_who_see is scope_for_user read backwards: for every member of staff and
every customer of a varied cast, the one holds the other exactly when the other holds it."""

import pytest

from crm.models import Role, Staff
from crm.scoping import scope_for_user, staff_who_see
from customers.forms.relationship import staff_assignable_for
from customers.models import Customer
from tests.crm.factories import StaffFactory, TeamFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(org):
    """The suite's cast, and the staff and customers at the edges of the rules."""
    lone_lead = StaffFactory(
        user__username="lonelead", role=Role.TEAM_LEAD, branch=org.branch_a, team=None
    )
    other_team = TeamFactory(branch=org.branch_b, name="财富二组")
    other_lead = StaffFactory(
        user__username="otherlead", role=Role.TEAM_LEAD, branch=org.branch_b, team=other_team
    )
    other_member = StaffFactory(
        user__username="othermember", role=Role.BROKER, branch=org.branch_b, team=other_team
    )
    left = StaffFactory(user__username="left", role=Role.BRANCH_MANAGER, branch=org.branch_a)
    left.is_active = False
    left.save()
    locked = StaffFactory(user__username="locked", role=Role.HEAD_OFFICE, branch=None)
    locked.user.is_active = False
    locked.user.save()
    root = StaffFactory(user__username="root", role=Role.BROKER, branch=org.branch_b)
    root.user.is_superuser = True
    root.user.save()
    StaffFactory(user=None, role=Role.BRANCH_MANAGER, branch=org.branch_a)  # never logs in
    CustomerFactory(cust_no="L0001", branch=org.branch_a, manager=lone_lead)
    # Served across branches: a branch B customer of a team in branch A, and the other way.
    CustomerFactory(cust_no="X0001", branch=org.branch_b, manager=org.broker)
    CustomerFactory(cust_no="X0002", branch=org.branch_a, manager=other_member)
    CustomerFactory(cust_no="X0003", branch=org.branch_b, manager=other_lead)
    CustomerFactory(cust_no="X0004", branch=org.branch_b, manager=None)
    return org


def test_it_names_as_seeing_a_customer_exactly_the_staff_whose_scope_holds_it(cast):
    staff = list(Staff.objects.select_related("user"))
    customers = list(Customer.objects.select_related("manager"))
    assert len(staff) >= 15 and len(customers) >= 11
    for customer in customers:
        seeing = set(staff_who_see(customer).values_list("pk", flat=True))
        for member in staff:
            in_scope = (
                member.user is not None
                and scope_for_user(member.user, Customer.objects.filter(pk=customer.pk)).exists()
            )
            assert (member.pk in seeing) == in_scope, (member.user, customer.cust_no)


def test_it_reads_a_customers_staff_in_one_query(cast, django_assert_num_queries):
    customer = Customer.objects.select_related("manager").get(cust_no="A0001")
    with django_assert_num_queries(1):
        names = set(staff_who_see(customer).values_list("user__username", flat=True))
    assert names == {"broker", "lead", "branchhead", "headoffice", "admin", "root"}


def test_it_offers_as_assignees_only_the_staff_of_the_branch_who_see_the_customer(cast):
    customer = Customer.objects.get(cust_no="A0001")
    names = {member.user.username for member in staff_assignable_for(customer)}
    assert names == {"broker", "lead", "branchhead"}
