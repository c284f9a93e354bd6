"""Page access by role (crm/roles.py): the navigation offers the pages a role opens, and the
view decorator and mixin refuse everybody else with a 403."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from crm.context_processors import navigation
from crm.roles import Access, RoleRequiredMixin, has_access, role_required

pytestmark = pytest.mark.django_db

GUARDED = {"analytics:dashboard", "customers:imports", "admin:index"}


def offered(user) -> set[str]:
    request = RequestFactory().get("/")
    request.user = user
    return {item["url_name"] for item in navigation(request)["nav_items"]} & GUARDED


def test_it_offers_each_role_the_pages_it_opens_and_no_other(org):
    expected = {
        org.broker: set(),
        org.manager: set(),
        org.other_broker: set(),
        org.team_lead: {"analytics:dashboard"},
        org.branch_manager: {"analytics:dashboard"},
        org.head_office: {"analytics:dashboard", "customers:imports"},
        org.admin: GUARDED,
    }
    for staff, pages in expected.items():
        assert offered(staff.user) == pages, staff.role


def test_it_counts_a_superuser_without_staff_record_as_an_administrator(db):
    superuser = get_user_model().objects.create_superuser("root", password="x")
    assert has_access(superuser, Access.ADMINISTRATION)
    assert offered(superuser) == GUARDED


def test_it_refuses_a_role_the_decorator_does_not_admit_with_a_403(org):
    @role_required(Access.IMPORTS)
    def page(request):
        return HttpResponse("imports")

    request = RequestFactory().get("/")
    request.user = org.head_office.user
    assert page(request).content == b"imports"
    request.user = org.branch_manager.user
    with pytest.raises(PermissionDenied):
        page(request)


def test_it_refuses_a_role_the_mixin_does_not_admit_before_the_view_runs(org):
    ran = []

    class Page(RoleRequiredMixin, View):
        access = Access.DASHBOARDS

        def get(self, request):
            ran.append(request.user)
            return HttpResponse("dashboards")

    request = RequestFactory().get("/")
    request.user = org.team_lead.user
    assert Page.as_view()(request).content == b"dashboards"
    request.user = org.broker.user
    with pytest.raises(PermissionDenied):
        Page.as_view()(request)
    assert ran == [org.team_lead.user]
