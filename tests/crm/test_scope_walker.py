"""The scope walker: every URL of the project is declared in tests/scopeprobes.py, and each
probe proves, for every role of the cast, that a customer outside the role's scope is a 404
(nothing written) and never shows in a list, a count, an export, a chart or a drill-down,
while the roles whose scope holds it get the page. Who may see what comes from
crm/scoping.py, applied to the cast of tests/conftest.py."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm.models import AuditEntry
from crm.scoping import scope_for_user
from customers.models import Customer, Interaction, SavedView, ServiceRequest, Task
from tests.scopeprobes import (
    ADMIN_SITE,
    DECLARATIONS,
    Figures,
    HeadOfficeOnly,
    OwnUser,
    Probe,
    Public,
    company_wide,
    declared,
    facts_seed,
    listings,
    target_make,
    visible,
)
from tests.urlwalk import sample_url, walk_named

pytestmark = pytest.mark.django_db

# The cast's members of staff (tests/conftest.py); their reach is crm/scoping.py's.
ROLES = (
    "broker",
    "teammate",
    "team_lead",
    "manager",
    "branch_manager",
    "other_broker",
    "head_office",
    "admin",
)
WHERE = ("near", "far")
PLAIN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**PLAIN, "HTTP_HX_REQUEST": "true"}
REFUSED = (403, 404)


@pytest.fixture
def cast(org):
    """The cast, with the administrator as the admin site knows one (staff_login_create
    makes role ADMIN staff and superuser) and everybody allowed to reveal personal data, so
    that scope alone decides what they get."""
    org.admin.user.is_staff = org.admin.user.is_superuser = True
    org.admin.user.save()
    reveal = Permission.objects.get(codename="reveal_pii")
    for role in ROLES:
        getattr(org, role).user.user_permissions.add(reveal)
    return org


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def footprint() -> tuple:
    """What a request about a customer could write: contacts, requests, tasks, saved views,
    last contacts and audit entries (360 views and reveals among them)."""
    return (
        sorted(Interaction.objects.values_list("pk", flat=True)),
        sorted(ServiceRequest.objects.values_list("pk", "status")),
        sorted(Task.objects.values_list("pk", "status")),
        sorted(SavedView.objects.values_list("pk", flat=True)),
        sorted(Customer.objects.values_list("pk", "last_contact_at")),
        AuditEntry.objects.count(),
    )


# -- the declarations ---------------------------------------------------------------------------


def test_every_url_outside_the_admin_site_is_declared():
    undeclared = [
        f"{route} ({name})"
        for route, name, _ in walk_named()
        if not route.startswith(ADMIN_SITE) and (name or route) not in DECLARATIONS
    ]
    assert undeclared == [], "declare these in tests/scopeprobes.py"


def test_no_declaration_is_left_for_a_url_that_no_longer_exists():
    names = {name or route for route, name, _ in walk_named()}
    assert sorted(set(DECLARATIONS) - names) == []


def test_the_cast_has_roles_on_both_sides_of_each_probed_customer(cast):
    for where in WHERE:
        target = target_make(cast, where)
        seeing = {role for role in ROLES if visible(getattr(cast, role).user, target)}
        assert seeing and seeing != set(ROLES), where


# -- one object each ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", declared(Probe))
def test_an_object_of_a_customer_out_of_scope_is_a_404(client, cast, name, role):
    probe = DECLARATIONS[name]
    staff = getattr(cast, role)
    client.force_login(staff.user)
    for where in WHERE:
        target = target_make(cast, where)
        hit = probe.make(target=target, cast=cast, requester=staff)
        may = (probe.may or (lambda user, target, cast: visible(user, target)))(
            staff.user, target, cast
        )
        said = f"{name} {hit.url} as {role} ({where} customer, {'may' if may else 'may not'} see)"
        before = footprint()
        get = client.get(hit.url, **PLAIN)
        if may:
            if probe.answers_get:
                assert get.status_code == probe.ok, said
                assert target.name in body(get), f"{said}: the page is not about it"
            else:
                assert get.status_code == 405, said
            post = client.post(hit.url, hit.data, **HTMX)
            assert post.status_code == (probe.ok if probe.answers_post else 405), said
            if probe.writes:
                assert footprint() != before, f"{said}: the permitted POST wrote nothing"
            continue
        assert get.status_code == (404 if probe.answers_get else 405), said
        for headers in (HTMX, PLAIN):
            post = client.post(hit.url, hit.data, **headers)
            assert post.status_code == (404 if probe.answers_post else 405), said
        assert footprint() == before, f"{said}: wrote something"
        assert target.name not in body(get) + body(post), said


# -- lists, counts, exports, drill-downs ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "index"), listings())
def test_a_customer_out_of_scope_is_in_no_list_count_or_export(client, cast, name, index, role):
    listing = DECLARATIONS[name][index]
    staff = getattr(cast, role)
    client.force_login(staff.user)
    for where in WHERE:
        target = target_make(cast, where)
        hit = listing.make(target=target, cast=cast, requester=staff)
        said = f"{name} {hit.url} as {role} ({where} customer)"
        response = client.get(hit.url, **PLAIN)
        if not listing.admits(staff.user):
            assert response.status_code == 403, said
            continue
        assert response.status_code == 200, said
        text = body(response)
        may = visible(staff.user, target)
        for shown in listing.shows(target):
            assert (shown in text) == may, f"{said}: {shown!r} {'missing' if may else 'leaked'}"
        if listing.counts is not None:
            # The count shown is the role's scope over what the filters select company-wide.
            shown, selected = listing.counts(response, text, cast)
            expected = scope_for_user(staff.user, Customer.objects.filter(pk__in=selected))
            assert shown == expected.count(), f"{said}: counts {shown}"


# -- dashboard figures ----------------------------------------------------------------------------

# What differs between two renderings of the same figures: plotly's element ids and CSRF tokens.
VOLATILE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9]{64}"
)


def figures(client, urls) -> list[str]:
    return [VOLATILE.sub("", body(client.get(url, **PLAIN))) for url in urls]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", declared(Figures))
def test_dashboard_figures_change_by_nothing_for_a_customer_out_of_scope(client, cast, name, role):
    declaration = DECLARATIONS[name]
    staff = getattr(cast, role)
    client.force_login(staff.user)
    if not declaration.admits(staff.user):
        for url in declaration.urls:
            assert client.get(url, **PLAIN).status_code == 403, f"{url} as {role}"
        return
    # Money in both branches first, so that each figure has something to be added to.
    facts_seed(cast.broker_customer, cash=Decimal("300000"))
    facts_seed(cast.other_customer, cash=Decimal("200000"))
    before = figures(client, declaration.urls)
    for where in WHERE:
        target = target_make(cast, where)
        facts_seed(target, cash=Decimal("7000000"))
        after = figures(client, declaration.urls)
        for url, was, now in zip(declaration.urls, before, after, strict=True):
            if visible(staff.user, target):
                assert was != now, f"{name} {url} as {role}: the {where} customer is missing"
            else:
                assert was == now, f"{name} {url} as {role}: the {where} customer changed it"
        before = after


# -- head office's pages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", declared(HeadOfficeOnly))
def test_head_office_pages_refuse_everybody_else(client, cast, name):
    """One test per page, every role in turn (the refusal is one check, cheap to repeat)."""
    declaration = DECLARATIONS[name]
    target = target_make(cast, "far")
    hit = declaration.make(target=target, cast=cast)
    for role in ROLES:
        staff = getattr(cast, role)
        client.force_login(staff.user)
        said = f"{name} {hit.url} as {role}"
        before = footprint()
        get = client.get(hit.url, **PLAIN)
        if company_wide(staff.user):
            if declaration.answers_get:
                assert get.status_code == 200, said
            else:
                post = client.post(hit.url, hit.data, **PLAIN)
                assert post.status_code not in (*REFUSED, 405), said
            continue
        post = client.post(hit.url, hit.data, **PLAIN)
        assert get.status_code in REFUSED, said
        assert post.status_code in REFUSED, said
        assert footprint() == before, said
        assert target.cust_no not in body(get) + body(post), said


# -- the admin site, the requester's own pages, the public ones ---------------------------------


def admin_urls() -> list[str]:
    urls = []
    for route, _, _ in walk_named():
        # Its login and logout act on the requester's session (logging out would end the test's).
        if route.startswith(ADMIN_SITE) and route not in ("admin/login/", "admin/logout/"):
            url = sample_url(route)
            if url is not None:
                urls.append(url)
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_site_is_for_staff_only(client, cast, role):
    staff = getattr(cast, role)
    client.force_login(staff.user)
    target = target_make(cast, "far")
    change = reverse("admin:customers_customer_change", args=[target.pk])
    reveal = reverse("admin:customers_customer_reveal", args=[target.pk])
    if staff.user.is_staff:
        for url in ("/admin/", reverse("admin:customers_customer_changelist"), change):
            assert client.get(url, **PLAIN).status_code == 200, f"{url} as {role}"
        assert client.post(reveal, **PLAIN).status_code in (200, 302), f"{reveal} as {role}"
        return
    # Every page with its parameters filled in, and the customer's own change and reveal.
    urls = [*admin_urls(), change, reveal]
    assert len(urls) > 50
    before = footprint()
    # Every role GETs every page; POSTs (the same gate) from the company-wide ones only.
    posting = company_wide(staff.user)
    for url in urls:
        responses = [client.get(url, **PLAIN)]
        if posting:
            responses.append(client.post(url, {}, **PLAIN))
        for response in responses:
            assert response.status_code == 302, f"{url} as {role}"
            assert response["Location"].startswith("/admin/login/"), f"{url} as {role}"
    assert footprint() == before


@pytest.mark.parametrize("name", declared(OwnUser))
def test_the_requesters_own_pages_show_no_customer(client, cast, name):
    target = target_make(cast, "far")
    for role in ROLES:
        client.force_login(getattr(cast, role).user)
        response = client.get(reverse(name), **PLAIN)
        assert response.status_code in (200, 405), f"{name} as {role}"
        assert target.name not in body(response), f"{name} as {role}"


@pytest.mark.parametrize("name", declared(Public))
def test_public_pages_show_no_customer(client, cast, name):
    target = target_make(cast, "far")
    response = client.get(reverse(name), **PLAIN)
    assert response.status_code in (200, 302), name
    assert not response.get("Location", "").startswith("/accounts/login/"), name
    assert target.name not in body(response)
