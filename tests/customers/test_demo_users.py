import pytest
from django.core.management import call_command

from crm.models import Role, Staff
from crm.scoping import reach_of
from customers.management.commands.demo_users import DEMO_LOGINS, DEMO_PASSWORD
from tests.crm.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_login_per_role_that_can_sign_in(client, org, capsys):
    call_command("demo_users")
    printed = capsys.readouterr().out
    for username, role in DEMO_LOGINS:
        assert username in printed
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200
        staff = Staff.objects.get(user__username=username)
        assert staff.role == role
        client.logout()


def test_it_links_demo_logins_to_imported_staff_of_the_busiest_branch(org):
    # Imported staff have no login yet; the busiest branch is B once it gets these customers.
    busy = StaffFactory(user=None, staff_code="B-BUSY", role=Role.BROKER, branch=org.branch_b)
    StaffFactory(user=None, staff_code="B-QUIET", role=Role.BROKER, branch=org.branch_b)
    head = StaffFactory(
        user=None, staff_code="B-HEAD", role=Role.BRANCH_MANAGER, branch=org.branch_b
    )
    CustomerFactory.create_batch(8, branch=org.branch_b, manager=busy)
    call_command("demo_users")
    assert Staff.objects.get(user__username="demo-broker") == busy
    branch_head = Staff.objects.get(user__username="demo-branch")
    assert branch_head == head
    assert reach_of(branch_head.user).branch_id == org.branch_b.pk
    assert Staff.objects.get(user__username="demo-head").role == Role.HEAD_OFFICE


def test_it_gives_the_same_links_when_run_again(org):
    call_command("demo_users")
    first = dict(Staff.objects.filter(user__isnull=False).values_list("user__username", "pk"))
    call_command("demo_users")
    again = dict(Staff.objects.filter(user__isnull=False).values_list("user__username", "pk"))
    assert first == again


def test_demo_activity_logs_contacts_and_requests_once(org):
    from customers.models import Interaction, ServiceRequest, Task

    call_command("demo_users")
    broker = Staff.objects.get(user__username="demo-broker")
    CustomerFactory.create_batch(6, branch=broker.branch, manager=broker)
    call_command("demo_activity")
    assert Interaction.objects.filter(staff=broker).count() >= 6
    assert ServiceRequest.objects.filter(assignee=broker).count() == 4
    assert Task.objects.filter(assignee=broker).exists()
    before = Interaction.objects.count()
    call_command("demo_activity")
    assert Interaction.objects.count() == before


def test_it_gives_demo_staff_without_imported_records_chinese_names(org):
    from customers.management.commands.demo_users import DEMO_NAMES

    call_command("demo_users")
    for username in ("demo-head", "demo-admin"):
        name = Staff.objects.get(user__username=username).name
        assert name == DEMO_NAMES[username]
        assert "demo" not in name
