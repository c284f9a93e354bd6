"""The site has an icon: every page of the CRM and of its admin links it, and /favicon.ico,
which browsers ask for whatever a page links, sends them to it without a sign-in."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db

ICON = static("favicon.svg")
LINK = f'<link rel="icon" href="{ICON}" type="image/svg+xml">'


def test_it_ships_an_svg_icon():
    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as icon:
        assert icon.read().startswith("<svg")


def test_it_answers_favicon_ico_with_a_redirect_to_the_icon_without_a_sign_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == ICON


def test_it_links_the_icon_from_the_login_page_and_the_pages_behind_it(client, org):
    assert LINK in client.get("/accounts/login/").content.decode()
    client.force_login(org.broker.user)
    assert LINK in client.get("/").content.decode()


def test_it_links_the_icon_from_the_admin(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    for url in ("/admin/", "/admin/crm/auditentry/", "/admin/login/"):
        response = client.get(url, follow=True)
        assert LINK in response.content.decode(), url
