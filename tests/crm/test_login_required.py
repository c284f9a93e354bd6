"""Walks the whole URL configuration: only the login page and the language switch are open."""

import pytest

from tests.urlwalk import is_open, sample_url, view_label, walk

# The views an anonymous visitor may reach; everything else redirects to the login page.
# The SMS gateway's webhooks take no login: each request is signed by the gateway
# (marketing/views/gateway.py; tests/marketing/test_receipts.py refuses unsigned ones).
OPEN_VIEWS = {
    "LoginView",
    "set_language",
    "AdminSite.login",
    "FaviconView",
    "gateway_receipts",
    "gateway_replies",
}


def test_it_marks_only_login_the_language_switch_and_the_signed_webhooks_as_open():
    open_views = {view_label(callback) for _, callback in walk() if is_open(callback)}
    assert open_views == OPEN_VIEWS


@pytest.mark.django_db
def test_it_redirects_anonymous_visitors_to_login_from_every_other_url(client):
    checked = 0
    for pattern, callback in walk():
        if is_open(callback):
            continue
        url = sample_url(pattern)
        if url is None:
            continue
        response = client.get(url)
        assert response.status_code == 302, url
        # The admin sends visitors to its own login page, which checks the same credentials.
        assert response["Location"].startswith(("/accounts/login/?next=", "/admin/login/")), url
        checked += 1
    assert checked >= 6


@pytest.mark.django_db
def test_it_serves_the_login_page_to_anonymous_visitors(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content
