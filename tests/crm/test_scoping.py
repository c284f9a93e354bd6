import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from crm.models import Branch
from crm.scoping import scope_for_user
from customers.models import Customer
from tests.crm.factories import UserFactory


def visible(user, queryset=None):
    queryset = Customer.objects.all() if queryset is None else queryset
    return set(scope_for_user(user, queryset).values_list("cust_no", flat=True))


pytestmark = pytest.mark.django_db


def test_it_shows_a_broker_only_their_own_customers(org):
    assert visible(org.broker.user) == {"A0001"}


def test_it_shows_a_customer_manager_only_their_own_customers(org):
    assert visible(org.manager.user) == {"A0004"}


def test_it_shows_a_team_lead_their_teams_customers_and_their_own(org):
    assert visible(org.team_lead.user) == {"A0001", "A0002", "A0003"}


def test_it_shows_a_branch_manager_every_customer_of_their_branch_only(org):
    assert visible(org.branch_manager.user) == {"A0001", "A0002", "A0003", "A0004", "A0005"}


def test_it_shows_head_office_and_admins_every_customer(org):
    everyone = set(Customer.objects.values_list("cust_no", flat=True))
    assert len(everyone) == 6
    assert visible(org.head_office.user) == everyone
    assert visible(org.admin.user) == everyone


def test_it_shows_a_superuser_without_staff_record_every_customer(org):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert len(visible(root)) == 6


def test_it_shows_nothing_to_users_without_an_active_staff_record(org):
    assert visible(UserFactory(username="nobody")) == set()
    assert visible(AnonymousUser()) == set()
    org.broker.is_active = False
    org.broker.save()
    org.broker.user.refresh_from_db()
    assert visible(org.broker.user) == set()


def test_it_shows_nothing_to_a_deactivated_login(org):
    org.head_office.user.is_active = False
    assert visible(org.head_office.user) == set()


def test_it_follows_the_path_from_another_model_to_its_customer(org):
    branches = Branch.objects.all()
    scoped = scope_for_user(org.other_broker.user, branches, customer_path="customers")
    assert list(scoped.values_list("code", flat=True).distinct()) == ["0202"]


def test_it_refuses_a_model_that_does_not_say_how_it_reaches_a_customer(org):
    with pytest.raises(ImproperlyConfigured):
        scope_for_user(org.broker.user, Branch.objects.all())
